"""Known answers from NIC's sandbox: payloads the real IRP accepted must pass our pre-flight.

Reads the published artifacts in ../shared/data (never copied into the repository);
these tests skip when that folder is absent.
"""
import copy
import json
from datetime import date
from pathlib import Path

import pytest

from irp import crypto, validation

REPO = Path(__file__).resolve().parents[2]
DATA = next((path for path in (REPO.parent / "shared" / "data", Path("/work/shared/data")) if path.is_dir()), None)
pytestmark = pytest.mark.skipif(DATA is None, reason="NIC data folder (../shared/data) not available")

# Generate IRN requests india-compliance replayed against NIC's sandbox.
IRN_REQUESTS = ["goods_item_with_ewaybill", "service_item", "nil_exempted_item", "return_invoice", "debit_invoice",
                "duplicate_irn"]
# Its fixtures write this placeholder where the sandbox received the real invoice name.
PLACEHOLDER_NUMBER = "test_invoice_no"
# IRN 706daecc... (the DUPIRN answer of duplicate_irn) is the hash of this number (nic-irp-api.md §6).
GOODS_INVOICE_NUMBER = "SINV-CFY-00067"
SANDBOX_SIGNING_KIDS = {
    "DERIVED_nic_irp_sandbox_signing_kidEDC57DE1__recovered.pem": "EDC57DE1358B300BA9F79340A6696831F3C85047",
    "DERIVED_nic_irp_sandbox_signing_kid1513B821__recovered.pem": "1513B821EE46C749A63B86E318BF711099287D1F",
}


@pytest.fixture(scope="module")
def fixtures():
    return json.loads((DATA / "india-compliance" / "test_e_invoice.json").read_text())


@pytest.fixture(scope="module")
def keyring():
    ring = crypto.SigningKeyring()
    for name, kid in SANDBOX_SIGNING_KIDS.items():
        ring.add((DATA / "keys" / name).read_bytes(), kid=kid)
    return ring


def _date(text):
    return date(int(text[6:]), int(text[3:5]), int(text[:2]))


def _signed_invoices(fixtures, keyring):
    """(name, data) of every SignedInvoice in the fixtures, signature verified, IRP additions removed."""
    found = []
    for name, entry in fixtures.items():
        result = (entry.get("response_data") or {}).get("result") if isinstance(entry, dict) else None
        if isinstance(result, dict) and result.get("SignedInvoice"):
            data = crypto.signed_data(result["SignedInvoice"], keyring)
            found.append((name, data))
    return found


def _as_request(signed):
    """The request the IRP signed: without AckNo/AckDt/Irn and the ItemNo it adds to each item (§5.5)."""
    request = {key: value for key, value in signed.items() if key not in ("AckNo", "AckDt", "Irn")}
    request["ItemList"] = [{key: value for key, value in item.items() if key != "ItemNo"}
                           for item in signed["ItemList"]]
    return request


@pytest.mark.parametrize("name", IRN_REQUESTS)
def test_genuine_sandbox_requests_pass(fixtures, keyring, name):
    request = copy.deepcopy(fixtures[name]["request_data"])
    assert request["DocDtls"]["No"] == PLACEHOLDER_NUMBER
    today = _date(request["DocDtls"]["Dt"])
    # The placeholder itself breaks NIC's document-number pattern (underscores): the only problem.
    problems = validation.validate_invoice(request, today=today, require_check_digit=False)
    assert [(problem.code, problem.path) for problem in problems] == [("schema", "DocDtls.No")]
    signed = dict(_signed_invoices({name: fixtures[name]}, keyring))
    request["DocDtls"]["No"] = signed[name]["DocDtls"]["No"] if name in signed else GOODS_INVOICE_NUMBER
    assert validation.validate_invoice(request, today=today, require_check_digit=False) == []


