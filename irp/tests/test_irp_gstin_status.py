"""GSTIN status after a check, and what it means for sending a document (irp/gstin_status.py)."""
from datetime import date, datetime

import pytest

from irp import gstin_status as gs
from irp.results import GstinDetails

CHECKED = datetime(2026, 12, 1, 9, 30)
DOC = date(2026, 11, 20)


def status(code="ACT", blk="U", txp="REG", reg=date(2017, 7, 1), dreg=None, gstin="29AADCB2230M1ZP"):
    return gs.GstinStatus(gstin, code, blk, txp, reg, dreg, CHECKED)


def keys(problems):
    return [(problem.key, problem.code) for problem in problems]


def judged(value, doc_date=DOC, role="buyer", with_ewaybill=False):
    blocking, warnings = gs.judge(value, doc_date=doc_date, role=role, with_ewaybill=with_ewaybill)
    return keys(blocking), keys(warnings)


# --- keeping a check ------------------------------------------------------------------------------

def test_from_details_keeps_what_matters():
    details = GstinDetails(gstin="29AAHCC9911Q1ZU", status="CNL", blk_status="U", txp_type="REG",
                           registered_on=date(2018, 7, 1), deregistered_on=date(2024, 3, 31))
    kept = gs.GstinStatus.from_details(details, CHECKED)
    assert kept == gs.GstinStatus("29AAHCC9911Q1ZU", "CNL", "U", "REG", date(2018, 7, 1), date(2024, 3, 31), CHECKED)
    assert kept.status_label == "Cancelled" and kept.txp_label == "Regular" and kept.checked_on == date(2026, 12, 1)
    assert not kept.is_active and not kept.is_blocked


def test_from_details_tolerates_what_the_irp_leaves_empty():
    kept = gs.GstinStatus.from_details(GstinDetails(gstin="29AADCB2230M1ZP", status="act", blk_status=""), CHECKED)
    assert (kept.status, kept.blk_status, kept.txp_type, kept.registered_on) == ("ACT", None, None, None)
    assert kept.txp_label == "Unknown"


def test_needs_refresh():
    now = datetime(2026, 12, 8, 9, 30)
    assert gs.needs_refresh(None, now, 7)
    assert not gs.needs_refresh(status(), now, 7)           # exactly 7 days old
    assert gs.needs_refresh(status(), datetime(2026, 12, 8, 9, 31), 7)
    assert gs.needs_refresh(gs.GstinStatus("29AADCB2230M1ZP", "ACT"), now, 7)  # never checked


def test_labels_cover_the_statuses_nic_returns():
    assert set(gs.STATUS_LABELS) >= {"ACT", "CNL", "INA", "SUS", "PRO"}
    assert {"REG", "COM", "SEZ", "SED"} <= set(gs.TAXPAYER_TYPES)


# --- judging ---------------------------------------------------------------------------------------

def test_active_unblocked_is_fine():
    assert judged(status(), with_ewaybill=True) == ([], [])


@pytest.mark.parametrize("role, path", [("buyer", "BuyerDtls.Gstin"), ("ship_to", "ShipDtls.Gstin")])
def test_paths_follow_the_role(role, path):
    blocking, _ = gs.judge(status("INA"), doc_date=DOC, role=role, with_ewaybill=False)
    assert [problem.path for problem in blocking] == [path]
    assert blocking[0].params["role"] == role and blocking[0].params["checked_on"] == date(2026, 12, 1)


def test_unknown_role_is_refused():
    with pytest.raises(ValueError):
        gs.judge(status(), doc_date=DOC, role="seller", with_ewaybill=False)


def test_cancelled_after_deregistration_blocks_with_3074():
    blocking, warnings = gs.judge(status("CNL", dreg=date(2024, 3, 31)), doc_date=DOC, role="buyer",
                                  with_ewaybill=False)
    assert keys(blocking) == [("gstin_deregistered_before", "3074")] and warnings == []
    assert blocking[0].params == {"gstin": "29AADCB2230M1ZP", "role": "buyer", "role_label": "buyer",
                                  "checked_on": date(2026, 12, 1), "doc_date": DOC,
                                  "deregistered_on": date(2024, 3, 31)}


def test_cancelled_but_dated_within_registration_is_only_a_warning():
    assert judged(status("CNL", dreg=date(2024, 3, 31)), doc_date=date(2024, 3, 31)) == (
        [], [("gstin_cancelled", "local")])


def test_cancelled_dated_before_registration_blocks_with_3077():
    assert judged(status("CNL", reg=date(2018, 7, 1), dreg=date(2024, 3, 31)), doc_date=date(2018, 6, 30)) == (
        [("gstin_not_yet_registered", "3077")], [])


def test_cancelled_without_dates_blocks_with_3078_or_3075():
    assert judged(status("CNL", reg=None, dreg=date(2024, 3, 31))) == ([("gstin_cancelled", "3078")], [])
    blocking, _ = gs.judge(status("CNL", dreg=None), doc_date=DOC, role="buyer", with_ewaybill=False)
    assert keys(blocking) == [("gstin_cancelled", "3075")] and blocking[0].params["deregistered_on"] is None
    assert blocking[0].params["status_label"] == "Cancelled"


