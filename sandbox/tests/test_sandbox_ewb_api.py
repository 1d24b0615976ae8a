"""The e-way bill system's own API (nic-ewb-api.md) over real HTTP: auth, envelope, GENEWAYBILL,
GetEwayBill and the by-document look-up."""
from datetime import timedelta

import pytest
from ewb_helpers import BUYER_EWB, KA_EWB, Ewb, error_codes, ewb_payload, new_doc_no

from sandbox import master, pins


@pytest.fixture
def ewb(sandbox):
    return Ewb(sandbox).login()


# --- authentication (§3) ---------------------------------------------------------------------------

@pytest.mark.parametrize("hyphens", [True, False])
def test_auth_gives_a_token_and_a_sek_with_either_header_style(sandbox, hyphens):
    client = Ewb(sandbox, hyphens=hyphens)
    envelope = client.authenticate()
    assert envelope["status"] == "1" and set(envelope) == {"status", "authtoken", "sek"}
    assert len(client.sek) == 32
    again = Ewb(sandbox, hyphens=hyphens)
    assert again.authenticate()["authtoken"] == envelope["authtoken"]  # same token within 6 h


@pytest.mark.parametrize("changes, fields, code", [
    ({"client-id": "NOSUCHCLIENT"}, {}, "103"),
    ({"client-secret": "wrong"}, {}, "110"),
    ({"gstin": None}, {}, "227"),
    ({}, {"password": "wrong"}, "108"),
    ({}, {"username": "nobody"}, "108"),
    ({}, {"username": "kaveri_api", "password": "Kaveri@2026"}, "107"),  # the IRP user
    ({}, {"action": "LOGIN"}, "239"),
    ({}, {"app_key": b"short"}, "107"),
])
def test_auth_failures(sandbox, changes, fields, code):
    client = Ewb(sandbox)
    envelope = client.authenticate(headers=client.client_headers(authtoken=None, **changes), **fields)
    assert error_codes(envelope) == [code] and envelope["info"] is None


def test_auth_with_an_undecryptable_payload_is_109(sandbox):
    client = Ewb(sandbox)
    response = client.http.post(client.base + "/auth", json={"Data": "bm90IHJzYQ=="},
                                headers=client.client_headers(authtoken=None))
    assert error_codes(response.json()) == ["109"]


def test_bad_or_expired_token_is_238(sandbox, ewb, today):
    assert error_codes(ewb.post("GENEWAYBILL", ewb_payload(today), headers=ewb.client_headers(
        authtoken="nope"))) == ["238"]
    sandbox.advance_clock(hours=6, minutes=1)
    assert error_codes(ewb.post("GENEWAYBILL", ewb_payload(today))) == ["238"]
    assert ewb.login().ok("GENEWAYBILL", ewb_payload(sandbox.now().date()))["ewayBillNo"]


def test_token_of_another_gstin_is_238(sandbox, ewb, today):
    other = Ewb(sandbox, user=BUYER_EWB).login()
    headers = ewb.client_headers(authtoken=other.token)
    assert error_codes(ewb.post("GENEWAYBILL", ewb_payload(today), headers=headers)) == ["238"]


def test_unknown_action_and_bad_data(ewb, today):
    assert error_codes(ewb.post("MAKEEWB", ewb_payload(today))) == ["239"]
    response = ewb.http.post(ewb.base + "/ewayapi", json={"action": "GENEWAYBILL", "data": "AAAA"},
                             headers=ewb.client_headers())
    assert error_codes(response.json()) == ["109"]


# --- GENEWAYBILL (§5.1) ------------------------------------------------------------------------------

