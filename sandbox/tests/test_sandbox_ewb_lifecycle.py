"""The e-way bill's life through the e-way bill system's API (nic-ewb-api.md §5.2-§5.7, §7): Part-B,
transporter, cancel, reject, extension window and the 360-day cap on a moved clock, closure behind
its switch, the store shared with e-way bills by IRN, and lost replies."""
from datetime import datetime, timedelta

import pytest
import requests
from ewb_helpers import BUYER_EWB, MH_EWB, TRANSPORTER_EWB, Ewb, error_codes, ewb_payload, extension, part_b
from sandbox_helpers import EWB_BY_IRN, make_invoice

from sandbox import master, pins
from sandbox.clock import IST

ROAD = {"TransMode": "1", "VehNo": "KA01AB1234", "VehType": "R"}


@pytest.fixture
def ewb(sandbox):
    return Ewb(sandbox).login()


@pytest.fixture
def generated(ewb, today):
    return ewb.ok("GENEWAYBILL", ewb_payload(today))["ewayBillNo"]


def _valid_upto(text):
    return datetime.strptime(text, "%d/%m/%Y %I:%M:%S %p").replace(tzinfo=IST)


# --- VEHEWB (§5.2) ----------------------------------------------------------------------------------

def test_part_b_update_keeps_the_history(ewb, generated):
    before = ewb.get_ewaybill(generated)
    data = ewb.ok("VEHEWB", part_b(generated))
    assert set(data) == {"vehUpdDate", "validUpto"} and data["validUpto"] == before["validUpto"]
    vehicles = ewb.get_ewaybill(generated)["VehiclListDetails"]
    assert [entry["vehicleNo"] for entry in vehicles] == ["KA05MN4321", "KA01AB1234"]
    assert vehicles[0]["fromPlace"] == "Tumakuru" and vehicles[0]["fromState"] == 29


@pytest.mark.parametrize("changes, code", [
    ({"vehicleNo": "12345678"}, "304"), ({"vehicleNo": ""}, "303"), ({"reasonCode": "9"}, "307"),
    ({"reasonRem": ""}, "308"), ({"fromPlace": ""}, "305"), ({"fromState": 55}, "306"), ({"transMode": "7"}, "302"),
])
def test_part_b_errors(ewb, generated, changes, code):
    assert code in ewb.codes("VEHEWB", part_b(generated, **changes))


def test_part_b_by_a_stranger_after_expiry_or_cancel(sandbox, ewb, generated):
    stranger = Ewb(sandbox, user=MH_EWB).login()
    assert stranger.codes("VEHEWB", part_b(generated)) == ["636"]
    assert ewb.codes("VEHEWB", part_b(12)) == ["301"]
    sandbox.set_clock(_valid_upto(ewb.get_ewaybill(generated)["validUpto"]) + timedelta(minutes=5))
    assert ewb.login().codes("VEHEWB", part_b(generated)) == ["311"]
    sandbox.reset_clock()
    ewb.ok("CANEWB", {"ewbNo": generated, "cancelRsnCode": "2", "cancelRmrk": "Order cancelled"})
    assert ewb.codes("VEHEWB", part_b(generated)) == ["312"]


def test_part_a_slip_gets_its_validity_with_the_first_part_b(ewb, today):
    slip = ewb_payload(today, mode="", vehicle="", transporterId=master.TRANSPORTER["gstin"])
    data = ewb.ok("GENEWAYBILL", slip)
    assert data["validUpto"] is None
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, mode="", vehicle="")) == ["619"]
    updated = ewb.ok("VEHEWB", part_b(data["ewayBillNo"], reason="4", remark="First time"))
    assert updated["validUpto"] == f"{today + timedelta(days=6):%d/%m/%Y} 11:59:00 PM"


# --- UPDATETRANSPORTER (§5.3) ----------------------------------------------------------------------------

