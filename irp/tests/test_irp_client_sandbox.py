"""IrpClient against the local IRP sandbox over real HTTP with real crypto:
authentication and session reuse, IRN life cycle, GSTIN master, e-way bills,
signature checks and the call log. Faults are in test_irp_client_faults.py."""
import base64
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from irp import crypto, errors
from irp.errors import IrpError, ResponseSignatureError
from irp.session import MemorySessionStore, SessionState
from sandbox import master, rules
from sandbox.testing import RunningSandbox

KA, MH = master.SELLER_KA, master.SELLER_MH


def _codes(excinfo):
    return excinfo.value.codes


def _same(sent, signed, path="$"):
    """The signed invoice holds what was sent: same keys (items gain ItemNo), numbers equal as numbers."""
    if isinstance(sent, dict):
        assert isinstance(signed, dict), path
        extra = set(signed) - set(sent)
        assert extra <= {"ItemNo"}, f"{path}: unexpected {extra}"
        for key, value in sent.items():
            _same(value, signed[key], f"{path}.{key}")
    elif isinstance(sent, list):
        assert len(sent) == len(signed), path
        for index, (a, b) in enumerate(zip(sent, signed)):
            _same(a, b, f"{path}[{index}]")
    elif isinstance(sent, (int, float)) and not isinstance(sent, bool):
        assert float(sent) == float(signed), path
    else:
        assert sent == signed, path


# --- authentication and session -------------------------------------------------------------------------

def test_one_authentication_serves_many_calls_and_threads(sandbox, make_client, invoice_for, kit):
    auth_before = sandbox.request_counts().get("auth", 0)
    client = make_client()
    client.get_gstin(master.BUYER_KA["gstin"])
    client.generate_irn(invoice_for())
    results = []
    failures = []

    def send():
        try:
            results.append(client.generate_irn(invoice_for(buyer=master.BUYER_MH)).irn)
        except Exception as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(set(results)) == 8
    calls = kit.endpoints_of(client.records)
    assert calls.count("authenticate") == 1 and calls[0] == "authenticate"
    assert calls.count("generate_irn") == 9
    assert sandbox.request_counts()["auth"] - auth_before == 1


def test_a_stored_session_is_reused_by_a_new_client(make_client, kit):
    store = MemorySessionStore()
    first = make_client(session_store=store)
    state = first.authenticate()
    assert store.load() == state and state.gstin == KA["gstin"] and state.user_name == "kaveri_api"
    second = make_client(session_store=store)
    details = second.get_gstin(master.BUYER_MH["gstin"])
    assert details.gstin == master.BUYER_MH["gstin"]
    assert kit.endpoints_of(second.records) == ["get_gstin"]  # no authentication at all


def test_token_expiry_is_converted_from_ist(sandbox, make_client):
    state = make_client().authenticate()
    expected = sandbox.now() + timedelta(minutes=sandbox.info["token_minutes"])
    assert state.expires_at.tzinfo == timezone.utc
    assert abs((state.expires_at - expected).total_seconds()) < 5
    assert len(state.sek) == 32


def test_authenticating_again_in_the_validity_window_returns_the_same_token(make_client, kit):
    """NIC hands back the same token and SEK, encrypted with the new AppKey: the client must decrypt
    the SEK afresh, and calls keep working."""
    client = make_client()
    first = client.authenticate()
    again = client.authenticate(force_refresh=True)  # outside the last 10 minutes: no new token
    assert again.auth_token == first.auth_token and again.sek == first.sek
    assert client.get_gstin(master.BUYER_TN["gstin"]).state_code == "33"
    assert kit.endpoints_of(client.records) == ["authenticate", "authenticate", "get_gstin"]
    assert '"ForceRefreshAccessToken":true' in client.records[1].request_text


def test_token_is_refreshed_in_its_last_ten_minutes(sandbox, clock_guard, make_client, kit):
    clock = kit.ManualClock()
    client = make_client(clock=clock)
    first = client.authenticate()
    client.get_gstin(master.BUYER_KA["gstin"])
    # both clocks move to 5 minutes before expiry
    minutes_left = (first.expires_at - clock.now).total_seconds() / 60
    sandbox.advance_clock(minutes=minutes_left - 5)
    clock.advance(minutes=minutes_left - 5)
    client.get_gstin(master.BUYER_KA["gstin"])
    client.get_gstin(master.BUYER_MH["gstin"])
    assert kit.endpoints_of(client.records) == ["authenticate", "get_gstin", "authenticate", "get_gstin",
                                                "get_gstin"]
    assert '"ForceRefreshAccessToken":true' in client.records[2].request_text
    renewed = client.session_state
    assert renewed.auth_token != first.auth_token and renewed.sek != first.sek
    assert renewed.expires_at > first.expires_at + timedelta(minutes=sandbox.info["token_minutes"] - 10)


