"""Generate / cancel / get IRN over HTTP: §5.3-§5.5, §6, §7.13, §9.1."""
import base64
import copy
import hashlib
import json
import threading
from datetime import datetime, timedelta

import pytest
import requests
from sandbox_helpers import BY_DOC, BY_IRN, EWB, Nic, codes, make_invoice, new_doc_no

from irp import crypto
from sandbox import master
from sandbox.clock import IST, fmt_minute, parse_ist


@pytest.fixture(scope="module")
def keyring(sandbox):
    certificate = requests.get(sandbox.url + "/sandbox/keys/signing.pem", timeout=5).content
    return crypto.SigningKeyring.from_pems(certificate)


def _decode(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _claims(token):
    header_b64, claims_b64, _ = token.split(".")
    return _decode(header_b64), _decode(claims_b64)


def test_generate_irn_signed_as_nic_does(sandbox, nic, today, keyring):
    invoice = make_invoice(today, items=[("84713010", 2, 45000.0, 18, False), ("85176290", 10, 12000.0, 18, False)])
    envelope = nic.generate(invoice)
    assert envelope["Status"] == 1 and envelope["ErrorDetails"] is None and envelope["InfoDtls"] is None
    data = nic.data(envelope)
    assert list(data) == ["AckNo", "AckDt", "Irn", "SignedInvoice", "SignedQRCode", "Status", "EwbNo", "EwbDt",
                          "EwbValidTill", "Remarks"]
    doc = invoice["DocDtls"]
    expected_irn = hashlib.sha256(
        f"{master.SELLER_KA['gstin']}{crypto.financial_year(today)}INV{doc['No']}".encode()).hexdigest()
    assert data["Irn"] == expected_irn
    assert isinstance(data["AckNo"], int) and len(str(data["AckNo"])) == 15
    assert str(data["AckNo"])[2:4] == f"{sandbox.now().year % 100:02d}"
    assert data["Status"] == "ACT" and data["EwbNo"] is None and data["Remarks"] is None

    signed = crypto.signed_data(data["SignedInvoice"], keyring)  # verifies RS256 against the downloaded cert
    header, claims = _claims(data["SignedInvoice"])
    certificate = crypto.load_certificate(sandbox.signing_certificate_pem)
    assert header == {"alg": "RS256", "kid": crypto.kid_of(certificate), "typ": "JWT",
                      "x5t": crypto.x5t_of(certificate)}
    assert set(claims) == {"data", "iss"} and claims["iss"] == "NIC Sandbox"
    # AckDt keeps its seconds in the token and is rounded to the minute at the top level
    ack_moment = parse_ist(signed["AckDt"])
    assert data["AckDt"] == fmt_minute(ack_moment) and data["AckDt"].endswith(":00")
    assert abs((sandbox.now() - ack_moment).total_seconds()) < 60
    assert list(signed)[:3] == ["AckNo", "AckDt", "Irn"] and signed["AckNo"] == data["AckNo"]
    assert list(signed)[3:] == ["Version", "TranDtls", "DocDtls", "SellerDtls", "BuyerDtls", "ItemList", "ValDtls"]
    for sent, item in zip(invoice["ItemList"], signed["ItemList"]):
        assert list(item)[:2] == ["ItemNo", "SlNo"] and item["ItemNo"] == 0
        assert {key: value for key, value in item.items() if key != "ItemNo"} == sent
    assert signed["SellerDtls"] == invoice["SellerDtls"] and signed["ValDtls"] == invoice["ValDtls"]

    qr = crypto.signed_data(data["SignedQRCode"], keyring)
    assert _claims(data["SignedQRCode"])[1]["iss"] == "NIC Sandbox"
    assert qr == {
        "SellerGstin": master.SELLER_KA["gstin"], "BuyerGstin": master.BUYER_MH["gstin"], "DocNo": doc["No"],
        "DocTyp": "INV", "DocDt": doc["Dt"], "TotInvVal": invoice["ValDtls"]["TotInvVal"], "ItemCnt": 2,
        "MainHsnCode": "85176290",  # 120000 taxable beats 90000
        "Irn": data["Irn"], "IrnDt": signed["AckDt"]}
    assert list(qr) == ["SellerGstin", "BuyerGstin", "DocNo", "DocTyp", "DocDt", "TotInvVal", "ItemCnt",
                        "MainHsnCode", "Irn", "IrnDt"]


def test_keys_matched_without_case_nulls_and_unknowns_dropped(nic, today, keyring):
    invoice = make_invoice(today, buyer=master.BUYER_KA)  # intra-state: CGST + SGST
    invoice["BuyerDtls"]["GSTIN"] = invoice["BuyerDtls"].pop("Gstin")  # as Odoo sends them
    invoice["BuyerDtls"]["POS"] = invoice["BuyerDtls"].pop("Pos")
    invoice["docdtls"] = invoice.pop("DocDtls")
    invoice["PayDtls"] = None
    invoice["ItemList"][0]["Barcde"] = None
    invoice["SomethingNicDoesNotKnow"] = {"x": 1}
    invoice["ItemList"][0]["Qty"] = 2  # an integer quantity comes back as a decimal
    data = nic.generated(invoice)
    signed = crypto.signed_data(data["SignedInvoice"], keyring)
    assert signed["BuyerDtls"]["Gstin"] == master.BUYER_KA["gstin"] and signed["BuyerDtls"]["Pos"] == "29"
    assert list(signed["BuyerDtls"]) == ["Gstin", "LglNm", "TrdNm", "Pos", "Addr1", "Loc", "Pin", "Stcd"]
    assert "PayDtls" not in signed and "SomethingNicDoesNotKnow" not in signed
    assert "Barcde" not in signed["ItemList"][0]
    assert signed["ItemList"][0]["Qty"] == 2.0 and isinstance(signed["ItemList"][0]["Qty"], float)
    assert signed["DocDtls"]["No"] == invoice["docdtls"]["No"]


def test_lower_case_document_number_is_hashed_upper_cased(nic, today):
    # from 01/06/2025 the IRP upper-cases DocDtls.No first (before: as sent, test_sandbox_calendar)
    doc_no = "sbx" + new_doc_no()[4:].lower()
    data = nic.generated(make_invoice(today, doc_no=doc_no))
    assert data["Irn"] == crypto.irn_hash(master.SELLER_KA["gstin"], today, "INV", doc_no.upper())


def _set(path, value):
    def change(invoice):
        target = invoice
        *parents, last = path
        for key in parents:
            target = target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return change


_DELETE = object()


def _future(invoice):
    invoice["DocDtls"]["Dt"] = (datetime.now(IST) + timedelta(days=3)).strftime("%d/%m/%Y")


def _igst_on_intra_state(invoice):
    item = invoice["ItemList"][0]
    item["IgstAmt"], item["CgstAmt"], item["SgstAmt"] = item["CgstAmt"] * 2, 0, 0
    invoice["ValDtls"].update(IgstVal=item["IgstAmt"], CgstVal=0, SgstVal=0)


def _cgst_on_inter_state(invoice):
    item = invoice["ItemList"][0]
    item["CgstAmt"] = item["SgstAmt"] = item["IgstAmt"] / 2
    item["IgstAmt"] = 0
    invoice["ValDtls"].update(IgstVal=0, CgstVal=item["CgstAmt"], SgstVal=item["SgstAmt"])


def _unequal_halves(invoice):
    item = invoice["ItemList"][0]
    item["CgstAmt"] += 5
    item["SgstAmt"] -= 5
    invoice["ValDtls"].update(CgstVal=item["CgstAmt"], SgstVal=item["SgstAmt"])


def _wrong_igst(invoice):
    item = invoice["ItemList"][0]
    item["IgstAmt"] += 50
    item["TotItemVal"] += 50
    invoice["ValDtls"]["IgstVal"] += 50
    invoice["ValDtls"]["TotInvVal"] += 50


def _duplicate_serial(invoice):
    invoice["ItemList"].append(dict(invoice["ItemList"][0]))
    for key in ("AssVal", "IgstVal", "TotInvVal"):
        invoice["ValDtls"][key] *= 2


def _too_many_items(invoice):
    invoice["ItemList"] = [dict(invoice["ItemList"][0], SlNo=str(number)) for number in range(1, 1002)]


def _ship_to_without_gstin(invoice):
    buyer = master.BUYER_MH
    invoice["ShipDtls"] = {"LglNm": buyer["legal_name"], "Addr1": "Warehouse 4", "Loc": "Bhiwandi", "Pin": 421302,
                           "Stcd": "27"}


def _ecommerce_not_tcs(invoice):
    invoice["TranDtls"]["EcmGstin"] = master.BUYER_KA["gstin"]


@pytest.mark.parametrize("mutate, code", [
    (_set(("SellerDtls", "Gstin"), master.SELLER_MH["gstin"]), "2169"),
    (_set(("SellerDtls", "Stcd"), "33"), "2258"),
    (_set(("BuyerDtls", "Stcd"), "29"), "2265"),
    (_set(("BuyerDtls", "Gstin"), master.SELLER_KA["gstin"]), "2211"),
    (_set(("BuyerDtls", "Gstin"), "URP"), "2212"),
    (_set(("BuyerDtls", "Pos"), "96"), "2242"),
    (_set(("BuyerDtls", "Pos"), "25"), "2243"),
    (_set(("BuyerDtls", "Pin"), 110001), "2178"),
    (_set(("BuyerDtls", "Pin"), _DELETE), "2244"),
    (_future, "2163"),
    (_set(("DocDtls", "Dt"), "31/02/2026"), "2225"),
    (_set(("ItemList", 0, "HsnCd"), "12345678"), "2176"),
    (_set(("ItemList", 0, "IsServc"), "Y"), "2199"),
    (_set(("ItemList", 0, "Unit"), "XYZ"), "2177"),
    (_set(("ItemList", 0, "Qty"), _DELETE), "2238"),
    (_set(("ItemList", 0, "Unit"), _DELETE), "2239"),
    (_set(("ItemList", 0, "GstRt"), 13), "2240"),
    (_cgst_on_inter_state, "2174"),
    (_wrong_igst, "2235"),
    (_set(("ItemList", 0, "AssAmt"), 80000.0), "2193"),
    (_set(("ItemList", 0, "TotItemVal"), 99999.0), "2194"),
    (_set(("ValDtls", "AssVal"), 1.0), "2182"),
    (_set(("ValDtls", "IgstVal"), 1.0), "2185"),
    (_set(("ValDtls", "TotInvVal"), 106205.0), "2189"),
    (_set(("ValDtls", "Discount"), 200000.0), "2220"),
    (_duplicate_serial, "2233"),
    (_set(("ItemList",), []), "2228"),
    (_too_many_items, "2173"),
    (_set(("SellerDtls", "LglNm"), _DELETE), "2140"),
    (_set(("DocDtls", "No"), "0123"), "2140"),
    (_set(("BuyerDtls", "Pin"), 40005), "2140"),
    (_set(("BuyerDtls", "LglNm"), 'Say "hello"'), "2140"),
    (_set(("BuyerDtls", "Gstin"), master.BUYER_NOT_IN_MASTER["gstin"]), "3028"),
    (_set(("BuyerDtls", "Gstin"), master.BUYER_INACTIVE["gstin"]), "3029"),
    (_ship_to_without_gstin, None),  # an IRN without e-way bill needs no ship-to GSTIN (§4.2 row 3)
    (_ecommerce_not_tcs, "2195"),
    (_set(("TranDtls", "RegRev"), "Y"), None),  # reverse charge on B2B is fine
])
def test_business_rule_violations(nic, today, mutate, code):
    invoice = make_invoice(today)  # KA -> MH, IGST
    mutate(invoice)
    envelope = nic.generate(invoice)
    if code is None:
        assert envelope["Status"] == 1, envelope
        return
    assert envelope["Status"] == 0 and envelope["Data"] is None, envelope
    assert code in codes(envelope), envelope["ErrorDetails"]
    assert all(detail["ErrorMessage"] for detail in envelope["ErrorDetails"])


@pytest.mark.parametrize("mutate, code", [
    (_igst_on_intra_state, "2172"),
    (_unequal_halves, "2227"),
])
def test_intra_state_rules(nic, today, mutate, code):
    invoice = make_invoice(today, buyer=master.BUYER_KA)
    mutate(invoice)
    assert code in codes(nic.generate(invoice))


def test_supply_type_rules(nic, today):
    sez = make_invoice(today, buyer=master.BUYER_SEZ_TN, sup_type="SEZWP")
    assert nic.generate(sez)["Status"] == 1
    assert "2246" in codes(nic.generate(make_invoice(today, buyer=master.BUYER_SEZ_TN)))  # B2B to an SEZ
    assert "2247" in codes(nic.generate(make_invoice(today, buyer=master.BUYER_TN, sup_type="SEZWOP")))
    cgst_to_sez = make_invoice(today, buyer=master.BUYER_SEZ_TN, sup_type="SEZWP")
    _cgst_on_inter_state(cgst_to_sez)
    assert "2237" in codes(nic.generate(cgst_to_sez))
    reverse_sez = make_invoice(today, buyer=master.BUYER_SEZ_TN, sup_type="SEZWP")
    reverse_sez["TranDtls"]["RegRev"] = "Y"
    assert "2162" in codes(nic.generate(reverse_sez))
    assert "2171" in codes(nic.generate(make_invoice(today, buyer="URP", sup_type="DEXP")))

    export = make_invoice(today, buyer="URP", sup_type="EXPWOP", export={"CntCode": "AE", "Port": "INMAA1"})
    assert nic.generate(export)["Status"] == 1
    assert "2208" in codes(nic.generate(make_invoice(today, buyer="URP", sup_type="EXPWP")))
    assert "2202" in codes(nic.generate(make_invoice(today, buyer="URP", sup_type="EXPWP",
                                                     export={"CntCode": "XX"})))
    assert "2248" in codes(nic.generate(make_invoice(today, sup_type="EXPWP", export={"CntCode": "AE"})))
    # intra-state supply charged to IGST
    assert nic.generate(make_invoice(today, buyer=master.BUYER_KA, igst_on_intra=True))["Status"] == 1
    assert "2262" in codes(nic.generate(make_invoice(today, igst_on_intra=True)))


def test_gstin_dates_against_the_master(nic):
    # cancelled on 31/03/2024: invoices up to that day are fine, later ones are refused
    assert nic.generate(make_invoice(datetime(2024, 3, 15), buyer=master.BUYER_CANCELLED,
                                     pos="29"))["Status"] == 1
    assert "3074" in codes(nic.generate(make_invoice(datetime(2024, 4, 2), buyer=master.BUYER_CANCELLED)))
    assert "3077" in codes(nic.generate(make_invoice(datetime(2018, 1, 10), buyer=master.BUYER_CANCELLED)))
    assert "3079" in codes(nic.generate(make_invoice(datetime(2017, 6, 1))))


def test_ship_to_gstin_is_not_asked_of_an_irn_without_ewaybill(sandbox, nic, today):
    # on hold (advisory 668), and even when switched on it binds e-way bills only: test_sandbox_calendar
    for switch in (False, True):
        sandbox.set_rules(ship_to_gstin=switch)
        invoice = make_invoice(today)
        _ship_to_without_gstin(invoice)
        assert nic.generate(invoice)["Status"] == 1


def test_many_problems_are_reported_together(nic, today):
    invoice = make_invoice(today)
    invoice["SellerDtls"]["Stcd"] = "27"
    invoice["ItemList"][0]["HsnCd"] = "12345678"
    invoice["ItemList"][0]["GstRt"] = 13
    invoice["ValDtls"]["TotInvVal"] = 1.0
    del invoice["BuyerDtls"]["LglNm"]
    envelope = nic.generate(invoice)
    found = codes(envelope)
    assert {"2258", "2176", "2240", "2189", "2140"} <= set(found), envelope["ErrorDetails"]


def test_duplicate_then_cancelled_document(nic, today):
    invoice = make_invoice(today)
    first = nic.generated(invoice)
    envelope = nic.generate(invoice)
    assert envelope["Status"] == 0 and codes(envelope) == ["2150"] and envelope["Data"] is None
    assert envelope["InfoDtls"] == [{"InfCd": "DUPIRN", "Desc": {
        "AckNo": first["AckNo"], "AckDt": first["AckDt"], "Irn": first["Irn"]}}]
    # a changed document under the same number is still the same document for the IRP
    changed = copy.deepcopy(invoice)
    changed["BuyerDtls"]["LglNm"] = "Someone Else Entirely"
    assert codes(nic.generate(changed)) == ["2150"]

    cancelled = nic.data(nic.cancel(first["Irn"]))
    assert cancelled["Irn"] == first["Irn"]
    parse_ist(cancelled["CancelDate"])
    envelope = nic.generate(invoice)
    assert codes(envelope) == ["2278"] and envelope["InfoDtls"] is None


def test_cancel_rules(sandbox, nic, nic_mh, today):
    data = nic.generated(make_invoice(today))
    irn = data["Irn"]
    assert codes(nic.cancel("0" * 64)) == ["2148"]
    assert codes(nic.cancel("not-an-irn")) == ["2145"]
    assert codes(nic.cancel(irn, reason="7")) == ["2142"]
    assert codes(nic.cancel(irn, remark="")) == ["2142"]
    assert codes(nic_mh.cancel(irn)) == ["2143"]
    # within 24 hours: fine, and only once
    sandbox.advance_clock(hours=23, minutes=58)
    nic.login()
    assert nic.cancel(irn, reason=1, remark="Duplicate")["Status"] == 1
    assert codes(nic.cancel(irn)) == ["9999"]
    assert nic.data(nic.get(BY_IRN + irn))["Status"] == "CNL"


def test_cancel_after_24_hours_is_refused(sandbox, nic, today):
    irn = nic.generated(make_invoice(today))["Irn"]
    sandbox.advance_clock(hours=24, minutes=1)
    nic.login()
    assert codes(nic.cancel(irn)) == ["2270"]
    assert nic.data(nic.get(BY_IRN + irn))["Status"] == "ACT"


def test_cancel_refused_while_an_ewaybill_is_active(nic, today):
    irn = nic.generated(make_invoice(today))["Irn"]
    ewb = nic.data(nic.post(EWB, {"Irn": irn, "Distance": 0, "TransMode": "1", "VehNo": "KA01AB1234",
                                  "VehType": "R"}))
    assert codes(nic.cancel(irn)) == ["2230"]
    assert nic.cancel_ewaybill(ewb["EwbNo"])["Status"] == 1
    assert nic.cancel(irn)["Status"] == 1


def test_get_by_irn_and_retention(sandbox, nic, nic_mh, today):
    generated = nic.generated(make_invoice(today))
    fetched = nic.data(nic.get(BY_IRN + generated["Irn"]))
    assert fetched == generated
    assert codes(nic.get(BY_IRN + "f" * 64)) == ["2148"]
    assert codes(nic_mh.get(BY_IRN + generated["Irn"])) == ["2143"]
    sandbox.advance_clock(days=2, minutes=-5)
    nic.login()
    assert nic.get(BY_IRN + generated["Irn"])["Status"] == 1
    sandbox.advance_clock(minutes=10)
    assert codes(nic.get(BY_IRN + generated["Irn"])) == ["2283"]


def test_get_by_document_details_query_and_header_forms(nic, today):
    doc_no = new_doc_no()
    generated = nic.generated(make_invoice(today, doc_no=doc_no))
    doc_date = today.strftime("%d/%m/%Y")
    by_query = nic.get(BY_DOC, params={"doctype": "INV", "docnum": doc_no, "docdate": doc_date})
    assert nic.data(by_query)["Irn"] == generated["Irn"]
    by_headers = nic.get(BY_DOC, params={"doctype": "INV"}, headers=nic.headers(docnum=doc_no, docdate=doc_date))
    assert nic.data(by_headers) == generated
    assert codes(nic.get(BY_DOC, params={"doctype": "CRN", "docnum": doc_no, "docdate": doc_date})) == ["2148"]
    assert codes(nic.get(BY_DOC, params={"doctype": "INV", "docnum": doc_no})) == ["2142"]
    assert codes(nic.get(BY_DOC, params={"doctype": "INV", "docnum": doc_no, "docdate": "2026-01-01"})) == ["2144"]


def test_concurrent_generation_of_the_same_document_yields_one_irn(sandbox, today):
    invoice = make_invoice(today)
    before = sandbox.count_irns(master.SELLER_KA["gstin"])
    callers = [Nic(sandbox).login() for _ in range(8)]
    barrier = threading.Barrier(len(callers))
    results = [None] * len(callers)

    def send(index):
        barrier.wait()
        results[index] = callers[index].generate(invoice)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(callers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    successes = [result for result in results if result["Status"] == 1]
    duplicates = [result for result in results if codes(result) == ["2150"]]
    assert len(successes) == 1 and len(duplicates) == 7
    irn = callers[0].data(successes[0])["Irn"]
    assert {result["InfoDtls"][0]["Desc"]["Irn"] for result in duplicates} == {irn}
    assert sandbox.count_irns(master.SELLER_KA["gstin"]) == before + 1


def test_bulk_parallel_callers(sandbox, today):
    """16 callers sending 10 invoices each, as a bulk run does: all registered, distinct AckNos."""
    callers = [Nic(sandbox).login() for _ in range(16)]
    results = {}

    def send(caller, index):
        results[index] = [caller.generated(make_invoice(today)) for _ in range(10)]

    threads = [threading.Thread(target=send, args=(caller, index)) for index, caller in enumerate(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    generated = [data for batch in results.values() for data in batch]
    assert len(generated) == 160
    assert len({data["AckNo"] for data in generated}) == 160 and len({data["Irn"] for data in generated}) == 160