def test_transporter_takes_over_part_b(sandbox, ewb, generated):
    transporter = Ewb(sandbox, user=TRANSPORTER_EWB).login()
    assert transporter.codes("VEHEWB", part_b(generated)) == ["636"]
    data = ewb.ok("UPDATETRANSPORTER", {"ewbNo": generated, "transporterId": master.TRANSPORTER["gstin"]})
    assert data["transporterId"] == master.TRANSPORTER["gstin"] and data["ewayBillNo"] == str(generated)
    assert ewb.get_ewaybill(generated)["transporterId"] == master.TRANSPORTER["gstin"]
    ewb.ok("VEHEWB", part_b(generated))  # the generator, until the transporter enters Part-B
    transporter.ok("VEHEWB", part_b(generated, vehicle="KA02CD5678", reason="2", remark="Transshipment"))
    assert ewb.codes("VEHEWB", part_b(generated)) == ["635"]
    assert ewb.codes("UPDATETRANSPORTER", {"ewbNo": generated, "transporterId": master.SELLER_MH["gstin"]}) == ["338"]
    assert Ewb(sandbox, user=MH_EWB).login().codes(
        "UPDATETRANSPORTER", {"ewbNo": generated, "transporterId": master.SELLER_MH["gstin"]}) == ["339"]
    assert ewb.codes("UPDATETRANSPORTER", {"ewbNo": generated, "transporterId": "NOTAGSTIN"}) == ["222"]


# --- CANEWB and REJEWB (§5.4, §5.5) ----------------------------------------------------------------------

def test_cancel_within_24_hours_only(sandbox, ewb, generated, today):
    data = ewb.ok("CANEWB", {"ewbNo": generated, "cancelRsnCode": "3", "cancelRmrk": "Data entry mistake"})
    assert data["ewayBillNo"] == str(generated) and data["cancelDate"].endswith(("AM", "PM"))
    assert ewb.get_ewaybill(generated)["status"] == "CNL"
    assert ewb.codes("CANEWB", {"ewbNo": generated, "cancelRsnCode": "3", "cancelRmrk": "again"}) == ["312"]
    late = ewb.ok("GENEWAYBILL", ewb_payload(today))["ewayBillNo"]
    assert ewb.codes("CANEWB", {"ewbNo": late, "cancelRsnCode": "7"}) == ["307"]
    assert Ewb(sandbox, user=BUYER_EWB).login().codes("CANEWB", {"ewbNo": late, "cancelRsnCode": "1"}) == ["312"]
    sandbox.advance_clock(hours=24, minutes=1)
    assert ewb.login().codes("CANEWB", {"ewbNo": late, "cancelRsnCode": "1", "cancelRmrk": "late"}) == ["315"]


def test_reject_by_the_other_party_within_72_hours(sandbox, ewb, generated, today):
    buyer = Ewb(sandbox, user=BUYER_EWB).login()
    assert ewb.codes("REJEWB", {"ewbNo": generated}) == ["341"]
    assert Ewb(sandbox, user=TRANSPORTER_EWB).login().codes("REJEWB", {"ewbNo": generated}) == ["342"]
    assert buyer.ok("REJEWB", {"ewbNo": generated})["ewayBillNo"] == str(generated)
    assert buyer.get_ewaybill(generated)["rejectStatus"] == "Y"
    assert buyer.codes("REJEWB", {"ewbNo": generated}) == ["342"]  # once
    late = ewb.ok("GENEWAYBILL", ewb_payload(today))["ewayBillNo"]
    sandbox.advance_clock(hours=72, minutes=1)
    assert buyer.login().codes("REJEWB", {"ewbNo": late}) == ["346"]


# --- EXTENDVALIDITY (§5.6, §7) -------------------------------------------------------------------------------

def test_extension_only_within_eight_hours_of_expiry(sandbox, ewb, generated):
    valid = _valid_upto(ewb.get_ewaybill(generated)["validUpto"])
    assert ewb.codes("EXTENDVALIDITY", extension(generated)) == ["382"]
    sandbox.set_clock(valid - timedelta(hours=8, minutes=1))
    assert ewb.login().codes("EXTENDVALIDITY", extension(generated)) == ["382"]
    sandbox.set_clock(valid + timedelta(hours=8, minutes=1))
    assert ewb.login().codes("EXTENDVALIDITY", extension(generated)) == ["382"]
    sandbox.set_clock(valid + timedelta(hours=7))  # the morning after expiry
    ewb.login()
    data = ewb.ok("EXTENDVALIDITY", extension(generated, remaining=150))
    day = sandbox.now().date()
    assert data["validUpto"] == f"{day + timedelta(days=1):%d/%m/%Y} 11:59:00 PM"  # 150 km: one day
    got = ewb.get_ewaybill(generated)
    assert got["extendedTimes"] == 1 and got["validUpto"] == data["validUpto"]