@pytest.mark.parametrize("code", ["INA", "PRO", "XYZ"])
def test_inactive_and_other_statuses_block_with_3029(code):
    assert judged(status(code), role="ship_to") == ([("gstin_inactive", "3029")], [])


def test_suspended_is_a_warning():
    assert judged(status("SUS"), with_ewaybill=True) == ([], [("gstin_suspended", "local")])


def test_empty_status_is_not_judged():
    assert judged(status(None)) == ([], [])


def test_active_dated_before_registration_blocks_with_3079():
    recent = status(reg=date(2026, 10, 1))
    blocking, _ = gs.judge(recent, doc_date=date(2026, 9, 30), role="buyer", with_ewaybill=False)
    assert keys(blocking) == [("gstin_not_yet_registered", "3079")]
    params = blocking[0].params
    assert params["registered_on"] == date(2026, 10, 1) and params["doc_date"] == date(2026, 9, 30)
    assert judged(recent, doc_date=date(2026, 10, 1)) == ([], [])


def test_blocked_buyer_is_a_warning_even_with_an_eway_bill():
    blocked = status(blk="B")
    for with_ewaybill in (False, True):
        blocking, warnings = gs.judge(blocked, doc_date=DOC, role="buyer", with_ewaybill=with_ewaybill)
        assert blocking == [] and keys(warnings) == [("gstin_blocked", "local")]
        assert warnings[0].params["with_ewaybill"] is with_ewaybill


def test_blocked_recipient_rule_before_2021_can_be_switched_back(monkeypatch):
    monkeypatch.setattr(gs, "RECIPIENT_BLOCK_STOPS_EWAYBILL", True)
    assert judged(status(blk="B"), with_ewaybill=True) == ([("gstin_blocked", "4015")], [])
    assert judged(status(blk="B"), with_ewaybill=False) == ([], [("gstin_blocked", "local")])


def test_several_facts_at_once():
    assert judged(status("SUS", blk="B", reg=date(2026, 12, 1))) == (
        [("gstin_not_yet_registered", "3079")], [("gstin_suspended", "local"), ("gstin_blocked", "local")])


# --- GST treatment --------------------------------------------------------------------------------

@pytest.mark.parametrize("txp, treatment", [
    ("REG", "regular"), ("COM", "composition"), ("SEZ", "special_economic_zone"),
    ("SED", "special_economic_zone"), ("UN", "uin_holders"), ("reg", "regular"),
    ("TDS", None), ("ISD", None), ("NRT", None), ("", None), (None, None),
])
def test_treatment_for(txp, treatment):
    assert gs.treatment_for(txp) == treatment


def test_treatments_are_odoo_l10n_in_selection_values():
    odoo = {"regular", "composition", "unregistered", "consumer", "overseas", "special_economic_zone",
            "deemed_export", "uin_holders"}
    assert set(gs._TREATMENTS.values()) <= odoo


def test_treatment_warning():
    sez = status(txp="SEZ")
    problem = gs.treatment_warning(sez, "regular")
    assert (problem.key, problem.code, problem.path) == ("gstin_treatment_mismatch", "local", "BuyerDtls.Gstin")
    assert problem.params["expected"] == "special_economic_zone" and problem.params["txp_label"] == "SEZ unit"
    assert gs.treatment_warning(sez, "special_economic_zone") is None
    assert gs.treatment_warning(sez, "deemed_export") is not None
    assert gs.treatment_warning(status(txp="TDS"), "regular") is None      # type says nothing certain
    assert gs.treatment_warning(sez, False) is None


# --- words -------------------------------------------------------------------------------------------

def _all_problems():
    cases = [
        (status("CNL", dreg=date(2024, 3, 31)), DOC),
        (status("CNL", dreg=date(2024, 3, 31)), date(2024, 1, 1)),
        (status("CNL", dreg=None), DOC),
        (status("CNL", reg=date(2018, 7, 1), dreg=date(2024, 3, 31)), date(2018, 1, 1)),
        (status("INA"), DOC), (status("SUS", blk="B"), DOC), (status(reg=date(2026, 12, 1)), DOC),
    ]
    problems = []
    for value, doc_date in cases:
        blocking, warnings = gs.judge(value, doc_date=doc_date, role="buyer", with_ewaybill=True)
        problems += blocking + warnings
    problems.append(gs.treatment_warning(status(txp="COM"), "regular"))
    return problems


def test_every_key_is_produced_and_worded():
    problems = _all_problems()
    assert {problem.key for problem in problems} == set(gs.TEMPLATES)
    for problem in problems:
        text = problem.render(gs.TEMPLATES[problem.key])
        assert text and "None" not in text and problem.params["gstin"] in text, (problem.key, text)


def test_wording_examples():
    blocking, _ = gs.judge(status("CNL", dreg=date(2024, 3, 31)), doc_date=DOC, role="ship_to", with_ewaybill=False)
    assert blocking[0].render(gs.TEMPLATES[blocking[0].key]) == (
        "the document date 2026-11-20 is after the de-registration of the ship-to GSTIN 29AADCB2230M1ZP on 2024-03-31")
