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
