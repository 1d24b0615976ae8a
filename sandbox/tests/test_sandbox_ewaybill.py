"""E-way bill by IRN, get and cancel (§9.2, §9.3, §14)."""
from datetime import datetime, timedelta

import pytest
from sandbox_helpers import BY_IRN, EWB, EWB_BY_IRN, codes, make_invoice

from sandbox import master
from sandbox.clock import parse_ist
from sandbox.rules_ewb import pin_distance

ROAD = {"TransMode": "1", "VehNo": "KA01AB1234", "VehType": "R"}


@pytest.fixture
def irn(nic, today):
    return nic.generated(make_invoice(today))["Irn"]  # Bengaluru 560058 -> Mumbai 400059


def _valid_till(days):
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%d") + " 23:59:00"


def test_distance_zero_is_computed_from_the_pins(sandbox, nic, irn):
    assert pin_distance(560058, 400059) == 1007  # real PIN centroids, great-circle x 1.2
    envelope = nic.ewaybill(irn, **ROAD)
    assert envelope["Status"] == 1
    assert envelope["InfoDtls"] == [{"InfCd": "EWBPPD", "Desc": "Pin-Pin calc distance: 1007KM"}]
    data = nic.data(envelope)
    assert list(data) == ["EwbNo", "EwbDt", "EwbValidTill", "Remarks"]
    assert isinstance(data["EwbNo"], int) and len(str(data["EwbNo"])) == 12
    assert data["Remarks"] == "Pin-Pin calc distance: 1007KM"
    assert data["EwbDt"].endswith(":00") and abs((parse_ist(data["EwbDt"]) - sandbox.now()).total_seconds()) <= 60
    today = sandbox.now().date()
    assert data["EwbValidTill"] == f"{today + timedelta(days=6):%Y-%m-%d} 23:59:00"  # 1007 km: 6 days of 200 km

    assert codes(nic.ewaybill(irn, **ROAD)) == ["4002"]
    invoice = nic.data(nic.get(BY_IRN + irn))
    assert (invoice["EwbNo"], invoice["EwbValidTill"]) == (data["EwbNo"], data["EwbValidTill"])
    details = nic.data(nic.get(EWB_BY_IRN + irn))
    assert details == {"EwbNo": data["EwbNo"], "Status": "ACT", "GenGstin": master.SELLER_KA["gstin"],
                       "EwbDt": data["EwbDt"], "EwbValidTill": data["EwbValidTill"]}


@pytest.mark.parametrize("distance, over_dimensional, days", [(450, False, 3), (200, False, 1), (100, True, 5)])
def test_validity_per_distance(sandbox, nic, irn, distance, over_dimensional, days):
    data = nic.data(nic.ewaybill(irn, **dict(ROAD, VehType="O" if over_dimensional else "R"), Distance=distance))
    assert data["EwbValidTill"] == f"{sandbox.now().date() + timedelta(days=days):%Y-%m-%d} 23:59:00"
    assert data["Remarks"] is None


def test_part_a_only_has_no_validity(nic, irn):
    data = nic.data(nic.ewaybill(irn, TransId=master.TRANSPORTER["gstin"], TransName="Nandi Logistics"))
    assert data["EwbNo"] and data["EwbValidTill"] is None


@pytest.mark.parametrize("fields, code", [
    ({"TransMode": "1"}, "4011"),
    ({"TransMode": "1", "VehNo": "KA01AB1234"}, "4022"),
    ({"TransMode": "2"}, "4012"),
    ({"TransMode": "3", "TransDocNo": "AWB123"}, "4023"),
    ({"VehNo": "KA01AB1234", "VehType": "R"}, "4028"),
    ({"TransMode": "1", "VehNo": "12345678", "VehType": "R"}, "4014"),
    ({"TransMode": "2", "TransDocNo": "RR1", "TransDocDt": "01/01/2029"}, "4016"),
    ({"TransMode": "2", "TransDocNo": "RR1", "TransDocDt": "01/01/2020"}, "4021"),
    ({"TransMode": "3", "TransDocNo": "AWB1", "TransDocDt": "01/01/2026", "VehType": "O"}, "4024"),
    ({}, "4019"),
    ({"Distance": 2000, **ROAD}, "4013"),
    ({"Distance": 4500, **ROAD}, "4038"),
    ({"TransId": "12345"}, "4018"),
])
def test_transport_rules(nic, irn, fields, code):
    envelope = nic.ewaybill(irn, **fields)
    assert envelope["Status"] == 0 and code in codes(envelope), envelope


