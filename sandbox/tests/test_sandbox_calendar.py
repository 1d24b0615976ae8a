"""NIC's dated rules (sandbox/calendar.py, nic-rules-2025-26.md) over HTTP: each rule on both
sides of its start date (the sandbox clock moves) and of its switch, with NIC's codes."""
from datetime import date, datetime, timedelta

import pytest
import requests
from sandbox_helpers import BY_DOC, codes, make_invoice, new_doc_no

from irp import crypto
from sandbox import master

KA = master.SELLER_KA["gstin"]
ROAD = {"TransMode": "1", "VehNo": "KA01AB1234", "VehType": "R"}
MH_WAREHOUSE = {"LglNm": master.BUYER_MH["legal_name"], "Addr1": "Warehouse 4", "Loc": "Bhiwandi", "Pin": 421302,
                "Stcd": "27"}


def _on(sandbox, day):
    """Move the sandbox clock to noon IST of `day`."""
    sandbox.set_clock(datetime(day.year, day.month, day.day, 12, 0))
    return day


def _dt(day):
    return day.strftime("%d/%m/%Y")


# --- 30-day reporting limit (2305) --------------------------------------------------------------

def test_reporting_limit_for_100_crore_from_1_november_2023(sandbox, nic):
    sandbox.set_aato(KA, "ge100")
    today = _on(sandbox, date(2023, 10, 31))
    assert nic.generate(make_invoice(today - timedelta(days=40)))["Status"] == 1  # before the rule
    today = _on(sandbox, date(2023, 11, 1))
    assert codes(nic.generate(make_invoice(today - timedelta(days=30)))) == ["2305"]
    assert nic.generate(make_invoice(today - timedelta(days=29)))["Status"] == 1
    sandbox.set_aato(KA, "10to100")  # 10-100 cr is bound only from 01/04/2025
    assert nic.generate(make_invoice(today - timedelta(days=60)))["Status"] == 1


def test_reporting_limit_for_10_crore_from_1_april_2025(sandbox, nic):
    sandbox.set_aato(KA, "10to100")
    today = _on(sandbox, date(2025, 3, 31))
    assert nic.generate(make_invoice(today - timedelta(days=45)))["Status"] == 1
    # the advisory's example: dated 01/04/2025, it cannot be reported after 30/04/2025
    _on(sandbox, date(2025, 4, 30))
    assert nic.generate(make_invoice(date(2025, 4, 1)))["Status"] == 1
    _on(sandbox, date(2025, 5, 1))
    envelope = nic.generate(make_invoice(date(2025, 4, 1)))
    assert codes(envelope) == ["2305"] and "30/04/2025" in envelope["ErrorDetails"][0]["ErrorMessage"]
    for doc_type in ("CRN", "DBN"):  # notes too
        assert codes(nic.generate(make_invoice(date(2025, 4, 1), doc_type=doc_type))) == ["2305"]
    sandbox.set_aato(KA, "5to10")  # below 10 cr: no limit
    assert nic.generate(make_invoice(date(2025, 4, 1)))["Status"] == 1


def test_reporting_limit_switched_off(sandbox, nic, today):
    sandbox.set_aato(KA, "ge100")
    old = make_invoice(today - timedelta(days=31))
    assert codes(nic.generate(old)) == ["2305"]
    sandbox.set_rules(reporting_30_days=False)
    assert nic.generate(old)["Status"] == 1


# --- HSN digits by AATO (2176) ------------------------------------------------------------------

def test_six_digit_hsn_from_15_december_2023_for_5_crore(sandbox, nic):
    four_digits = [("8471", 1, 1000.0, 18, False)]
    sandbox.set_aato(KA, "5to10")
    today = _on(sandbox, date(2023, 12, 14))
    assert nic.generate(make_invoice(today, items=four_digits))["Status"] == 1
    today = _on(sandbox, date(2023, 12, 15))
    envelope = nic.generate(make_invoice(today, items=four_digits))
    assert codes(envelope) == ["2176"] and "at least 6 digits" in envelope["ErrorDetails"][0]["ErrorMessage"]
    assert nic.generate(make_invoice(today, items=[("847130", 1, 1000.0, 18, False)]))["Status"] == 1
    sandbox.set_aato(KA, "lt5")
    assert nic.generate(make_invoice(today, items=four_digits))["Status"] == 1
    sandbox.set_aato(KA, "ge100")
    sandbox.set_rules(hsn_six_digits=False)
    assert nic.generate(make_invoice(today, items=four_digits))["Status"] == 1


