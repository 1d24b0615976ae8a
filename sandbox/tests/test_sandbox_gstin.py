"""GSTIN details and sync (§5.4, §9.4) and the seeded master."""
import pytest
from sandbox_helpers import GSTIN, SYNC, codes, make_invoice

from irp import gstin as gstin_rules
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