def test_distance_within_ten_percent_is_accepted(nic, irn):
    assert nic.ewaybill(irn, Distance=1060, **ROAD)["Status"] == 1


def test_same_pins_need_a_distance(nic, irn):
    same_place = {"Nm": "Mumbai depot", "Addr1": "Depot 2", "Loc": "Mumbai", "Pin": master.BUYER_MH["pin"],
                  "Stcd": "27"}
    assert codes(nic.ewaybill(irn, DispDtls=same_place, **ROAD)) == ["4029"]
    data = nic.data(nic.ewaybill(irn, DispDtls=same_place, Distance=12, **ROAD))
    assert data["EwbNo"]


def test_no_ewaybill_for_notes_services_cancelled_or_foreign_irns(nic, nic_mh, today):
    note = nic.generated(make_invoice(today, doc_type="CRN"))["Irn"]
    assert codes(nic.ewaybill(note, **ROAD)) == ["4010"]
    services = nic.generated(make_invoice(today, items=[("998314", 1, 12000.0, 18, True)]))["Irn"]
    assert codes(nic.ewaybill(services, **ROAD)) == ["4010"]
    cancelled = nic.generated(make_invoice(today))["Irn"]
    assert nic.cancel(cancelled)["Status"] == 1
    assert codes(nic.ewaybill(cancelled, **ROAD)) == ["4000"]
    assert codes(nic.ewaybill("a" * 64, **ROAD)) == ["4003"]
    assert codes(nic_mh.ewaybill(note, **ROAD)) == ["4037"]
    assert codes(nic.get(EWB_BY_IRN + note)) == ["4005"]


def test_blocked_recipient_does_not_stop_the_ewaybill(nic, today):
    # notification 15/2021-CT: rule 138E blocks the defaulting supplier only
    irn = nic.generated(make_invoice(today, buyer=master.BUYER_BLOCKED))["Irn"]
    assert nic.data(nic.ewaybill(irn, **ROAD))["EwbNo"]


def test_ship_to_of_a_b2b_irn_cannot_be_overridden(sandbox, nic, today):
    # part of the held 2026 ship-to change set (§4.2 row 4): only with the rule switched on
    sandbox.set_rules(ship_to_gstin=True)
    warehouse = {"Gstin": master.BUYER_MH["gstin"], "LglNm": master.BUYER_MH["legal_name"],
                 "Addr1": "Warehouse 4", "Loc": "Bhiwandi", "Pin": 421302, "Stcd": "27"}
    irn = nic.generated(make_invoice(today, buyer=master.BUYER_TN, ship=warehouse))["Irn"]  # bill TN, ship MH
    elsewhere = dict(warehouse, Addr1="Other place", Loc="Nagpur", Pin=440001)
    envelope = nic.ewaybill(irn, ShipDtls=elsewhere, **ROAD)
    assert codes(envelope) == ["4001"] and "cannot be changed" in envelope["ErrorDetails"][0]["ErrorMessage"]
    no_gstin = {key: value for key, value in warehouse.items() if key != "Gstin"}
    assert codes(nic.ewaybill(irn, ExpShipDtls=no_gstin, **ROAD)) == ["5001"]
    data = nic.data(nic.ewaybill(irn, ShipDtls=warehouse, **ROAD))  # the same ship-to is fine
    # distance runs to the kept ship-to (Bhiwandi), not to the buyer's address
    assert data["Remarks"] == f"Pin-Pin calc distance: {pin_distance(560058, 421302)}KM"