# --- e-way bill: document at most 180 days old (4043) -------------------------------------------

def test_ewaybill_document_age_from_1_january_2025(sandbox, nic):
    today = _on(sandbox, date(2025, 1, 1))
    allowed = nic.generated(make_invoice(today - timedelta(days=180)))["Irn"]
    refused = nic.generated(make_invoice(today - timedelta(days=181)))["Irn"]
    assert nic.ewaybill(allowed, **ROAD)["Status"] == 1
    assert codes(nic.ewaybill(refused, **ROAD)) == ["4043"]
    # with the IRN: the IRN is made, the e-way bill is refused (EWBERR)
    envelope = nic.generate(make_invoice(today - timedelta(days=181), ewb={"Distance": 0, **ROAD}))
    assert envelope["Status"] == 1 and envelope["InfoDtls"][0]["InfCd"] == "EWBERR"
    assert [detail["ErrorCode"] for detail in envelope["InfoDtls"][0]["Desc"]] == ["4043"]
    sandbox.set_rules(ewb_doc_age_180_days=False)
    assert nic.ewaybill(refused, **ROAD)["Status"] == 1


def test_ewaybill_document_age_before_2025(sandbox, nic):
    today = _on(sandbox, date(2024, 12, 31))
    irn = nic.generated(make_invoice(today - timedelta(days=200)))["Irn"]
    assert nic.ewaybill(irn, **ROAD)["Status"] == 1


# --- document numbers case-insensitive from 01/06/2025 (2150) ----------------------------------

def test_document_numbers_case_insensitive_from_1_june_2025(sandbox, nic):
    today = _on(sandbox, date(2025, 6, 1))
    lower = "abc" + new_doc_no()[4:].lower()
    data = nic.generated(make_invoice(today, doc_no=lower))
    assert data["Irn"] == crypto.irn_hash(KA, today, "INV", lower.upper())
    envelope = nic.generate(make_invoice(today, doc_no=lower.upper()))
    assert codes(envelope) == ["2150"] and envelope["InfoDtls"][0]["Desc"]["Irn"] == data["Irn"]
    for number in (lower, lower.upper()):
        found = nic.data(nic.get(BY_DOC, params={"doctype": "INV", "docnum": number, "docdate": _dt(today)}))
        assert found["Irn"] == data["Irn"]


def test_document_numbers_case_sensitive_before_1_june_2025(sandbox, nic):
    today = _on(sandbox, date(2025, 5, 31))
    lower = "abc" + new_doc_no()[4:].lower()
    first = nic.generated(make_invoice(today, doc_no=lower))["Irn"]
    second = nic.generated(make_invoice(today, doc_no=lower.upper()))["Irn"]
    assert first == crypto.irn_hash(KA, today, "INV", lower) and first != second
    # from 01/06/2025 a number registered in lower case before is a duplicate in any case
    mixed = "xyz" + new_doc_no()[4:].lower()
    old = nic.generated(make_invoice(today, doc_no=mixed))["Irn"]
    _on(sandbox, date(2025, 6, 1))
    envelope = nic.generate(make_invoice(today, doc_no=mixed.upper()))
    assert codes(envelope) == ["2150"] and envelope["InfoDtls"][0]["Desc"]["Irn"] == old


def test_document_numbers_switched_off(sandbox, nic, today):
    sandbox.set_rules(doc_no_case_insensitive=False)
    lower = "abc" + new_doc_no()[4:].lower()
    assert nic.generated(make_invoice(today, doc_no=lower))["Irn"] == crypto.irn_hash(KA, today, "INV", lower)
    assert nic.generate(make_invoice(today, doc_no=lower.upper()))["Status"] == 1


# --- GST slab of 40 % from 22/09/2025 (2240) ----------------------------------------------------