@pytest.mark.parametrize("changes, code", [
    ({"remainingDistance": 0}, "389"), ({"remainingDistance": 5000}, "390"), ({"extnRemarks": ""}, "386"),
    ({"extnRsnCode": 3}, "386"), ({"consignmentStatus": "X"}, "711"), ({"transitType": "R"}, "712"),
    ({"consignmentStatus": "T", "transMode": "5", "transitType": "W"}, "706"),
    ({"consignmentStatus": "T", "transMode": "5", "transitType": "Z", "addressLine1": "a", "addressLine2": "b",
      "addressLine3": "c"}, "705"),
    ({"fromPincode": 12}, "421"), ({"fromState": 29}, "710"), ({"vehicleNo": "XX"}, "304"),
])
def test_extension_errors(sandbox, ewb, generated, changes, code):
    sandbox.set_clock(_valid_upto(ewb.get_ewaybill(generated)["validUpto"]) - timedelta(hours=1))
    assert code in ewb.login().codes("EXTENDVALIDITY", extension(generated, **changes))


def test_extension_distance_is_checked_against_the_pins(sandbox, ewb, generated):
    computed = pins.road_distance(411026, master.BUYER_MH["pin"])  # Pune -> Mumbai
    sandbox.set_clock(_valid_upto(ewb.get_ewaybill(generated)["validUpto"]) - timedelta(hours=1))
    envelope = ewb.login().post("EXTENDVALIDITY", extension(generated, remaining=int(computed * 1.1) + 2))
    assert error_codes(envelope) == ["702"] and envelope["info"] == f"Pin-Pin calc distance: {computed}KM"
    ewb.ok("EXTENDVALIDITY", extension(generated, remaining=computed, consignmentStatus="T", transMode="5",
                                       transitType="W", vehicleNo="", addressLine1="Warehouse 3",
                                       addressLine2="Chakan MIDC", addressLine3="Pune"))


def test_extensions_stop_at_360_days(sandbox, ewb, today):
    number = ewb.ok("GENEWAYBILL", ewb_payload(today, vehicle_type="O"))["ewayBillNo"]  # ODC: 20 km a day
    cap = f"{today + timedelta(days=360):%d/%m/%Y} 11:59:00 PM"
    valid = _valid_upto(ewb.get_ewaybill(number)["validUpto"])
    assert valid.date() == today + timedelta(days=51)  # 1007 km of ODC
    for _ in range(10):
        sandbox.set_clock(valid - timedelta(hours=1))
        valid_text = ewb.login().ok("EXTENDVALIDITY", extension(
            number, remaining=1000, fromPincode=560058, fromState=29, fromPlace="Bengaluru"))["validUpto"]
        valid = _valid_upto(valid_text)
        if valid_text == cap:
            break
    assert valid_text == cap  # capped at generation + 360 days
    sandbox.set_clock(valid + timedelta(hours=1))  # day 361
    assert ewb.login().codes("EXTENDVALIDITY", extension(number)) == ["821"]
    sandbox.set_rules(ewb_extension_360_days=False)
    assert ewb.ok("EXTENDVALIDITY", extension(number))["validUpto"] != cap


# --- closure (§5.7, on hold) ---------------------------------------------------------------------------------

def test_closure_only_with_the_switch(sandbox, ewb, generated, today):
    close = {"ewbNo": generated, "closureDate": f"{today:%d/%m/%Y}", "closureRemarks": "Delivered"}
    assert ewb.codes("CLOSEEWB", close) == ["239"]
    sandbox.set_rules(ewb_voluntary_closure=True)
    assert ewb.codes("CLOSEEWB", dict(close, closureRemarks="")) == ["659"]
    assert ewb.codes("CLOSEEWB", dict(close, closureDate=f"{today - timedelta(days=3):%d/%m/%Y}")) == ["601"]
    buyer = Ewb(sandbox, user=BUYER_EWB).login()
    assert buyer.ok("CLOSEEWB", close)["ewayBillNo"] == str(generated)
    assert ewb.get_ewaybill(generated)["closed"] == "Y"
    assert ewb.codes("CLOSEEWB", close) == ["312"]


