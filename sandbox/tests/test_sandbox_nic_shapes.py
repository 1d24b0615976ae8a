"""The sandbox's replies against genuine NIC sandbox replies (india-compliance's
recorded request/response pairs, read from the shared data folder, never
copied): same keys, same order where NIC has one, same JSON types."""
import base64
import json
from datetime import datetime
from pathlib import Path

import pytest
from sandbox_helpers import BY_IRN, EWB, codes, new_doc_no

from irp import crypto
from sandbox import master

REPO_ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = (REPO_ROOT.parent / "shared" / "data", Path("/work/shared/data"))


@pytest.fixture(scope="module")
def genuine():
    for folder in CANDIDATES:
        path = folder / "india-compliance" / "test_e_invoice.json"
        if path.is_file():
            return json.loads(path.read_text())
    pytest.skip("NIC artifacts folder (../shared/data) not present")


def _payload(token):
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return json.loads(claims["data"])


def _header(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def _shape(value):
    """Keys and JSON types, recursively (null matches anything: NIC fills fields case by case)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value[:1]]
    if value is None:
        return None
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__


def _same_shape(ours, theirs, path="Data"):
    ours_shape, theirs_shape = _shape(ours), _shape(theirs)
    if isinstance(theirs_shape, dict):
        assert isinstance(ours_shape, dict), path
        assert set(ours_shape) == set(theirs_shape), f"{path}: {sorted(ours_shape)} != {sorted(theirs_shape)}"
        for key in theirs_shape:
            _same_shape(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(theirs_shape, list):
        assert isinstance(ours_shape, list), path
        if ours and theirs:
            _same_shape(ours[0], theirs[0], f"{path}[0]")
    elif ours_shape is not None and theirs_shape is not None:
        assert ours_shape == theirs_shape, f"{path}: {ours_shape} != {theirs_shape}"


def _adapted(real, today, doc_no):
    """NIC's own signed invoice turned into a request our GSTINs and today's date can pass."""
    invoice = {key: value for key, value in real.items() if key not in ("AckNo", "AckDt", "Irn")}
    invoice = json.loads(json.dumps(invoice))
    seller, buyer = master.SELLER_KA, master.BUYER_TN
    invoice["DocDtls"].update(No=doc_no, Dt=today.strftime("%d/%m/%Y"))
    invoice["SellerDtls"].update(Gstin=seller["gstin"], Pin=seller["pin"], Stcd=seller["state_code"])
    invoice["BuyerDtls"].update(Gstin=buyer["gstin"], Pin=buyer["pin"], Stcd=buyer["state_code"],
                                Pos=seller["state_code"])
    invoice["DispDtls"].update(Pin=seller["pin"], Stcd=seller["state_code"])
    invoice["ShipDtls"].update(Gstin=buyer["gstin"], Pin=buyer["pin"], Stcd=buyer["state_code"])
    for item in invoice["ItemList"]:
        del item["ItemNo"]
    return invoice


def test_generate_irn_matches_nic(nic, today, genuine):
    recorded = genuine["goods_item_with_ewaybill"]["response_data"]
    real_invoice = _payload(recorded["result"]["SignedInvoice"])
    real_qr = _payload(recorded["result"]["SignedQRCode"])
    doc_no = new_doc_no()
    request = _adapted(real_invoice, today, doc_no)
    envelope = nic.generate(request)
    data = nic.data(envelope)

    # the reply: same fields and types (india-compliance adds its own "distance")
    _same_shape(data, {key: value for key, value in recorded["result"].items() if key != "distance"})
    _same_shape(envelope["InfoDtls"], recorded["info"], "InfoDtls")
    assert envelope["InfoDtls"][0]["Desc"].startswith("Pin-Pin calc distance: ")
    assert data["AckDt"].endswith(":00") and recorded["result"]["AckDt"].endswith(":00")

    # the signed invoice: NIC's own content comes back byte for byte, in NIC's order
    ours = _payload(data["SignedInvoice"])
    expected = {"AckNo": data["AckNo"], "AckDt": ours["AckDt"], "Irn": data["Irn"],
                **{key: value for key, value in real_invoice.items() if key not in ("AckNo", "AckDt", "Irn")}}
    adapted_blocks = ("DocDtls", "SellerDtls", "BuyerDtls", "DispDtls", "ShipDtls")
    expected.update({key: value for key, value in request.items() if key in adapted_blocks})
    assert json.dumps(ours) == json.dumps(expected)
    assert set(_header(data["SignedInvoice"])) == set(_header(recorded["result"]["SignedInvoice"]))

    # the signed QR code: same fields, same order, same types
    qr = _payload(data["SignedQRCode"])
    assert list(qr) == list(real_qr)
    _same_shape(qr, real_qr, "QR")
    assert qr["IrnDt"] == ours["AckDt"] and qr["DocNo"] == doc_no


def test_ewaybill_error_with_the_irn_matches_nic(nic, today, genuine):
    recorded = genuine["service_item"]["response_data"]
    request = _adapted(_payload(recorded["result"]["SignedInvoice"]), today, new_doc_no())
    request["EwbDtls"] = {"Distance": 0}
    envelope = nic.generate(request)
    _same_shape(nic.data(envelope), recorded["result"])
    assert envelope["InfoDtls"] == recorded["info"]  # same code, same words


def test_duplicate_cancel_and_get_match_nic(nic, today, genuine):
    real = _payload(genuine["goods_item_with_ewaybill"]["response_data"]["result"]["SignedInvoice"])
    request = _adapted(real, today, new_doc_no())
    del request["EwbDtls"]
    generated = nic.generated(request)

    duplicate = nic.generate(request)
    assert codes(duplicate) == [genuine["duplicate_irn"]["response_data"]["error_code"]]
    _same_shape(duplicate["InfoDtls"], genuine["duplicate_irn"]["response_data"]["result"], "InfoDtls")

    fetched = nic.data(nic.get(BY_IRN + generated["Irn"]))
    _same_shape(fetched, genuine["get_e_invoice_by_irn"]["response_data"]["result"])

    cancelled = nic.data(nic.cancel(generated["Irn"]))
    recorded = genuine["cancel_e_invoice"]["response_data"]["result"]
    _same_shape(cancelled, recorded)
    assert len(cancelled["CancelDate"]) == len(recorded["CancelDate"])


def test_cancel_ewaybill_matches_nic(nic, today, genuine):
    real = _payload(genuine["goods_item_with_ewaybill"]["response_data"]["result"]["SignedInvoice"])
    request = _adapted(real, today, new_doc_no())
    del request["EwbDtls"]
    irn = nic.generated(request)["Irn"]
    ewb_no = nic.data(nic.post(EWB, {"Irn": irn, "Distance": 0, "TransMode": "1", "VehNo": "GJ07DL9009",
                                     "VehType": "R"}))["EwbNo"]
    recorded = genuine["cancel_e_waybill"]
    ours = nic.data(nic.cancel_ewaybill(ewb_no, reason=recorded["request_data"]["cancelRsnCode"],
                                        remark=recorded["request_data"]["cancelRmrk"]))
    _same_shape(ours, recorded["response_data"]["result"])
    for text in (ours["cancelDate"], recorded["response_data"]["result"]["cancelDate"]):
        datetime.strptime(text, "%d/%m/%Y %I:%M:%S %p")


def test_irn_formula_on_nic_examples(genuine):
    # the IRNs NIC returned are SHA-256 of GSTIN + FY + type + number (§6), as the sandbox computes them
    for case in ("goods_item_with_ewaybill", "service_item", "get_e_invoice_by_irn"):
        data = _payload(genuine[case]["response_data"]["result"]["SignedInvoice"])
        doc = data["DocDtls"]
        assert crypto.irn_hash(data["SellerDtls"]["Gstin"], doc["Dt"], doc["Typ"], doc["No"]) == data["Irn"]
