"""The dated rules calendar (irp/rules_calendar.py) and its use by the validator: each
rule on both sides of its date and, for a rule on hold, of its switch."""
from datetime import date

import pytest

from irp import validation
from irp.rules_calendar import AATO_BANDS, DEFAULT, RULES, Calendar
from irp.validation import validate_invoice

import test_irp_validation as base

SHIP_ON = Calendar({"ship_to_gstin": True})
EWB = {"Distance": 100, "TransMode": "1", "TransId": base.TRANSPORTER, "VehNo": "KA01AB1234", "VehType": "R"}


def _codes(problems):
    return sorted((problem.code, problem.path) for problem in problems)


def _dated(payload, doc_date):
    payload["DocDtls"]["Dt"] = doc_date.strftime("%d/%m/%Y")
    return payload


# --- the calendar itself ---------------------------------------------------------------------

def test_every_rule_has_a_date_a_source_and_a_status():
    for rule in RULES.values():
        assert rule.source and rule.title and rule.status in ("in_force", "on_hold")
        assert rule.switchable == (rule.status == "on_hold") and rule.default_on == (rule.status == "in_force")
    assert DEFAULT.is_on("reporting_limit_10cr") and not DEFAULT.is_on("ship_to_gstin")
    with pytest.raises(ValueError):
        Calendar({"no_such_rule": True})


@pytest.mark.parametrize("band, today, limited", [
    ("10cr_to_100cr", date(2025, 3, 31), False),   # the ₹10 crore band starts on 01/04/2025
    ("10cr_to_100cr", date(2025, 4, 1), True),
    ("100cr_plus", date(2023, 10, 31), False),      # the ₹100 crore band starts on 01/11/2023
    ("100cr_plus", date(2023, 11, 1), True),
    ("5cr_to_10cr", date(2026, 8, 20), False),
    ("below_5cr", date(2026, 8, 20), False),
])
def test_reporting_limit_by_band_and_date(band, today, limited):
    limit = DEFAULT.reporting_limit(date(2023, 10, 1), band, today)
    assert (limit is not None) == limited


def test_reporting_limit_last_day_is_the_29th_day_after_the_document():
    # The advisory's example: a document dated 01/04/2025 is reported by 30/04/2025.
    limit = DEFAULT.reporting_limit(date(2025, 4, 1), "10cr_to_100cr", date(2025, 4, 30))
    assert limit.last_day == date(2025, 4, 30) and limit.days_left == 0 and not limit.passed
    assert DEFAULT.reporting_limit(date(2025, 4, 1), "10cr_to_100cr", date(2025, 5, 1)).passed
    unknown = DEFAULT.reporting_limit(date(2025, 4, 1), None, date(2025, 5, 1))
    assert unknown.passed and not unknown.band_known


def test_hsn_digits_by_band_and_date():
    assert DEFAULT.min_hsn_digits("5cr_to_10cr", date(2023, 12, 14)) == 4
    assert DEFAULT.min_hsn_digits("5cr_to_10cr", date(2023, 12, 15)) == 6
    assert DEFAULT.min_hsn_digits("below_5cr", date(2026, 1, 1)) == 4
    assert DEFAULT.min_hsn_digits(None, date(2026, 1, 1)) is None
    assert [DEFAULT.min_hsn_digits(band, date(2026, 1, 1)) for band in AATO_BANDS] == [4, 6, 6, 6]


def test_ewaybill_document_age_and_extension_cap():
    # 180 days old is allowed, 181 refused, from 01/01/2025 (EWB on 01/01/2025 => doc dated 05/07/2024 or later).
    assert DEFAULT.ewb_last_day(date(2024, 7, 5), date(2025, 1, 1)) == date(2025, 1, 1)
    assert DEFAULT.ewb_last_day(date(2024, 7, 5), date(2024, 12, 31)) is None
    assert DEFAULT.ewb_validity_cap(date(2023, 12, 28), date(2024, 12, 17)) is None
    assert DEFAULT.ewb_validity_cap(date(2024, 12, 28), date(2025, 12, 17)) == date(2025, 12, 23)


def test_document_numbers_compare_without_case_from_1_june_2025():
    assert not DEFAULT.same_document_number("inv/1", "INV/1", date(2025, 5, 31))
    assert DEFAULT.same_document_number("inv/1", "INV/1", date(2025, 6, 1))
    assert not DEFAULT.same_document_number("INV/1", "INV/2", date(2025, 6, 1))