# --- the store shared with the IRP's e-way bills by IRN --------------------------------------------------------

def test_ewaybill_by_irn_is_extended_and_cancelled_through_the_ewb_api(sandbox, nic, ewb, today):
    invoice = make_invoice(today)
    irn = nic.generated(invoice)["Irn"]
    by_irn = nic.data(nic.ewaybill(irn, **ROAD))
    got = ewb.get_ewaybill(by_irn["EwbNo"])
    assert got["docNo"] == invoice["DocDtls"]["No"] and got["fromGstin"] == master.SELLER_KA["gstin"]
    assert got["actualDist"] == pins.road_distance(560058, 400059) and got["status"] == "ACT"
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, doc_no=invoice["DocDtls"]["No"])) == ["604"]
    sandbox.set_clock(_valid_upto(got["validUpto"]) - timedelta(hours=2))
    data = ewb.login().ok("EXTENDVALIDITY", extension(by_irn["EwbNo"]))
    seen_by_irp = nic.login().data(nic.get(EWB_BY_IRN + irn))
    assert seen_by_irp["EwbValidTill"] == _valid_upto(data["validUpto"]).strftime("%Y-%m-%d %H:%M:%S")
    sandbox.reset_clock()
    ewb.login().ok("CANEWB", {"ewbNo": by_irn["EwbNo"], "cancelRsnCode": "2", "cancelRmrk": "Order cancelled"})
    assert nic.login().data(nic.get(EWB_BY_IRN + irn))["Status"] == "CNL"


def test_irp_cancel_path_still_takes_irp_sessions(nic, ewb, today):
    irn = nic.generated(make_invoice(today))["Irn"]
    number = nic.data(nic.ewaybill(irn, **ROAD))["EwbNo"]
    envelope = nic.cancel_ewaybill(number)
    assert envelope["Status"] == 1 and ewb.get_ewaybill(number)["status"] == "CNL"


# --- lost replies (faults) ------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", ["ewb_generate", "GENEWAYBILL"])
def test_generate_reply_lost_after_commit(sandbox, ewb, today, endpoint):
    before = sandbox.count_ewaybills(master.SELLER_KA["gstin"])
    payload = ewb_payload(today)
    sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": endpoint, "times": 1}])
    with pytest.raises(requests.ConnectionError):
        ewb.post("GENEWAYBILL", payload)
    assert sandbox.count_ewaybills(master.SELLER_KA["gstin"]) == before + 1
    assert ewb.codes("GENEWAYBILL", payload) == ["604"]
    found = ewb.open_get(ewb.get("GetEwayBillGeneratedByConsigner", docType="INV", docNo=payload["docNo"]))
    assert found["docNo"] == payload["docNo"] and found["status"] == "ACT"


def test_part_b_reply_lost_after_commit(sandbox, ewb, generated):
    sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "VEHEWB", "times": 1}])
    with pytest.raises(requests.ConnectionError):
        ewb.post("VEHEWB", part_b(generated))
    assert ewb.get_ewaybill(generated)["VehiclListDetails"][0]["vehicleNo"] == "KA05MN4321"


def test_faults_name_ewb_endpoints_by_action():
    from sandbox.faults import Fault
    assert Fault.from_cli("drop_after_commit:endpoint=VEHEWB").endpoint == "ewb_vehicle"
    assert Fault.from_dict({"kind": "latency", "endpoint": "ewb_extend"}).endpoint == "ewb_extend"


def test_other_faults_reach_the_ewb_routes(sandbox, ewb, generated):
    sandbox.set_faults([{"kind": "http_error", "status": 503, "endpoint": "ewb_get", "times": 1}])
    assert ewb.http.get(f"{ewb.base}/ewayapi/GetEwayBill", params={"ewbNo": generated},
                        headers=ewb.client_headers()).status_code == 503
    sandbox.set_faults([{"kind": "corrupt_data", "endpoint": "ewb_auth", "times": 1}])
    with pytest.raises(Exception):
        Ewb(sandbox).authenticate()
    assert ewb.get_ewaybill(generated)["ewbNo"] == generated