def test_expired_token_gets_one_reauthentication_on_1005(sandbox, clock_guard, make_client, kit):
    client = make_client()
    first = client.authenticate()
    # past the token's expiry for the IRP, while our clock still thinks it is valid
    sandbox.advance_clock(seconds=(first.expires_at - sandbox.now()).total_seconds() + 60)
    details = client.get_gstin(master.BUYER_KA["gstin"])
    assert details.status == "ACT"
    assert kit.endpoints_of(client.records) == ["authenticate", "get_gstin", "authenticate", "get_gstin"]
    rejected = client.records[1]
    assert rejected.error_codes == ["1005"] and not rejected.ok and rejected.http_status == 200
    assert client.session_state.auth_token != first.auth_token


def test_a_stale_stored_token_is_replaced_after_1005(make_client, kit, invoice_for):
    store = MemorySessionStore()
    store.save(SessionState("NotAValidTokenAtAll", bytes(32), datetime.now(timezone.utc) + timedelta(hours=3),
                            "kaveri_api", KA["gstin"]))
    client = make_client(session_store=store)
    result = client.generate_irn(invoice_for())
    assert result.irn
    assert kit.endpoints_of(client.records) == ["generate_irn", "authenticate", "generate_irn"]
    assert store.load().auth_token != "NotAValidTokenAtAll"


def test_reauthentication_on_1005_happens_only_once(make_client, kit):
    """A sandbox whose tokens are born expired: the client re-authenticates once, then gives up."""
    with RunningSandbox(token_minutes=0) as expiring:
        client = make_client(base_url=expiring.url, encryption_public_key=expiring.encryption_public_pem,
                             signing_certificates=[expiring.signing_certificate_pem])
        with pytest.raises(IrpError) as excinfo:
            client.get_gstin(master.BUYER_KA["gstin"])
        assert excinfo.value.kind == errors.AUTH and _codes(excinfo) == ["1005"]
        assert kit.endpoints_of(client.records) == ["authenticate", "get_gstin", "authenticate", "get_gstin"]


@pytest.mark.parametrize("changes, code", [
    ({"password": "Wrong@2026"}, "1019"),
    ({"user_name": "nobody_api"}, "1017"),
    ({"client_secret": "not-the-secret"}, "1010"),
    ({"client_id": "UNKNOWNCLIENT01"}, "1010"),
    ({"client_id": master.OTHER_CLIENT_ID, "client_secret": master.OTHER_CLIENT_SECRET}, "1018"),
    ({"client_id": ""}, "1011"),
    ({"client_secret": ""}, "1012"),
    ({"gstin": ""}, "1004"),
    ({"gstin": MH["gstin"]}, "1017"),  # the user is registered under the Karnataka GSTIN only
])
def test_wrong_credentials_and_headers_are_auth_errors(make_client, changes, code):
    client = make_client(**changes)
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin(master.BUYER_KA["gstin"])
    assert excinfo.value.kind == errors.AUTH and _codes(excinfo) == [code]
    assert excinfo.value.endpoint == "authenticate" and excinfo.value.http_status == 200
    assert errors.describe(code) in str(excinfo.value) or len(str(excinfo.value)) > 30
    [record] = client.records  # nothing else was attempted
    assert record.endpoint == "authenticate" and record.error_codes == [code] and record.error_kind == errors.AUTH


def test_a_foreign_encryption_key_fails_authentication(make_client):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    client = make_client(encryption_public_key=pem)
    with pytest.raises(IrpError) as excinfo:
        client.authenticate()
    assert excinfo.value.kind == errors.AUTH and _codes(excinfo) == ["1013"]
    assert "public encryption key" in str(excinfo.value)


def test_a_password_too_long_for_rsa_fails_before_sending(make_client):
    client = make_client(password="p" * 200)
    with pytest.raises(IrpError, match="at most 245") as excinfo:
        client.authenticate()
    assert excinfo.value.kind == errors.AUTH and client.records == []


# --- generate IRN ------------------------------------------------------------------------------------------