def test_forty_percent_slab_from_22_september_2025():
    assert not DEFAULT.gst_rate_allowed(40, date(2025, 9, 21))
    assert DEFAULT.gst_rate_allowed(40, date(2025, 9, 22)) and DEFAULT.gst_rate_allowed(28, date(2026, 1, 1))


# --- in the validator -------------------------------------------------------------------------

def test_thirty_day_limit_refuses_with_2305_only_for_the_band():
    today = date(2026, 8, 20)
    old = _dated(base.b2b_inter(), date(2026, 7, 21))  # last day 19/08
    assert _codes(validate_invoice(old, today=today, aato_band="10cr_to_100cr")) == [("2305", "DocDtls.Dt")]
    assert validate_invoice(old, today=today, aato_band="5cr_to_10cr") == []
    assert validate_invoice(old, today=today) == []  # unknown band: the pre-flight warns instead
    inside = _dated(base.b2b_inter(), date(2026, 7, 22))
    assert validate_invoice(inside, today=today, aato_band="100cr_plus") == []
    note = _dated(base.b2b_inter(), date(2026, 7, 21))
    note["DocDtls"]["Typ"] = "CRN"
    assert ("2305", "DocDtls.Dt") in _codes(validate_invoice(note, today=today, aato_band="100cr_plus"))


def test_hsn_digits_follow_the_band():
    payload = base.b2b_inter([base.line(1, hsn="7318")])
    assert _codes(validate_invoice(payload, today=base.TODAY, aato_band="5cr_to_10cr")) == [
        ("2176", "ItemList[0].HsnCd")]
    assert validate_invoice(payload, today=base.TODAY, aato_band="below_5cr") == []


def test_forty_percent_refused_on_a_document_before_the_slab():
    payload = base.b2b_inter([base.line(1, rate=40.0)])
    assert validate_invoice(payload, today=base.TODAY) == []
    _dated(payload, date(2025, 9, 21))
    assert ("2240", "ItemList[0].GstRt") in _codes(validate_invoice(payload, today=base.TODAY))


def _with_ewb_and_ship_to(gstin=base.DELETE, stcd="27"):
    payload = base._with_ship_to(base.b2b_inter())
    payload["ShipDtls"]["Stcd"] = stcd
    if gstin is base.DELETE:
        del payload["ShipDtls"]["Gstin"]
    else:
        payload["ShipDtls"]["Gstin"] = gstin
    payload["EwbDtls"] = dict(EWB)
    return payload


def test_ship_to_rule_is_off_while_on_hold():
    assert validate_invoice(_with_ewb_and_ship_to(), today=base.TODAY) == []
    assert validate_invoice(_with_ewb_and_ship_to(), today=base.TODAY, calendar=DEFAULT) == []


def test_ship_to_rule_when_switched_on_applies_only_with_an_ewaybill_and_from_its_date():
    assert _codes(validate_invoice(_with_ewb_and_ship_to(), today=base.TODAY, calendar=SHIP_ON)) == [
        ("5002", "ShipDtls.Gstin")]
    before = _dated(_with_ewb_and_ship_to(), date(2026, 7, 30))
    assert validate_invoice(before, today=date(2026, 7, 31), calendar=SHIP_ON) == []
    without_ewb = _with_ewb_and_ship_to()
    del without_ewb["EwbDtls"]
    assert validate_invoice(without_ewb, today=base.TODAY, calendar=SHIP_ON) == []
    assert validate_invoice(_with_ewb_and_ship_to("URP"), today=base.TODAY, calendar=SHIP_ON) == []


def test_ship_to_rule_bill_to_and_state_checks():
    same = _with_ewb_and_ship_to(base.BUYER_MH)
    assert _codes(validate_invoice(same, today=base.TODAY, calendar=SHIP_ON)) == [("2323", "ShipDtls.Gstin")]
    other = _with_ewb_and_ship_to(base.BUYER_KA, stcd="27")
    codes = _codes(validate_invoice(other, today=base.TODAY, calendar=SHIP_ON))
    assert ("2325", "ShipDtls.Stcd") in codes


def _export_ship(**values):
    return dict({"Addr1": "Rajaji Salai", "Loc": "Chennai", "Pin": 600001, "Stcd": "33"}, **values)


