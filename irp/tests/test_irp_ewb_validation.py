"""Pre-flight of e-way bill system requests (irp/ewb_validation.py): every problem at once,
with NIC's codes, and the dated rules from the calendar."""
from datetime import date, datetime, timedelta, timezone

import pytest

from irp import ewb_validation as v
from irp.ewb_client import extend_payload, part_b_payload
from irp.ewb_results import EwbBill
from irp.ist import IST
from irp.rules_calendar import Calendar

TODAY = date(2026, 12, 3)
SHIP_TO_ON = Calendar({"ship_to_gstin": True})


def keys(problems):
    return sorted(problem.key for problem in problems)


def codes(problems):
    return sorted(problem.code for problem in problems)


@pytest.fixture
def payload(ewb_fake):
    return ewb_fake.payload(docNo="INV/1", docDate="01/12/2026", transDistance="150")


def test_a_good_request_has_no_problem(payload):
    assert v.validate_generate(payload, today=TODAY) == []


@pytest.mark.parametrize("doc_date, expected", [
    ("06/06/2026", []),  # 180 days old: allowed
    ("05/06/2026", ["ewb_document_too_old"]),  # 181 days
    ("30/06/2017", ["ewb_doc_date_before_gst"]),
    ("04/12/2026", ["ewb_doc_date_future"]),
    ("31/11/2026", ["ewb_doc_date_invalid"]),
])
def test_document_date(payload, doc_date, expected):
    problems = v.validate_generate(dict(payload, docDate=doc_date), today=TODAY)
    assert keys(problems) == expected


def test_document_age_rule_starts_on_1_january_2025(payload):
    assert v.validate_generate(dict(payload, docDate="01/01/2024"), today=date(2024, 12, 31)) == []
    problems = v.validate_generate(dict(payload, docDate="01/01/2024"), today=date(2025, 1, 1))
    assert codes(problems) == ["820"]
    assert "until 29/06/2024" in problems[0].message and problems[0].message.endswith("(820)")


@pytest.mark.parametrize("changes, expected", [
    ({"toPincode": 560001, "transDistance": "0"}, [("721", "ewb_distance_zero_same_pin")]),
    ({"toPincode": 560001, "transDistance": 101}, [("221", "ewb_distance_same_pin_too_far")]),
    ({"toPincode": 560001, "transDistance": 100}, []),
    ({"transDistance": 4001}, [("221", "ewb_distance_invalid")]),
    ({"transDistance": "0"}, []),  # NIC computes PIN to PIN
])
def test_distance(payload, changes, expected):
    problems = v.validate_generate(dict(payload, **changes), today=TODAY)
    assert [(p.code, p.key) for p in problems] == expected


@pytest.mark.parametrize("mode, vehicle_type, vehicle, expected", [
    ("1", "O", "KA01AB1234", []),
    ("4", "O", "", []),  # ship takes over-dimensional cargo
    ("2", "O", "", ["634"]),
    ("3", "O", "", ["634"]),
    ("4", "R", "KA01AB1234", ["726"]),
])
def test_over_dimensional_cargo(payload, mode, vehicle_type, vehicle, expected):
    changes = {"transMode": mode, "vehicleType": vehicle_type, "vehicleNo": vehicle}
    if mode != "1":
        changes.update(transDocNo="DOC1", transDocDate="02/12/2026")
    assert codes(v.validate_generate(dict(payload, **changes), today=TODAY)) == expected


@pytest.mark.parametrize("vehicle, ok", [("KA01AB1234", True), ("ka 01 ab 1234", True), ("22BH1234AB", True),
                                         ("TM12345", True), ("K1", False), ("KA01AB12345", False)])
def test_vehicle_number_format(payload, vehicle, ok):
    problems = v.validate_generate(dict(payload, vehicleNo=vehicle), today=TODAY)
    assert (problems == []) is ok
    if not ok:
        assert codes(problems) == ["225"]


def test_transporter_id_check_character(payload):
    assert v.validate_generate(dict(payload, transporterId="29AANCT3399V1ZR"), today=TODAY) == []
    problems = v.validate_generate(dict(payload, transporterId="29AANCT3399V1ZA"), today=TODAY)
    assert [(p.code, p.key) for p in problems] == [("222", "gstin_check_char")]
    assert problems[0].message.startswith("Transporter ID '29AANCT3399V1ZA' fails the check-character test")


@pytest.mark.parametrize("mode", ["2", "3", "4"])
def test_rail_air_ship_need_the_transport_document(payload, mode):
    problems = v.validate_generate(dict(payload, transMode=mode, vehicleNo="", vehicleType=""), today=TODAY)
    assert [(p.path, p.code) for p in problems] == [("transDocNo", "394"), ("transDocDate", "224")]
    assert {"rail": "2", "air": "3", "ship": "4"}[problems[0].params["mode"]] == mode