def test_generate_with_pin_distance_and_get_it_back(sandbox, ewb, today):
    computed = pins.road_distance(master.SELLER_KA["pin"], master.BUYER_MH["pin"])
    assert computed == 1007  # 560058 -> 400059: 839 km great-circle x 1.2
    payload = ewb_payload(today)
    data = ewb.ok("GENEWAYBILL", payload)
    assert set(data) == {"ewayBillNo", "ewayBillDate", "validUpto", "alert"}
    assert len(str(data["ewayBillNo"])) == 12 and data["alert"] == f"Pin-Pin calc distance: {computed}KM"
    assert data["ewayBillDate"].endswith((" AM", " PM")) and data["ewayBillDate"][17:19] == "00"
    assert data["validUpto"] == f"{today + timedelta(days=6):%d/%m/%Y} 11:59:00 PM"  # 1007 km: 6 days
    got = ewb.get_ewaybill(data["ewayBillNo"])
    assert got["ewbNo"] == data["ewayBillNo"] and got["status"] == "ACT" and got["actualDist"] == computed
    assert got["validUpto"] == data["validUpto"] and got["docNo"] == payload["docNo"]
    assert got["VehiclListDetails"][0]["vehicleNo"] == "KA01AB1234" and got["rejectStatus"] == "N"
    assert sandbox.count_ewaybills(master.SELLER_KA["gstin"]) >= 1
    # by document, as a client recovers a lost reply
    found = ewb.open_get(ewb.get("GetEwayBillGeneratedByConsigner", docType="INV", docNo=payload["docNo"]))
    assert found["ewayBillNo"] == data["ewayBillNo"]
    listed = ewb.open_get(ewb.get("GetEwayBillsByDate", date=f"{today:%d/%m/%Y}"))
    assert data["ewayBillNo"] in [entry["ewbNo"] for entry in listed]


def test_duplicate_document_is_604_with_the_number(ewb, today):
    payload = ewb_payload(today)
    number = ewb.ok("GENEWAYBILL", payload)["ewayBillNo"]
    envelope = ewb.post("GENEWAYBILL", dict(payload, docNo=payload["docNo"].lower()))
    assert error_codes(envelope) == ["604"] and str(number) in envelope["info"]


def test_distance_more_than_ten_percent_above_the_pins_is_702(ewb, today):
    computed = pins.road_distance(master.SELLER_KA["pin"], master.BUYER_MH["pin"])
    assert ewb.ok("GENEWAYBILL", ewb_payload(today, distance=int(computed * 1.1)))["alert"] == ""
    envelope = ewb.post("GENEWAYBILL", ewb_payload(today, distance=int(computed * 1.1) + 2))
    assert error_codes(envelope) == ["702"] and envelope["info"] == f"Pin-Pin calc distance: {computed}KM"


def test_get_by_someone_else_is_refused(sandbox, ewb, today):
    number = ewb.ok("GENEWAYBILL", ewb_payload(today))["ewayBillNo"]
    stranger = Ewb(sandbox, user=next(u for u in sandbox.ewb_users if u["username"] == "sahyadri_ewb")).login()
    assert error_codes(stranger.get("GetEwayBill", ewbNo=number)) == ["325"]
    buyer = Ewb(sandbox, user=BUYER_EWB).login()
    assert buyer.get_ewaybill(number)["toGstin"] == master.BUYER_MH["gstin"]
    assert KA_EWB["gstin"] == master.SELLER_KA["gstin"] and new_doc_no() != new_doc_no()


# --- GENEWAYBILL rules (§5.1, §6, §7, §8) ---------------------------------------------------------------

@pytest.mark.parametrize("changes, code", [
    ({"supplyType": "X"}, "201"), ({"subSupplyType": 13}, "202"), ({"subSupplyType": 8}, "377"),
    ({"docType": "XYZ"}, "204"), ({"docNo": "A" * 17}, "206"), ({"docDate": "2026-01-01"}, "207"),
    ({"transactionType": 7}, "612"), ({"transactionType": None}, "614"), ({"fromGstin": "29AAACK4521F1Z"}, "208"),
    ({"toGstin": "NOPE"}, "212"), ({"fromPincode": 12345}, "210"), ({"toPincode": "ABCDEF"}, "214"),
    ({"fromStateCode": 96}, "211"), ({"toStateCode": 55}, "215"), ({"itemList": []}, "233"),
    ({"igstValue": -1}, "629"), ({"totInvValue": 1000}, "620"),
    ({"actFromStateCode": 27}, "437"), ({"actToStateCode": 29}, "436"), ({"toPincode": 600001}, "436"),
])
def test_generate_shape_errors(ewb, today, changes, code):
    assert code in ewb.codes("GENEWAYBILL", ewb_payload(today, **changes))