def test_generate_irn_returns_what_was_sent_signed_by_the_irp(sandbox, make_client, invoice_for):
    client = make_client()
    payload = invoice_for(buyer=master.BUYER_MH, lines=(("8471", 2, 25000.0, 18.0), ("8528", 1, 12000.5, 28.0),
                                                        ("9983", 1, 5000.0, 18.0)))
    before = sandbox.count_irns(KA["gstin"])
    result = client.generate_irn(payload)
    assert sandbox.count_irns(KA["gstin"]) == before + 1
    doc = payload["DocDtls"]
    assert result.irn == crypto.irn_hash(KA["gstin"], doc["Dt"], "INV", doc["No"])
    assert len(result.ack_no) == 15 and result.ack_no.isdigit()
    assert result.status == "ACT" and result.ewb_no is None
    assert result.ack_date.tzinfo == timezone.utc
    assert abs((result.ack_date - sandbox.now()).total_seconds()) < 120
    # the signed invoice: AckNo, AckDt, Irn, then exactly the document sent
    signed = result.invoice_data
    assert list(signed)[:3] == ["AckNo", "AckDt", "Irn"] and str(signed["AckNo"]) == result.ack_no
    _same(payload, {key: value for key, value in signed.items() if key not in ("AckNo", "AckDt", "Irn")})
    assert [item["ItemNo"] for item in signed["ItemList"]] == [0, 0, 0]
    # the signed QR code
    assert result.qr_data == {
        "SellerGstin": KA["gstin"], "BuyerGstin": master.BUYER_MH["gstin"], "DocNo": doc["No"], "DocTyp": "INV",
        "DocDt": doc["Dt"], "TotInvVal": payload["ValDtls"]["TotInvVal"], "ItemCnt": 3, "MainHsnCode": "8471",
        "Irn": result.irn, "IrnDt": result.qr_data["IrnDt"]}
    assert result.buyer_gstin == master.BUYER_MH["gstin"] and result.total_value == payload["ValDtls"]["TotInvVal"]
    # and both tokens verify with the published signing certificate alone
    ring = crypto.SigningKeyring.from_pems(sandbox.signing_certificate_pem)
    assert crypto.signed_data(result.signed_qr_code, ring) == result.qr_data


def test_duplicate_document_gives_2150_with_the_existing_irn(make_client, invoice_for):
    client = make_client()
    payload = invoice_for()
    first = client.generate_irn(payload)
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    error = excinfo.value
    assert error.kind == errors.DUPLICATE and error.codes == ["2150"] and error.endpoint == "generate_irn"
    assert error.duplicate["Irn"] == first.irn and str(error.duplicate["AckNo"]) == first.ack_no
    assert str(error).startswith("2150: Duplicate IRN")


def test_same_number_as_a_credit_note_is_another_document(make_client, invoice_for, kit):
    client = make_client()
    number = kit.new_doc_no("C")
    invoice = client.generate_irn(invoice_for(doc_no=number))
    credit = client.generate_irn(invoice_for(doc_no=number, doc_type="CRN", RefDtls={
        "PrecDocDtls": [{"InvNo": number, "InvDt": invoice.invoice_data["DocDtls"]["Dt"]}]}))
    assert credit.irn != invoice.irn and credit.qr_data["DocTyp"] == "CRN"


def test_all_data_errors_come_back_at_once(make_client, invoice_for, sandbox):
    client = make_client()
    payload = invoice_for(lines=(("1234", 1, 100.0, 18.0),))
    payload["ValDtls"]["TotInvVal"] += 50
    before = sandbox.count_irns()
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.DATA
    assert {"2176", "2189"} <= set(excinfo.value.codes)
    assert sandbox.count_irns() == before


def test_future_document_date_is_refused(make_client, invoice_for, sandbox):
    with pytest.raises(IrpError) as excinfo:
        make_client().generate_irn(invoice_for(doc_date=sandbox.now().date() + timedelta(days=2)))
    assert excinfo.value.kind == errors.DATA and "2163" in excinfo.value.codes


def test_buyer_unknown_to_the_irp_master_until_synced(make_client, invoice_for):
    client = make_client()
    gstin = master.BUYER_NOT_IN_MASTER["gstin"]
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin(gstin)
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["3028"]
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(invoice_for(buyer=master.BUYER_NOT_IN_MASTER))
    assert "3028" in _codes(excinfo)
    synced = client.sync_gstin(gstin)
    assert synced.gstin == gstin and synced.status == "ACT" and synced.state_code == "24"
    assert client.get_gstin(gstin).legal_name == master.BUYER_NOT_IN_MASTER["legal_name"]
    assert client.generate_irn(invoice_for(buyer=master.BUYER_NOT_IN_MASTER)).irn