def test_gst_rate_40_from_22_september_2025(sandbox, nic):
    forty = [("84713010", 1, 1000.0, 40, False)]
    today = _on(sandbox, date(2025, 9, 21))
    assert codes(nic.generate(make_invoice(today, items=forty))) == ["2240"]
    today = _on(sandbox, date(2025, 9, 22))
    assert nic.generate(make_invoice(today, items=forty))["Status"] == 1
    assert nic.generate(make_invoice(today, items=[("84713010", 1, 1000.0, 28, False)]))["Status"] == 1
    sandbox.set_rules(gst_rate_40=False)
    assert codes(nic.generate(make_invoice(today, items=forty))) == ["2240"]


# --- ship-to GSTIN (on hold: off by default) ----------------------------------------------------

def test_ship_to_gstin_off_by_default(nic, today):
    invoice = make_invoice(today, ship=MH_WAREHOUSE, ewb={"Distance": 0, **ROAD})
    data = nic.data(nic.generate(invoice))
    assert data["EwbNo"]
    irn = nic.generated(make_invoice(today))["Irn"]
    assert nic.ewaybill(irn, ExpShipDtls={k: v for k, v in MH_WAREHOUSE.items() if k != "LglNm"}, **ROAD)[
        "Status"] == 1


def test_ship_to_gstin_with_the_irn(sandbox, nic, today):
    sandbox.set_rules(ship_to_gstin=True)
    buyer_tn = master.BUYER_TN

    def with_ewb(ship, day=today):
        return nic.generate(make_invoice(day, buyer=buyer_tn, ship=ship, ewb={"Distance": 0, **ROAD}))

    assert codes(with_ewb(MH_WAREHOUSE)) == ["5002"]
    assert codes(with_ewb(dict(MH_WAREHOUSE, Gstin=buyer_tn["gstin"]))) == ["2323", "2325"]
    assert codes(with_ewb(dict(MH_WAREHOUSE, Gstin=master.BUYER_KA["gstin"]))) == ["2325"]
    assert nic.data(with_ewb(dict(MH_WAREHOUSE, Gstin="URP")))["EwbNo"]
    assert nic.data(with_ewb(dict(MH_WAREHOUSE, Gstin=master.BUYER_MH["gstin"])))["EwbNo"]
    # an IRN without an e-way bill is not affected
    assert nic.generate(make_invoice(today, buyer=buyer_tn, ship=MH_WAREHOUSE))["Status"] == 1
    # before the start date nothing is asked
    day = _on(sandbox, date(2026, 7, 31))
    assert nic.data(with_ewb(MH_WAREHOUSE, day))["EwbNo"]


def test_ship_to_gstin_by_irn(sandbox, nic, today):
    sandbox.set_rules(ship_to_gstin=True)
    place = {k: v for k, v in MH_WAREHOUSE.items() if k != "LglNm"}

    def by_irn(ship):
        irn = nic.generated(make_invoice(today, buyer=master.BUYER_TN))["Irn"]
        return nic.ewaybill(irn, ExpShipDtls=ship, **ROAD)

    assert codes(by_irn(place)) == ["5001"]
    assert codes(by_irn(dict(place, Gstin=master.BUYER_TN["gstin"]))) == ["4073", "4074"]
    assert codes(by_irn(dict(place, Gstin=master.BUYER_KA["gstin"]))) == ["4074"]
    assert nic.data(by_irn(dict(place, Gstin="URP")))["EwbNo"]
    assert nic.data(by_irn(dict(place, Gstin=master.BUYER_MH["gstin"])))["EwbNo"]
    # exports: URP for the port
    export = make_invoice(today, buyer="URP", sup_type="EXPWOP", export={"CntCode": "AE", "Port": "INMAA1"})
    irn = nic.generated(export)["Irn"]
    port = {"Addr1": "Chennai Port", "Loc": "Chennai", "Pin": 600001, "Stcd": "33"}
    assert codes(nic.ewaybill(irn, ExpShipDtls=port, **ROAD)) == ["5001"]
    assert nic.data(nic.ewaybill(irn, ExpShipDtls=dict(port, Gstin="URP"), **ROAD))["EwbNo"]


# --- SEZWP / EXPWP: invoice total with or without the IGST --------------------------------------