def test_generate_party_and_item_errors(sandbox, ewb, today):
    intra = ewb_payload(today, buyer=master.BUYER_KA)
    assert ewb.codes("GENEWAYBILL", dict(intra, igstValue=100.0, totInvValue=intra["totInvValue"] + 100)) == ["623"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, cgstValue=10.0, sgstValue=10.0, totInvValue=106220)) == ["624"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, userGstin=master.SELLER_MH["gstin"])) == ["358"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, seller=master.SELLER_MH)) == ["359"]
    assert "360" in ewb.codes("GENEWAYBILL", ewb_payload(today, supplyType="I"))
    assert ewb.ok("GENEWAYBILL", ewb_payload(today, buyer=master.BUYER_BLOCKED))["ewayBillNo"]  # 15/2021-CT
    services = ewb_payload(today)
    services["itemList"] = [dict(services["itemList"][0], hsnCode=998314)]
    assert ewb.codes("GENEWAYBILL", services) == ["724"]
    sandbox.set_aato(master.SELLER_KA["gstin"], "5to10")  # an e-invoicing supplier: B2B invoices go via the IRP
    assert ewb.codes("GENEWAYBILL", ewb_payload(today)) == ["720"]
    challan = ewb_payload(today, doc_type="CHL", subSupplyType=4)
    challan["itemList"] = [dict(challan["itemList"][0], hsnCode=8471)]
    assert ewb.codes("GENEWAYBILL", challan) == ["283"]  # 6 digits from AATO 5 cr
    six_digits = [dict(challan["itemList"][0], hsnCode=847130)]
    assert ewb.ok("GENEWAYBILL", dict(challan, itemList=six_digits))["ewayBillNo"]


def test_document_age_by_the_calendar(sandbox, ewb, today):
    assert ewb.ok("GENEWAYBILL", ewb_payload(today, doc_date=today - timedelta(days=180)))["ewayBillNo"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, doc_date=today - timedelta(days=181))) == ["820"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, docDate="30/06/2017")) == ["819"]
    sandbox.set_rules(ewb_doc_age_180_days=False)
    assert ewb.ok("GENEWAYBILL", ewb_payload(today, doc_date=today - timedelta(days=181)))["ewayBillNo"]


@pytest.mark.parametrize("changes, code", [
    ({"vehicleNo": "12345678"}, "225"), ({"vehicleNo": "", "transDocNo": ""}, "226"), ({"transMode": "6"}, "220"),
    ({"transMode": "2", "vehicleNo": ""}, "394"), ({"transMode": "3", "vehicleNo": "", "transDocNo": "AWB1"}, "385"),
    ({"transMode": "2", "vehicleNo": "", "vehicleType": "O", "transDocNo": "RR1", "transDocDate": "01/01/2026"},
     "634"),
    ({"transMode": "", "transporterId": ""}, "619"), ({"vehicleType": "X"}, "361"), ({"transDistance": "5000"}, "221"),
    ({"transporterId": "12345"}, "222"),
])
def test_generate_transport_errors(ewb, today, changes, code):
    assert code in ewb.codes("GENEWAYBILL", ewb_payload(today, **changes))


def test_transport_document_before_the_invoice_is_362(ewb, today):
    yesterday = today - timedelta(days=1)
    rail = ewb_payload(today, mode="2", vehicle="", transDocNo="FSJWT123456", transDocDate=f"{yesterday:%d/%m/%Y}")
    assert ewb.codes("GENEWAYBILL", rail) == ["362"]
    assert ewb.ok("GENEWAYBILL", dict(rail, transDocDate=f"{today:%d/%m/%Y}"))["validUpto"]


@pytest.mark.parametrize("distance, odc, days", [(10, False, 1), (200, False, 1), (201, False, 2), (100, True, 5),
                                                 (1000, False, 5), (1000, True, 50)])