def test_cancelled_or_inactive_buyers_are_refused(make_client, invoice_for):
    client = make_client()
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(invoice_for(buyer=master.BUYER_CANCELLED))
    assert excinfo.value.kind == errors.DATA and "3074" in _codes(excinfo)
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(invoice_for(buyer=master.BUYER_INACTIVE))
    assert "3029" in _codes(excinfo)


# --- cancel IRN ---------------------------------------------------------------------------------------------

def test_cancel_within_24_hours_then_9999_and_2278(make_client, invoice_for, sandbox):
    client = make_client()
    payload = invoice_for()
    generated = client.generate_irn(payload)
    cancelled = client.cancel_irn(generated.irn, "2", "Data entry mistake")
    assert cancelled.irn == generated.irn
    assert cancelled.cancel_date.tzinfo == timezone.utc
    assert abs((cancelled.cancel_date - sandbox.now()).total_seconds()) < 120
    assert client.get_irn(generated.irn).status == "CNL"
    with pytest.raises(IrpError) as excinfo:
        client.cancel_irn(generated.irn, "2", "Again")
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["9999"]  # callers treat it as done
    with pytest.raises(IrpError) as excinfo:
        client.generate_irn(payload)
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["2278"]
    assert "use a new number" in str(excinfo.value) or "cannot be generated" in str(excinfo.value)


def test_cancel_after_24_hours_is_2270(sandbox, clock_guard, make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for())
    sandbox.advance_clock(hours=24, minutes=5)
    with pytest.raises(IrpError) as excinfo:
        client.cancel_irn(generated.irn, "1", "Too late")
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["2270"]
    assert "credit note" in str(excinfo.value)


def test_cancel_with_an_active_ewaybill_is_2230_until_it_is_cancelled(make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for(buyer=master.BUYER_MH, EwbDtls={
        "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234", "VehType": "R"}))
    assert generated.ewb_no
    with pytest.raises(IrpError) as excinfo:
        client.cancel_irn(generated.irn, "3", "Order cancelled")
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["2230"]
    client.cancel_ewaybill(generated.ewb_no, 2, "Order cancelled")
    assert client.cancel_irn(generated.irn, "3", "Order cancelled").irn == generated.irn


def test_unknown_irn_cannot_be_cancelled(make_client):
    with pytest.raises(IrpError) as excinfo:
        make_client().cancel_irn("0" * 64, "1", "Unknown")
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["2148"]


# --- look-ups -------------------------------------------------------------------------------------------------

def test_get_by_irn_and_by_document_details(make_client, invoice_for, kit):
    client = make_client()
    number = "K/" + kit.new_doc_no("")[:8] + "-1"  # slash and dash must survive the query string
    generated = client.generate_irn(invoice_for(doc_no=number))
    by_irn = client.get_irn(generated.irn)
    by_doc = client.get_irn_by_doc("INV", number, generated.invoice_data["DocDtls"]["Dt"])
    for found in (by_irn, by_doc):
        assert found.irn == generated.irn and found.ack_no == generated.ack_no
        assert found.signed_invoice == generated.signed_invoice and found.signed_qr_code == generated.signed_qr_code
        assert found.invoice_data == generated.invoice_data and found.status == "ACT"
    as_date = datetime.strptime(generated.invoice_data["DocDtls"]["Dt"], "%d/%m/%Y").date()
    assert client.get_irn_by_doc("INV", number, as_date).irn == generated.irn
    by_doc_record = client.records[-2]
    assert by_doc_record.endpoint == "get_irn_by_doc"
    assert "docnum=K%2F" in by_doc_record.url_path and "docdate=" + as_date.strftime("%d%%2F%m%%2F%Y") in \
        by_doc_record.url_path


def test_lookups_of_unknown_documents_are_2148(make_client, sandbox):
    client = make_client()
    with pytest.raises(IrpError) as excinfo:
        client.get_irn_by_doc("INV", "NEVER-SENT-1", sandbox.now().date())
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["2148"]
    with pytest.raises(IrpError) as excinfo:
        client.get_irn("f" * 64)
    assert _codes(excinfo) == ["2148"]


