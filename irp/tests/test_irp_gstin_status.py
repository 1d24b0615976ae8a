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


def test_from_details_keeps_what_matters():
    details = GstinDetails(gstin="29AAHCC9911Q1ZU", status="CNL", blk_status="U", txp_type="REG",
                           registered_on=date(2018, 7, 1), deregistered_on=date(2024, 3, 31))
    kept = gs.GstinStatus.from_details(details, CHECKED)
    assert kept == gs.GstinStatus("29AAHCC9911Q1ZU", "CNL", "U", "REG", date(2018, 7, 1), date(2024, 3, 31), CHECKED)
    assert kept.status_label == "Cancelled" and kept.txp_label == "Regular" and kept.checked_on == date(2026, 12, 1)


def test_active_unblocked_is_fine():
    assert gs.judge(status(), doc_date=DOC, role="buyer", with_ewaybill=True) == ([], [])


def test_cancelled_after_deregistration_blocks_with_3074():
    blocking, warnings = gs.judge(status("CNL", dreg=date(2024, 3, 31)), doc_date=DOC, role="buyer",
                                  with_ewaybill=False)
    assert keys(blocking) == [("gstin_deregistered_before", "3074")] and warnings == []
    assert blocking[0].path == "BuyerDtls.Gstin"


def test_inactive_blocks_and_blocked_depends_on_ewaybill():
    assert keys(gs.judge(status("INA"), doc_date=DOC, role="ship_to", with_ewaybill=False)[0]) == [
        ("gstin_inactive", "3029")]
    blocked = status(blk="B")
    assert keys(gs.judge(blocked, doc_date=DOC, role="buyer", with_ewaybill=True)[0]) == [("gstin_blocked", "4015")]
    blocking, warnings = gs.judge(blocked, doc_date=DOC, role="buyer", with_ewaybill=False)
    assert blocking == [] and keys(warnings) == [("gstin_blocked", "local")]


@pytest.mark.parametrize("key", sorted(gs.TEMPLATES))
def test_every_template_renders(key):
    assert gs.TEMPLATES[key]