@pytest.mark.parametrize("kind", ["SEZWP", "EXPWP"])
def test_invoice_total_with_or_without_igst(nic, today, kind):
    def invoice():
        if kind == "SEZWP":
            return make_invoice(today, buyer=master.BUYER_SEZ_TN, sup_type="SEZWP")
        return make_invoice(today, buyer="URP", sup_type="EXPWP", export={"CntCode": "AE"})

    with_igst = invoice()
    totals = with_igst["ValDtls"]
    assert totals["IgstVal"] > 0 and totals["TotInvVal"] == totals["AssVal"] + totals["IgstVal"]
    assert nic.generate(with_igst)["Status"] == 1
    without_igst = invoice()  # what Odoo and India Compliance send: the supplier bears the IGST
    without_igst["ValDtls"]["TotInvVal"] = without_igst["ValDtls"]["AssVal"]
    for item in without_igst["ItemList"]:
        item["TotItemVal"] = item["AssAmt"]
    assert nic.generate(without_igst)["Status"] == 1
    wrong = invoice()
    wrong["ValDtls"]["TotInvVal"] = round(wrong["ValDtls"]["AssVal"] + wrong["ValDtls"]["IgstVal"] / 2, 2)
    assert codes(nic.generate(wrong)) == ["2189"]


# --- control: HTTP endpoints and switches -------------------------------------------------------

def test_rules_and_aato_over_the_control_endpoint(sandbox):
    listing = requests.get(sandbox.url + "/sandbox/rules", timeout=5).json()
    rules = {rule["name"]: rule for rule in listing["rules"]}
    assert set(rules) == {"reporting_30_days", "hsn_six_digits", "ewb_doc_age_180_days", "ewb_extension_360_days",
                          "doc_no_case_insensitive", "gst_rate_40", "ship_to_gstin", "ewb_voluntary_closure"}
    ship = rules["ship_to_gstin"]
    assert ship["on"] is False and ship["in_force"] is False and ship["start"] == "2026-08-01"
    assert "5002" in ship["codes"] and "668" in ship["source"]
    assert rules["reporting_30_days"]["codes"] == ["2305"] and rules["reporting_30_days"]["on"] is True

    reply = requests.post(sandbox.url + "/sandbox/rules", json={"ship_to_gstin": "on"}, timeout=5)
    assert reply.status_code == 200
    assert {rule["name"]: rule["on"] for rule in reply.json()["rules"]}["ship_to_gstin"] is True
    assert sandbox.app.calendar.is_on("ship_to_gstin")
    assert requests.post(sandbox.url + "/sandbox/rules", json={"nope": True}, timeout=5).status_code == 400
    assert requests.post(sandbox.url + "/sandbox/rules", json={"ship_to_gstin": "maybe"},
                         timeout=5).status_code == 400

    reply = requests.post(sandbox.url + "/sandbox/aato", json={"gstin": KA, "band": "ge100"}, timeout=5)
    assert reply.status_code == 200 and reply.json()["aato"][KA] == "ge100"
    assert requests.post(sandbox.url + "/sandbox/aato", json={"gstin": KA, "band": "huge"},
                         timeout=5).status_code == 400
    assert requests.get(sandbox.url + "/sandbox/aato", timeout=5).json()["bands"] == ["lt5", "5to10", "10to100",
                                                                                      "ge100"]
    reply = requests.delete(sandbox.url + "/sandbox/rules", timeout=5)
    assert {rule["name"]: rule["on"] for rule in reply.json()["rules"]}["ship_to_gstin"] is False
    assert reply.json()["aato"][KA] == "lt5"


def test_rules_from_the_constructor():
    from sandbox.testing import RunningSandbox
    with RunningSandbox(rules={"ship_to_gstin": "on"}, aato={KA: "10to100"}) as running:
        listing = running.rules()
        assert {rule["name"]: rule["on"] for rule in listing["rules"]}["ship_to_gstin"] is True
        assert listing["aato"][KA] == "10to100"


def test_cli_flags_reach_the_sandbox():
    from sandbox.__main__ import _pairs, parse_args
    args = parse_args(["--rule", "ship_to_gstin=on", "--aato", f"{KA}=ge100"])
    assert _pairs(args.rule, "--rule") == {"ship_to_gstin": "on"}
    assert _pairs(args.aato, "--aato") == {KA: "ge100"}