def test_transport_document_dates(payload):
    base = dict(payload, transMode="2", vehicleNo="", transDocNo="FSJWT123")
    assert codes(v.validate_generate(dict(base, transDocDate="30/11/2026"), today=TODAY)) == ["362"]
    assert codes(v.validate_generate(dict(base, transDocDate="04/12/2026"), today=TODAY)) == ["224"]


def test_export_and_import_pin_999999(payload):
    export = dict(payload, subSupplyType="3", toGstin="URP", transDistance=300)
    assert [(p.path, p.code) for p in v.validate_generate(export, today=TODAY)] == [
        ("toPincode", "374"), ("toStateCode", "373")]
    assert v.validate_generate(dict(export, toPincode=999999, toStateCode=99), today=TODAY) == []
    zero = dict(export, toPincode=999999, toStateCode=99, transDistance=0)
    assert codes(v.validate_generate(zero, today=TODAY)) == ["721"]
    imported = dict(payload, supplyType="I", subSupplyType="2", fromGstin="URP")
    assert codes(v.validate_generate(imported, today=TODAY)) == ["375", "376"]


def test_ship_to_rule_only_behind_its_switch(payload):
    bill_to_ship_to = dict(payload, transactionType=2)
    assert v.validate_generate(bill_to_ship_to, today=TODAY) == []  # on hold by default
    on = v.validate_generate(bill_to_ship_to, today=TODAY, calendar=SHIP_TO_ON)
    assert [(p.code, p.key) for p in on] == [("608", "ewb_ship_to_gstin_required")]
    same = dict(bill_to_ship_to, shipToGSTIN=payload["toGstin"])
    assert codes(v.validate_generate(same, today=TODAY, calendar=SHIP_TO_ON)) == ["618"]
    assert v.validate_generate(dict(bill_to_ship_to, shipToGSTIN="URP"), today=TODAY, calendar=SHIP_TO_ON) == []
    regular = dict(payload, shipToGSTIN="29AADCB2230M1ZP", dispatchFromGSTIN="29AANCT3399V1ZR")
    assert codes(v.validate_generate(regular, today=TODAY, calendar=SHIP_TO_ON)) == ["615", "616"]
    dispatch = dict(payload, transactionType=3, dispatchFromGSTIN=payload["fromGstin"])
    assert codes(v.validate_generate(dispatch, today=TODAY, calendar=SHIP_TO_ON)) == ["617"]
    before_start = v.validate_generate(dict(bill_to_ship_to, docDate="30/07/2026"), today=date(2026, 7, 31),
                                       calendar=SHIP_TO_ON)
    assert before_start == []


def test_every_problem_at_once(payload):
    bad = dict(payload, docNo="X" * 17, toPincode=560001, transDistance=0, vehicleNo="??",
               transporterId="29AANCT3399V1ZA")
    assert codes(v.validate_generate(bad, today=TODAY)) == ["206", "222", "225", "721"]


# --- Part-B, transporter, cancel --------------------------------------------------------------------

def test_part_b():
    good = part_b_payload("381000000001", vehicle_no="KA05MN4321", from_place="Hassan", from_state=29,
                          reason_code=1, reason_remark="Break down")
    assert v.validate_part_b(good, today=TODAY) == []
    bad = dict(good, ewbNo=38100000001, vehicleNo="", fromPlace="", fromState=96, reasonCode="5",
               reasonRem="x" * 51)
    assert codes(v.validate_part_b(bad, today=TODAY)) == ["301", "303", "305", "306", "307", "308"]
    rail = part_b_payload("381000000001", from_place="Hassan", from_state=29, reason_code=2,
                          reason_remark="Transshipment", trans_mode="2", trans_doc_no="FSJWT1",
                          trans_doc_date="01/12/2026")
    assert codes(v.validate_part_b(rail, doc_date="02/12/2026", today=TODAY)) == ["362"]


def test_transporter_and_cancel():
    assert v.validate_transporter("381000000001", "29AANCT3399V1ZR") == []
    assert codes(v.validate_transporter("381000000001", "29AANCT3399V1ZA")) == ["222"]
    assert v.validate_cancel("381000000001", 2, "Order cancelled") == []
    assert keys(v.validate_cancel(True, "5", "")) == ["ewb_number_invalid", "ewb_reason_invalid", "ewb_remark_missing"]


# --- extension ---------------------------------------------------------------------------------------