def test_irn_details_are_not_served_after_two_days(sandbox, clock_guard, make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for())
    sandbox.advance_clock(days=2, minutes=10)
    with pytest.raises(IrpError) as excinfo:
        client.get_irn(generated.irn)
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["2283"]


def test_another_sellers_irn_is_not_readable(make_client, invoice_for):
    mh_user = next(u for u in master.USERS if u["gstin"] == MH["gstin"])
    ka = make_client()
    generated = ka.generate_irn(invoice_for())
    mh = make_client(user=mh_user)
    with pytest.raises(IrpError) as excinfo:
        mh.get_irn(generated.irn)
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["2143"]


# --- GSTIN master --------------------------------------------------------------------------------------------

def test_gstin_details_are_typed(make_client):
    client = make_client()
    sez = client.get_gstin(master.BUYER_SEZ_TN["gstin"])
    assert (sez.txp_type, sez.state_code, sez.pin, sez.status) == ("SEZ", "33", "602105", "ACT")
    assert sez.address_lines == ["Plot 5, Electronics SEZ", "Oragadam Road"]
    assert sez.registered_on == date(2017, 7, 1) and sez.deregistered_on is None
    cancelled = client.get_gstin(master.BUYER_CANCELLED["gstin"])
    assert cancelled.status == "CNL" and not cancelled.is_active
    assert cancelled.deregistered_on == date(2024, 3, 31)
    blocked = client.get_gstin(master.BUYER_BLOCKED["gstin"])
    assert blocked.is_blocked and blocked.is_active
    assert client.get_gstin(master.BUYER_INACTIVE["gstin"]).status == "INA"


def test_gstin_lookup_errors(make_client):
    client = make_client()
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin("29ABCDE1234F1Z5")  # well formed, known nowhere
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["3001"]
    with pytest.raises(IrpError) as excinfo:
        client.sync_gstin("29ABCDE1234F1Z5")
    assert _codes(excinfo) == ["3001"]
    with pytest.raises(IrpError) as excinfo:
        client.get_gstin("NOT-A-GSTIN")
    assert _codes(excinfo) == ["3030"]


# --- e-way bills -----------------------------------------------------------------------------------------------

def _road(distance=0, **extra):
    return {"TransMode": "1", "Distance": distance, "VehNo": "KA01AB1234", "VehType": "R", **extra}


def test_ewaybill_by_irn_life_cycle(sandbox, make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for(buyer=master.BUYER_MH))
    ewb = client.generate_ewaybill({"Irn": generated.irn, **_road()})
    computed = rules.pin_distance(KA["pin"], master.BUYER_MH["pin"])
    assert ewb.distance == computed and len(ewb.ewb_no) == 12 and ewb.ewb_no.isdigit()
    assert ewb.info == [{"InfCd": "EWBPPD", "Desc": f"Pin-Pin calc distance: {computed}KM"}]
    assert ewb.ewb_date.tzinfo == timezone.utc and ewb.ewb_valid_till > ewb.ewb_date
    # a second one for the same IRN
    with pytest.raises(IrpError) as excinfo:
        client.generate_ewaybill({"Irn": generated.irn, **_road()})
    assert excinfo.value.kind == errors.DUPLICATE and _codes(excinfo) == ["4002"]
    details = client.get_ewaybill(generated.irn)
    assert (details.ewb_no, details.status, details.generator_gstin) == (ewb.ewb_no, "ACT", KA["gstin"])
    assert details.ewb_valid_till == ewb.ewb_valid_till
    assert client.get_irn(generated.irn).ewb_no == ewb.ewb_no
    cancelled = client.cancel_ewaybill(ewb.ewb_no, 3, "Data entry mistake")
    assert cancelled.ewb_no == ewb.ewb_no and cancelled.cancel_date.tzinfo == timezone.utc
    assert abs((cancelled.cancel_date - sandbox.now()).total_seconds()) < 120
    assert client.get_ewaybill(generated.irn).status == "CNL"
    with pytest.raises(IrpError) as excinfo:
        client.cancel_ewaybill(ewb.ewb_no, 3, "Again")
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["312"]
    # a new e-way bill may follow the cancelled one
    assert client.generate_ewaybill({"Irn": generated.irn, **_road()}).ewb_no != ewb.ewb_no