def test_signed_invoices_from_the_sandbox_pass(fixtures, keyring):
    signed = _signed_invoices(fixtures, keyring)
    assert len(signed) >= 6
    kinds = set()
    for name, data in signed:
        request = _as_request(data)
        irn = crypto.irn_hash(request["SellerDtls"]["Gstin"], request["DocDtls"]["Dt"], request["DocDtls"]["Typ"],
                              request["DocDtls"]["No"])
        assert irn == data["Irn"], name  # the payload is exactly the document the IRP registered
        problems = validation.validate_invoice(request, today=_date(request["DocDtls"]["Dt"]),
                                               require_check_digit=False)
        assert problems == [], (name, problems)
        kinds.add((request["DocDtls"]["Typ"], request["ItemList"][0]["IsServc"]))
    assert {("INV", "N"), ("INV", "Y"), ("CRN", "N"), ("DBN", "N")} <= kinds


def test_strict_check_digits_flag_only_the_sandbox_gstins(fixtures, keyring):
    for name, data in _signed_invoices(fixtures, keyring):
        request = _as_request(data)
        problems = validation.validate_invoice(request, today=_date(request["DocDtls"]["Dt"]))
        assert problems and {problem.code for problem in problems} == {"3030"}, name
        assert {problem.path for problem in problems} <= {"SellerDtls.Gstin", "BuyerDtls.Gstin", "ShipDtls.Gstin"}


def test_export_template_passes_every_business_rule(fixtures):
    # No NIC answer is stored for it, and it keeps two placeholders (document number, ISO shipping bill
    # date): those are the only problems; URP, state 96, PIN 999999, port ship-to and CntCode all pass.
    request = fixtures["foreign_transaction"]["request_data"]
    problems = validation.validate_invoice(request, today=_date(request["DocDtls"]["Dt"]), require_check_digit=False)
    assert sorted((problem.code, problem.path) for problem in problems) == [
        ("schema", "DocDtls.No"), ("schema", "ExpDtls.ShipBDt")]


def test_genuine_cancel_requests_pass(fixtures):
    cancel = validation.normalise_keys(fixtures["cancel_e_invoice"]["request_data"])  # NIC sample says Cnlrsn
    assert validation.validate_cancel(cancel["Irn"], cancel.get("Cnlrsn"), cancel.get("Cnlrem")) == []
    ewb = fixtures["cancel_e_waybill"]["request_data"]
    assert validation.validate_ewaybill_cancel(ewb["ewbNo"], ewb["cancelRsnCode"], ewb["cancelRmrk"]) == []


def test_hsn_master_of_india_compliance(fixtures, keyring):
    known = validation.load_hsn_master(DATA / "india-compliance" / "hsn_codes.json")
    assert known("61149090") and known("6114") and known("995411") and known("9954")
    assert not known("12345678") and not known("0000")
    for name, data in _signed_invoices(fixtures, keyring):
        request = _as_request(data)
        today = _date(request["DocDtls"]["Dt"])
        assert validation.validate_invoice(request, today=today, hsn_known=known, require_check_digit=False) == []
        request["ItemList"][0]["HsnCd"] = "12345678" if request["ItemList"][0]["IsServc"] == "N" else "99999999"
        problems = validation.validate_invoice(request, today=today, hsn_known=known, require_check_digit=False)
        assert [(problem.code, problem.path) for problem in problems] == [("2176", "ItemList[0].HsnCd")]


def test_nic_sandbox_ewaybill_details_pass(fixtures, keyring):
    signed = dict(_signed_invoices(fixtures, keyring))["goods_item_with_ewaybill"]
    ewb = signed["EwbDtls"]
    assert ewb["TransMode"] == "1" and ewb["Distance"] == 0
    payload = dict(ewb, Irn=signed["Irn"])
    invoice = _as_request(signed)
    problems = validation.validate_ewaybill(payload, invoice=invoice, today=_date(invoice["DocDtls"]["Dt"]),
                                            require_check_digit=False)
    assert problems == []