def _bill(valid_until, generated=None, **changes):
    generated = generated or valid_until - timedelta(days=2)
    data = {"ewbNo": 381000000001, "status": "ACT", "actualDist": 300, "extendedTimes": 0,
            "ewayBillDate": generated.astimezone(IST).strftime("%d/%m/%Y %I:%M:%S %p"),
            "validUpto": valid_until.astimezone(IST).strftime("%d/%m/%Y %I:%M:%S %p"), "docDate": "01/12/2026",
            "VehiclListDetails": [{"vehicleNo": "KA01AB1234", "transMode": "1",
                                   "enteredDate": generated.astimezone(IST).strftime("%d/%m/%Y %I:%M:%S %p")}]}
    data.update(changes)
    return EwbBill.from_data(data)


def _extension(**changes):
    payload = extend_payload("381000000001", from_place="Hassan", from_state=29, from_pincode=573201,
                             remaining_distance=50, reason_code=99, remarks="Delayed", vehicle_no="KA01AB1234")
    payload.update(changes)
    return payload


EXPIRY = datetime(2026, 12, 4, 18, 29, tzinfo=timezone.utc)  # 04/12/2026 23:59 IST


@pytest.mark.parametrize("offset, expected", [
    (timedelta(hours=-8), []), (timedelta(hours=-8, minutes=-1), ["ewb_extension_too_early"]),
    (timedelta(hours=8), []), (timedelta(hours=8, minutes=1), ["ewb_extension_too_late"]),
    (timedelta(0), [])])
def test_extension_window_8_hours_either_side(offset, expected):
    problems = v.validate_extend(_extension(), bill=_bill(EXPIRY), now=EXPIRY + offset)
    assert keys(problems) == expected
    if expected:
        assert codes(problems) == ["382"]


def test_extension_cap_360_days():
    generated = EXPIRY - timedelta(days=361)
    problems = v.validate_extend(_extension(), bill=_bill(EXPIRY, generated), now=EXPIRY)
    assert [(p.code, p.key) for p in problems] == [("821", "ewb_extension_cap")]
    assert v.validate_extend(_extension(), bill=_bill(EXPIRY, EXPIRY - timedelta(days=359)), now=EXPIRY) == []
    old_rules = datetime(2024, 12, 20, 18, 29, tzinfo=timezone.utc)  # no cap before 01/01/2025
    assert v.validate_extend(_extension(), bill=_bill(old_rules, old_rules - timedelta(days=400)),
                             now=old_rules) == []


def test_extension_rules():
    bill = _bill(EXPIRY)
    assert codes(v.validate_extend(_extension(remainingDistance=301), bill=bill, now=EXPIRY)) == ["390"]
    assert codes(v.validate_extend(_extension(remainingDistance=0, extnRsnCode=3, extnRemarks=""),
                                   bill=bill, now=EXPIRY)) == ["386", "386", "389"]
    transit = _extension(transMode="5", vehicleNo="", consignmentStatus="T", transitType="W")
    assert codes(v.validate_extend(transit, bill=bill, now=EXPIRY)) == ["706", "707", "708"]
    transit.update(addressLine1="Godown 4", addressLine2="Hassan Road", addressLine3="Hassan")
    assert v.validate_extend(transit, bill=bill, now=EXPIRY) == []
    moving = _extension(transitType="R", addressLine1="x")
    assert codes(v.validate_extend(moving, bill=bill, now=EXPIRY)) == ["712", "713"]
    assert codes(v.validate_extend(_extension(), bill=_bill(EXPIRY, status="CNL"), now=EXPIRY)) == ["379"]
    assert codes(v.validate_extend(_extension(), bill=_bill(EXPIRY, VehiclListDetails=[]), now=EXPIRY)) == ["381"]


# --- closure -------------------------------------------------------------------------------------------

def test_closure_follows_its_switch():
    problems = v.validate_close("381000000001", TODAY, "Delivered", today=TODAY)
    assert [(p.code, p.key) for p in problems] == [("local", "ewb_closure_not_available")]
    assert "switched off" in problems[0].message
    on = Calendar({"ewb_voluntary_closure": True})
    assert v.validate_close("381000000001", TODAY, "Delivered", calendar=on, today=TODAY) == []
    assert keys(v.validate_close("381000000001", TODAY, "Delivered", calendar=on, today=date(2026, 7, 1))) == [
        "ewb_closure_date_future", "ewb_closure_not_available"]
    late = _bill(EXPIRY)
    assert keys(v.validate_close("381000000001", TODAY, "Delivered", calendar=on, today=TODAY, bill=late,
                                 now=EXPIRY + timedelta(days=1, minutes=1))) == ["ewb_closure_too_late"]