def test_validity_from_the_distance(ewb, today, distance, odc, days):
    data = ewb.ok("GENEWAYBILL", ewb_payload(today, distance=distance, vehicle_type="O" if odc else "R"))
    assert data["validUpto"] == f"{today + timedelta(days=days):%d/%m/%Y} 11:59:00 PM"


def test_same_pin_needs_a_distance_of_at_most_100_km(ewb, today):
    local = dict(ewb_payload(today, buyer=master.BUYER_KA), toPincode=master.SELLER_KA["pin"])
    assert ewb.codes("GENEWAYBILL", local) == ["721"]
    envelope = ewb.post("GENEWAYBILL", dict(local, transDistance="101"))
    assert error_codes(envelope) == ["702"] and envelope["info"] == "Pin-Pin calc distance: 100KM"
    assert ewb.ok("GENEWAYBILL", dict(local, transDistance="12"))["validUpto"]


def test_export_pin_needs_a_distance(ewb, today):
    export = ewb_payload(today, toGstin="URP", toPincode=999999, toStateCode=99, subSupplyType=3,
                         actToStateCode=33, cgstValue=0, sgstValue=0)
    assert ewb.codes("GENEWAYBILL", export) == ["721"]
    assert ewb.ok("GENEWAYBILL", dict(export, transDistance="350"))["ewayBillNo"]


def test_ship_to_and_dispatch_from_gstins_only_with_the_switch(sandbox, ewb, today):
    ship = {"shipToGSTIN": master.BUYER_KA["gstin"], "shipToTradeName": "Brindavan Retail"}
    assert ewb.ok("GENEWAYBILL", ewb_payload(today, **ship))["ewayBillNo"]  # on hold: NIC ignores the keys
    sandbox.set_rules(ship_to_gstin=True)
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, **ship)) == ["616"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, transactionType=2)) == ["608"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, transactionType=2, shipToGSTIN="BAD")) == ["609"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, transactionType=2, shipToGSTIN=master.BUYER_MH[
        "gstin"])) == ["618"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, transactionType=3)) == ["607"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, transactionType=4, shipToGSTIN="URP",
                                                dispatchFromGSTIN=master.SELLER_KA["gstin"])) == ["617"]
    assert ewb.codes("GENEWAYBILL", ewb_payload(today, dispatchFromGSTIN=master.TRANSPORTER["gstin"])) == ["615"]
    assert ewb.ok("GENEWAYBILL", ewb_payload(today, transactionType=2, **ship))["ewayBillNo"]


def test_masters_and_error_list(ewb):
    details = ewb.open_get(ewb.http.get(f"{ewb.base}/Master/GetGSTINDetails", params={"GSTIN": master.BUYER_MH[
        "gstin"]}, headers=ewb.client_headers()).json())
    assert details["gstin"] == master.BUYER_MH["gstin"] and details["pinCode"] == "400059"
    errors = ewb.open_get(ewb.http.get(f"{ewb.base}/Master/GetErrorList", headers=ewb.client_headers()).json())
    assert {"errorCode": "702", "errorDesc": "The distance between the pincodes given is too high"} in errors
    assert error_codes(ewb.get("GetEwayBill", ewbNo="12")) == ["301"]
    assert ewb.http.get(f"{ewb.base}/ewayapi/NoSuchMethod", headers=ewb.client_headers()).status_code == 404


def test_trailing_slash_and_data_key_spellings(ewb, today):
    envelope = ewb.post("GENEWAYBILL", ewb_payload(today), path="/ewayapi/", data_key="Data")
    assert envelope["status"] == "1" and set(envelope) == {"status", "data"}


def test_export_and_import_are_billed_to_other_country(ewb, today):
    export = ewb_payload(today, toGstin="URP", toPincode=600001, toStateCode=33, subSupplyType=3,
                         actToStateCode=33, transDistance="350")
    assert sorted(ewb.codes("GENEWAYBILL", export)) == ["373", "374"]
    imported = ewb_payload(today, supplyType="I", subSupplyType=2, fromGstin="URP", fromPincode=600001,
                           fromStateCode=33, actFromStateCode=33, transDistance="350")
    assert {"375", "376"} <= set(ewb.codes("GENEWAYBILL", imported))