def test_ewaybill_distance_rules(make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for(buyer=master.BUYER_KA))
    buyer_pin = int(master.BUYER_KA["pin"])
    same_pin = {"Nm": "Local depot", "Addr1": "Sayyaji Rao Road", "Loc": "Mysuru", "Pin": buyer_pin, "Stcd": "29"}
    with pytest.raises(IrpError) as excinfo:
        client.generate_ewaybill({"Irn": generated.irn, **_road(0), "DispDtls": same_pin})
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["4029"]
    computed = rules.pin_distance(KA["pin"], buyer_pin)
    with pytest.raises(IrpError) as excinfo:
        client.generate_ewaybill({"Irn": generated.irn, **_road(int(computed * 1.5) + 10)})
    assert _codes(excinfo) == ["4013"]
    accepted = client.generate_ewaybill({"Irn": generated.irn, **_road(computed)})
    assert accepted.distance is None and accepted.info == []  # entered, not computed


def test_ewaybill_is_refused_for_a_credit_note(make_client, invoice_for, kit):
    client = make_client()
    number = kit.new_doc_no("R")
    invoice = client.generate_irn(invoice_for(doc_no=number))
    credit = client.generate_irn(invoice_for(doc_no=number, doc_type="CRN", RefDtls={
        "PrecDocDtls": [{"InvNo": number, "InvDt": invoice.invoice_data["DocDtls"]["Dt"]}]}))
    with pytest.raises(IrpError) as excinfo:
        client.generate_ewaybill({"Irn": credit.irn, **_road()})
    assert excinfo.value.kind == errors.DATA and "4010" in _codes(excinfo)


def test_ewaybill_failure_with_the_irn_is_reported_in_ewberr(make_client, invoice_for):
    client = make_client()
    result = client.generate_irn(invoice_for(EwbDtls={"TransMode": "1", "Distance": 0, "VehType": "R"}))
    assert result.irn and result.ewb_no is None  # the IRN stands, the e-way bill failed
    assert [error["code"] for error in result.ewb_errors] == ["4011"]


def test_ewaybill_lookup_errors(make_client, invoice_for):
    client = make_client()
    generated = client.generate_irn(invoice_for())
    with pytest.raises(IrpError) as excinfo:
        client.get_ewaybill(generated.irn)
    assert excinfo.value.kind == errors.DATA and _codes(excinfo) == ["4005"]
    with pytest.raises(IrpError) as excinfo:
        client.cancel_ewaybill(999999999999, 1, "Unknown")
    assert _codes(excinfo) == ["4007"]


# --- signatures --------------------------------------------------------------------------------------------------

def test_signature_by_a_foreign_certificate_is_never_returned(sandbox, make_client, invoice_for, kit):
    untrusting = make_client(signing_certificates=[kit.foreign_signer()[1].public_bytes(serialization.Encoding.PEM)])
    payload = invoice_for()
    before = sandbox.count_irns()
    with pytest.raises(ResponseSignatureError, match="unknown IRP key") as excinfo:
        untrusting.generate_irn(payload)
    # the IRN exists at the IRP: the error says which, so it can be recovered once the certificate is fixed
    assert sandbox.count_irns() == before + 1
    irn = excinfo.value.irn
    assert irn == crypto.irn_hash(KA["gstin"], payload["DocDtls"]["Dt"], "INV", payload["DocDtls"]["No"])
    assert excinfo.value.endpoint == "generate_irn" and excinfo.value.ack_no
    with pytest.raises(ResponseSignatureError):
        untrusting.get_irn(irn)
    trusting = make_client()
    assert trusting.get_irn_by_doc("INV", payload["DocDtls"]["No"], payload["DocDtls"]["Dt"]).irn == irn


def test_a_bundle_of_old_and_new_certificates_is_accepted(sandbox, make_client, invoice_for, kit):
    bundle = kit.foreign_signer()[1].public_bytes(serialization.Encoding.PEM) + sandbox.signing_certificate_pem
    assert make_client(signing_certificates=[bundle]).generate_irn(invoice_for()).irn


# --- the call log --------------------------------------------------------------------------------------------------