def test_export_needs_the_place_of_export(nic, today):
    export = make_invoice(today, buyer="URP", sup_type="EXPWOP", export={"CntCode": "AE", "Port": "INMAA1"})
    irn = nic.generated(export)["Irn"]
    assert codes(nic.ewaybill(irn, **ROAD)) == ["4031"]
    port = {"Gstin": "URP", "Addr1": "Chennai Port", "Loc": "Chennai", "Pin": 600001, "Stcd": "33"}
    data = nic.data(nic.ewaybill(irn, ExpShipDtls=port, **ROAD))
    assert data["Remarks"] == f"Pin-Pin calc distance: {pin_distance(560058, 600001)}KM"


def test_ewaybill_with_the_irn(nic, today):
    envelope = nic.generate(make_invoice(today, ewb={"Distance": 0, **ROAD}))
    assert envelope["InfoDtls"] == [{"InfCd": "EWBPPD", "Desc": "Pin-Pin calc distance: 1007KM"}]
    data = nic.data(envelope)
    assert data["EwbNo"] and data["EwbValidTill"].endswith("23:59:00") and data["Status"] == "ACT"
    assert data["EwbDt"] == data["AckDt"]


def test_failed_ewaybill_does_not_undo_the_irn(nic, today):
    envelope = nic.generate(make_invoice(today, ewb={"Distance": 0}))
    assert envelope["Status"] == 1
    assert envelope["InfoDtls"] == [{"InfCd": "EWBERR", "Desc": [{
        "ErrorCode": "4019", "ErrorMessage": "Provide Transporter ID in order to generate Part A of e-Way Bill"}]}]
    data = nic.data(envelope)
    assert data["Irn"] and data["EwbNo"] is None and data["EwbValidTill"] is None


def test_cancel_ewaybill(sandbox, nic, nic_mh, irn):
    ewb_no = nic.data(nic.ewaybill(irn, **ROAD))["EwbNo"]
    assert codes(nic.cancel_ewaybill(ewb_no, reason="9")) == ["4006"]
    assert codes(nic.cancel_ewaybill("12345")) == ["4008"]
    assert codes(nic.cancel_ewaybill(999999999999)) == ["4007"]
    assert codes(nic_mh.cancel_ewaybill(ewb_no)) == ["312"]
    envelope = nic.cancel_ewaybill(str(ewb_no), reason="3", remark="Data entry mistake")
    data = nic.data(envelope)
    assert data["ewayBillNo"] == str(ewb_no)
    datetime.strptime(data["cancelDate"], "%d/%m/%Y %I:%M:%S %p")
    assert codes(nic.cancel_ewaybill(ewb_no)) == ["312"]
    assert nic.data(nic.get(EWB_BY_IRN + irn))["Status"] == "CNL"
    assert nic.data(nic.get(BY_IRN + irn))["EwbNo"] is None
    # a new e-way bill may follow a cancelled one; it too can only be cancelled within 24 hours
    second = nic.data(nic.ewaybill(irn, **ROAD))["EwbNo"]
    assert second != ewb_no
    sandbox.advance_clock(hours=24, minutes=1)
    nic.login()
    assert codes(nic.cancel_ewaybill(second)) == ["315"]


def test_cancel_ewaybill_accepts_the_irp_body_form(nic, irn):
    ewb_no = nic.data(nic.ewaybill(irn, **ROAD))["EwbNo"]
    envelope = nic.post("/ewaybillapi/v1.03/ewayapi", {"ewbNo": ewb_no, "cancelRsnCode": 1, "cancelRmrk": "Dup"})
    assert nic.data(envelope)["ewayBillNo"] == str(ewb_no)


def test_generate_ewaybill_schema_errors(nic, irn):
    assert codes(nic.post(EWB, {"Irn": irn})) == ["4013"]  # Distance is required
    assert codes(nic.post(EWB, {"Distance": 10})) == ["4003"]
