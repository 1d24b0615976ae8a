"""GSTIN details and sync (§5.4, §9.4) and the seeded master."""
from datetime import date

import pytest
from sandbox_helpers import GSTIN, SYNC, codes, make_invoice

from irp import gstin as gstin_rules, masters
from sandbox import master

DETAIL_KEYS = ["Gstin", "TradeName", "LegalName", "AddrBnm", "AddrBno", "AddrFlno", "AddrSt", "AddrLoc", "StateCode",
               "AddrPncd", "TxpType", "Status", "BlkStatus", "DtReg", "DtDReg"]


def test_seeded_master_is_fictitious_but_valid():
    assert len(master.PORTAL) == len(master.TAXPAYERS)
    for taxpayer in master.TAXPAYERS:
        assert gstin_rules.validate_gstin(taxpayer["gstin"]) is None, taxpayer["gstin"]
        assert taxpayer["state_code"] == taxpayer["gstin"][:2]
        assert 100000 <= taxpayer["pin"] <= 999999
    assert master.ECOM_TCS["gstin"][13] == "C"
    assert {master.BUYER_CANCELLED["status"], master.BUYER_INACTIVE["status"]} == {"CNL", "INA"}
    assert master.BUYER_CANCELLED["dt_dreg"] and master.BUYER_BLOCKED["blk_status"] == "B"
    assert master.BUYER_SEZ_TN["txp_type"] == "SEZ" and not master.BUYER_NOT_IN_MASTER["in_irp_master"]
    assert {user["gstin"] for user in master.USERS} == {master.SELLER_KA["gstin"], master.SELLER_MH["gstin"]}


@pytest.mark.parametrize("path", ["/eivital/v1.04/Master/gstin/", "/eivital/v1.03/Master/gstin/"])
def test_get_gstin_details(nic, path):
    data = nic.data(nic.get(path + master.BUYER_MH["gstin"]))
    assert list(data) == DETAIL_KEYS
    assert data["Gstin"] == master.BUYER_MH["gstin"] and data["LegalName"] == master.BUYER_MH["legal_name"]
    assert data["StateCode"] == 27 and data["AddrPncd"] == master.BUYER_MH["pin"]
    assert (data["Status"], data["BlkStatus"], data["TxpType"]) == ("ACT", "U", "REG")
    assert data["DtReg"] == "2017-07-01" and data["DtDReg"] is None


def test_statuses_as_the_portal_has_them(nic):
    cancelled = nic.data(nic.get(GSTIN + master.BUYER_CANCELLED["gstin"]))
    assert cancelled["Status"] == "CNL" and cancelled["DtDReg"] == "2024-03-31"
    assert nic.data(nic.get(GSTIN + master.BUYER_INACTIVE["gstin"]))["Status"] == "INA"
    assert nic.data(nic.get(GSTIN + master.BUYER_BLOCKED["gstin"]))["BlkStatus"] == "B"
    assert nic.data(nic.get(GSTIN + master.BUYER_SEZ_TN["gstin"]))["TxpType"] == "SEZ"


def test_unknown_and_malformed_gstins(nic):
    unknown = "29AAACZ9999Z1Z" + gstin_rules.check_char("29AAACZ9999Z1Z")
    assert codes(nic.get(GSTIN + unknown)) == ["3001"]
    assert codes(nic.get(SYNC + unknown)) == ["3001"]
    assert codes(nic.get(GSTIN + "29ABC")) == ["3030"]


def test_gstin_known_only_after_sync(nic, today):
    gstin = master.BUYER_NOT_IN_MASTER["gstin"]
    assert codes(nic.get(GSTIN + gstin)) == ["3028"]
    assert "3028" in codes(nic.generate(make_invoice(today, buyer=master.BUYER_NOT_IN_MASTER)))
    synced = nic.data(nic.get(SYNC + gstin))
    assert synced["Gstin"] == gstin and synced["Status"] == "ACT" and synced["StateCode"] == 24
    assert nic.data(nic.get(GSTIN + gstin)) == synced
    assert nic.generate(make_invoice(today, buyer=master.BUYER_NOT_IN_MASTER))["Status"] == 1


def test_sync_refreshes_a_known_gstin(nic):
    data = nic.data(nic.get(SYNC + master.BUYER_TN["gstin"]))
    assert data == nic.data(nic.get(GSTIN + master.BUYER_TN["gstin"]))


# --- every status and registration type (issue 9) --------------------------------------------------------------

FORMS = {"TCS": "tcs", "TDS": "tds", "UN": "uin", "NRT": "nrtp", "OID": "oidar"}