def test_ewaybill_by_irn_ship_to_rule_follows_the_switch_and_the_request_date():
    invoice = base.export()
    invoice["DocDtls"]["Dt"] = "30/07/2026"
    request = base.ewaybill(ExpShipDtls=_export_ship())
    assert validation.validate_ewaybill(request, invoice=invoice, today=base.TODAY) == []
    assert validation.validate_ewaybill(request, invoice=invoice, today=date(2026, 7, 31), calendar=SHIP_ON) == []
    after = validation.validate_ewaybill(request, invoice=invoice, today=base.TODAY, calendar=SHIP_ON)
    assert _codes(after) == [("5001", "ExpShipDtls.Gstin")]
    urp = base.ewaybill(ExpShipDtls=_export_ship(Gstin="URP"))
    assert validation.validate_ewaybill(urp, invoice=invoice, today=base.TODAY, calendar=SHIP_ON) == []


def test_ewaybill_by_irn_ship_to_checks_when_on():
    invoice = base.b2b_inter()
    same = base.ewaybill(ExpShipDtls=_export_ship(Gstin=base.BUYER_MH, Stcd="27", Loc="Pune", Pin=411026))
    assert ("4073", "ExpShipDtls.Gstin") in _codes(
        validation.validate_ewaybill(same, invoice=invoice, today=base.TODAY, calendar=SHIP_ON))
    other_state = base.ewaybill(ExpShipDtls=_export_ship(Gstin=base.BUYER_KA))
    assert ("4074", "ExpShipDtls.Stcd") in _codes(
        validation.validate_ewaybill(other_state, invoice=invoice, today=base.TODAY, calendar=SHIP_ON))


def test_ship_to_fixed_at_irn_time_is_part_of_the_held_rule():
    invoice = base._with_ship_to(base.b2b_inter())
    moved = base.ewaybill(ExpShipDtls={"Gstin": base.BUYER_MH, "Addr1": "Gate 3, MIDC", "Loc": "Chakan",
                                       "Pin": 410501, "Stcd": "27"})
    assert validation.validate_ewaybill(moved, invoice=invoice, today=base.TODAY) == []
    assert ("4001", "ExpShipDtls") in _codes(
        validation.validate_ewaybill(moved, invoice=invoice, today=base.TODAY, calendar=SHIP_ON))


def test_ewaybill_by_irn_refused_for_a_document_older_than_180_days():
    invoice = _dated(base.b2b_inter(), date(2026, 2, 21))  # 180 days before 20/08/2026
    assert validation.validate_ewaybill(base.ewaybill(), invoice=invoice, today=base.TODAY) == []
    _dated(invoice, date(2026, 2, 20))
    assert _codes(validation.validate_ewaybill(base.ewaybill(), invoice=invoice, today=base.TODAY)) == [
        ("4043", "Irn")]


def calendar_problems():
    """One problem of each dated-rule key (for the template tests)."""
    today = date(2026, 8, 20)
    yield from validate_invoice(_dated(base.b2b_inter(), date(2026, 7, 1)), today=today, aato_band="100cr_plus")
    yield from validate_invoice(base.b2b_inter([base.line(1, hsn="7318")]), today=today, aato_band="100cr_plus")
    yield from validate_invoice(_dated(base.b2b_inter([base.line(1, rate=40.0)]), date(2025, 9, 1)), today=today)
    yield from validate_invoice(_with_ewb_and_ship_to(), today=today, calendar=SHIP_ON)
    yield from validate_invoice(_with_ewb_and_ship_to(base.BUYER_MH), today=today, calendar=SHIP_ON)
    yield from validate_invoice(_with_ewb_and_ship_to(base.BUYER_KA), today=today, calendar=SHIP_ON)
    moved = base.ewaybill(ExpShipDtls={"Gstin": base.BUYER_MH, "Addr1": "Gate 3", "Loc": "Chakan", "Pin": 410501,
                                       "Stcd": "27"})
    yield from validation.validate_ewaybill(moved, invoice=base._with_ship_to(base.b2b_inter()), today=today,
                                            calendar=SHIP_ON)
    yield from validation.validate_ewaybill(base.ewaybill(), invoice=_dated(base.b2b_inter(), date(2026, 1, 1)),
                                            today=today)