def test_every_exchange_is_logged_without_secrets(make_client, invoice_for):
    client = make_client()
    payload = invoice_for(buyer=master.BUYER_MH)
    generated = client.generate_irn(payload)
    ewb = client.generate_ewaybill({"Irn": generated.irn, **_road()})
    client.get_ewaybill(generated.irn)
    client.cancel_ewaybill(ewb.ewb_no, 1, "Duplicate")
    client.get_irn(generated.irn)
    client.get_irn_by_doc("INV", payload["DocDtls"]["No"], payload["DocDtls"]["Dt"])
    client.cancel_irn(generated.irn, "1", "Duplicate")
    client.get_gstin(master.BUYER_MH["gstin"])
    client.sync_gstin(master.BUYER_MH["gstin"])
    with pytest.raises(IrpError):
        client.cancel_irn(generated.irn, "1", "Duplicate")
    records = client.records
    assert [r.endpoint for r in records] == [
        "authenticate", "generate_irn", "generate_ewaybill", "get_ewaybill", "cancel_ewaybill", "get_irn",
        "get_irn_by_doc", "cancel_irn", "get_gstin", "sync_gstin", "cancel_irn"]
    state = client.session_state
    config = client.config
    secrets = [config.password, config.client_secret, state.auth_token, base64.b64encode(state.sek).decode()]
    for record in records:
        text = record.request_text + record.response_text + repr(record.request_headers) + str(record.error_message)
        for secret in secrets:
            assert secret not in text, (record.endpoint, secret[:4])
        assert record.gstin == KA["gstin"] and record.started_at.tzinfo == timezone.utc
        assert record.duration_ms > 0 and record.http_status == 200
        assert record.url_path.startswith("/e")
    assert [r.ok for r in records] == [True] * 10 + [False]
    assert records[-1].error_codes == ["9999"] and records[-1].error_kind == errors.DATA
    # what is logged is readable: the plain payload sent and the decrypted reply
    assert f'"No":"{payload["DocDtls"]["No"]}"' in records[1].request_text
    assert generated.irn in records[1].response_text and '"SignedQRCode"' in records[1].response_text
    assert records[4].request_text == f'{{"ewbNo":{ewb.ewb_no},"cancelRsnCode":1,"cancelRmrk":"Duplicate"}}'
    assert records[0].request_headers["client_secret"] == "***"
    assert records[1].request_headers["AuthToken"] == "***"
    assert records[0].response_text.count("***") == 2  # AuthToken and Sek


# --- configuration: GSP-style base URL and headers, connection reuse -------------------------------------------

def test_extra_headers_are_sent_and_masked(make_client):
    client = make_client(extra_headers={"X-Gsp-Token": "gsp-token-123", "X-Route": "nic1"})
    client.get_gstin(master.BUYER_KA["gstin"])
    for record in client.records:
        # every extra header is masked: which of a GSP's headers are secret is not ours to guess
        assert record.request_headers["X-Gsp-Token"] == "***" and record.request_headers["X-Route"] == "***"
        assert record.request_headers["Content-Type"] == "application/json"
    assert client.records[1].request_headers["user_name"] == "kaveri_api"
    assert "user_name" not in client.records[0].request_headers  # not part of the auth headers (§2)


def test_a_wrong_base_path_is_a_clear_error_not_a_retry(sandbox, make_client):
    client = make_client(base_url=sandbox.url + "/gsp/einv/v1.03/nic1/")
    with pytest.raises(IrpError, match="HTTP 404") as excinfo:
        client.authenticate()
    assert excinfo.value.kind == errors.DATA and excinfo.value.http_status == 404
    assert client.records[0].url_path == "/eivital/v1.04/auth"


def test_each_thread_reuses_its_own_http_session(make_client, invoice_for):
    client = make_client()
    for _ in range(3):
        client.get_gstin(master.BUYER_KA["gstin"])
    assert len(client._own_sessions) == 1
    threads = [threading.Thread(target=lambda: client.get_gstin(master.BUYER_MH["gstin"])) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(client._own_sessions) == 5
    client.close()
    assert client._own_sessions == []
    assert client.get_gstin(master.BUYER_KA["gstin"]).status == "ACT"  # usable again after close()


def test_fetch_sandbox_keys_gives_working_keys(sandbox, make_client, invoice_for):
    from irp.client import fetch_sandbox_keys

    encryption, signing = fetch_sandbox_keys(sandbox.url)
    client = make_client(encryption_public_key=encryption, signing_certificates=[signing])
    assert client.generate_irn(invoice_for()).irn


def test_fetch_sandbox_keys_from_nowhere_is_an_irp_error():
    import socket

    from irp.client import fetch_sandbox_keys

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(IrpError, match="does not answer"):
        fetch_sandbox_keys(f"http://127.0.0.1:{port}", timeout=2)