def test_every_registration_type_has_a_valid_gstin_of_its_form():
    by_type = {}
    for taxpayer in master.TAXPAYERS:
        by_type.setdefault(taxpayer["txp_type"], []).append(taxpayer)
        kind = gstin_rules.gstin_kind(taxpayer["gstin"])
        assert kind == FORMS.get(taxpayer["txp_type"], "regular"), taxpayer["gstin"]
    assert {"REG", "COM", "SEZ", "SED", "ISD", "TDS", "TCS", "UN", "NRT", "OID"} <= set(by_type)
    assert {taxpayer["status"] for taxpayer in master.TAXPAYERS} == {"ACT", "CNL", "INA", "SUS"}


def test_pins_are_of_the_taxpayers_state():
    for taxpayer in master.TAXPAYERS:
        states = masters.pin_states(taxpayer["pin"])
        if taxpayer["state_code"] == "99":  # OIDAR: Centre jurisdiction, principal place abroad
            assert taxpayer["pin"] == masters.FOREIGN_PIN
        else:
            assert states and taxpayer["state_code"] in states, taxpayer["gstin"]


def test_dates_are_iso_and_in_order():
    for taxpayer in master.TAXPAYERS:
        registered = date.fromisoformat(taxpayer["dt_reg"])
        if taxpayer["dt_dreg"]:
            assert taxpayer["status"] == "CNL" and date.fromisoformat(taxpayer["dt_dreg"]) > registered
    assert master.BUYER_NEW["dt_reg"] == "2026-10-01"
    assert master.BUYER_CANCELLED_UNDATED["status"] == "CNL" and master.BUYER_CANCELLED_UNDATED["dt_dreg"] is None


@pytest.mark.parametrize("taxpayer, status, txp_type", [
    (master.BUYER_SUSPENDED, "SUS", "REG"),
    (master.BUYER_COMPOSITION, "ACT", "COM"),
    (master.BUYER_SEZ_DEVELOPER, "ACT", "SED"),
    (master.BUYER_ISD, "ACT", "ISD"),
    (master.BUYER_TDS, "ACT", "TDS"),
    (master.BUYER_UIN, "ACT", "UN"),
    (master.BUYER_NRTP, "ACT", "NRT"),
    (master.SUPPLIER_OIDAR, "ACT", "OID"),
    (master.ECOM_TCS, "ACT", "TCS"),
])
def test_served_as_seeded(nic, taxpayer, status, txp_type):
    data = nic.data(nic.get(GSTIN + taxpayer["gstin"]))
    assert list(data) == DETAIL_KEYS
    assert (data["Gstin"], data["Status"], data["TxpType"], data["BlkStatus"]) == (
        taxpayer["gstin"], status, txp_type, "U")
    assert data["StateCode"] == int(taxpayer["gstin"][:2]) and data["AddrPncd"] == taxpayer["pin"]
    assert data["DtReg"] == taxpayer["dt_reg"] and data["DtDReg"] is None


def test_registration_dates_as_the_portal_has_them(nic):
    recent = nic.data(nic.get(GSTIN + master.BUYER_CANCELLED_RECENTLY["gstin"]))
    assert (recent["Status"], recent["DtReg"], recent["DtDReg"]) == ("CNL", "2017-07-01", "2026-11-15")
    undated = nic.data(nic.get(GSTIN + master.BUYER_CANCELLED_UNDATED["gstin"]))
    assert undated["Status"] == "CNL" and undated["DtDReg"] is None
    new = nic.data(nic.get(SYNC + master.BUYER_NEW["gstin"]))
    assert new["Status"] == "ACT" and new["DtReg"] == "2026-10-01"


def test_special_forms_lookups_fail_like_nic(nic):
    # a well-formed UIN nobody holds: 3001; a truncated one: 3030
    unknown_uin = "0718UNO00999UN" + gstin_rules.check_char("0718UNO00999UN")
    assert codes(nic.get(GSTIN + unknown_uin)) == ["3001"]
    assert codes(nic.get(GSTIN + "0717UNO0015")) == ["3030"]


def test_the_irp_judges_invoices_by_the_seeded_dates(nic, today):
    cancelled = master.BUYER_CANCELLED_RECENTLY
    if today > date(2026, 11, 15):
        assert "3074" in codes(nic.generate(make_invoice(today, buyer=cancelled)))
    assert "3075" in codes(nic.generate(make_invoice(today, buyer=master.BUYER_CANCELLED_UNDATED)))
    assert "3079" in codes(nic.generate(make_invoice(today, buyer=master.BUYER_NEW, doc_date="30/09/2026")))
    if today >= date(2026, 10, 1):
        assert nic.generate(make_invoice(today, buyer=master.BUYER_NEW))["Status"] == 1
