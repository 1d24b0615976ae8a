"""EwbClient without a server: envelope, crypto, error parsing, auth and token reuse,
masking of secrets in the call log, hmac checks. The fake (conftest.FakeEwb) speaks
nic-ewb-api.md §3-§5 with irp/'s crypto primitives."""
import base64
import json
import os
from datetime import timedelta

import pytest

from irp import crypto, ewb_envelope, ewb_errors
from irp.errors import AUTH, DATA, DUPLICATE, TRANSIENT, UNKNOWN_OUTCOME
from irp.ewb_client import BASE_URLS, ENDPOINTS, EwbConfig
from irp.ewb_errors import NOT_FOUND, EwbError, UntrustedReply
from irp.rules_calendar import Calendar


# --- envelope and crypto ------------------------------------------------------------------------

def test_error_is_base64_json_with_comma_separated_codes():
    encoded = base64.b64encode(b'{"errorCodes":"312,315,"}').decode()
    assert [e["code"] for e in ewb_envelope.parse_error(encoded)] == ["312", "315"]
    assert ewb_envelope.parse_error(base64.b64encode(b'{"errorCodes":108}').decode())[0]["code"] == "108"
    assert ewb_envelope.parse_error({"errorCodes": "238"})[0]["code"] == "238"  # plain JSON too
    assert ewb_envelope.parse_error(None) == []


@pytest.mark.parametrize("status, ok", [("1", True), (1, True), ("0", False), (0, False)])
def test_status_as_string_or_number(status, ok):
    envelope = ewb_envelope.parse_envelope({"status": status, "data": "x", "error": None})
    assert envelope.ok is ok


def test_error_envelope_is_not_ok_even_without_status():
    envelope = ewb_envelope.parse_envelope(ewb_envelope.error_body("604"))
    assert not envelope.ok and envelope.errors[0]["code"] == "604"


def test_auth_data_is_rsa_of_base64_json(ewb_fake):
    public = crypto.load_public_key(ewb_fake.public_pem)
    app_key = os.urandom(32)
    data = ewb_envelope.build_auth_data(public, "u1", "p1", app_key)
    inner = ewb_envelope.open_auth_data(ewb_fake.private_key, data)
    assert inner == {"action": "ACCESSTOKEN", "username": "u1", "password": "p1",
                     "app_key": base64.b64encode(app_key).decode()}


def test_get_reply_needs_the_right_hmac():
    sek, rek = os.urandom(32), os.urandom(32)
    sealed = ewb_envelope.seal_get_reply(sek, rek, {"ewbNo": 123})
    envelope = ewb_envelope.parse_envelope(sealed)
    assert ewb_envelope.open_get_reply(sek, envelope)[0] == {"ewbNo": 123}
    tampered = ewb_envelope.parse_envelope(dict(sealed, hmac=base64.b64encode(b"0" * 32).decode()))
    with pytest.raises(ewb_envelope.IntegrityError):
        ewb_envelope.open_get_reply(sek, tampered)
    no_hmac = ewb_envelope.parse_envelope({k: v for k, v in sealed.items() if k != "hmac"})
    with pytest.raises(ewb_envelope.IntegrityError):
        ewb_envelope.open_get_reply(sek, no_hmac)
    other_data = dict(sealed, data=crypto.encrypt_json(rek, {"ewbNo": 999}))
    with pytest.raises(ewb_envelope.IntegrityError):
        ewb_envelope.open_get_reply(sek, ewb_envelope.parse_envelope(other_data))


# --- error catalogue ------------------------------------------------------------------------------

@pytest.mark.parametrize("code, kind", [
    ("604", DUPLICATE), ("238", AUTH), ("108", AUTH), ("240", TRANSIENT), ("658", TRANSIENT),
    ("325", NOT_FOUND), ("820", DATA), ("382", DATA), ("999999", DATA)])
def test_catalogue_kinds(code, kind):
    assert ewb_errors.kind_of(code) == kind


def test_classify_prefers_duplicate_then_data_over_not_found():
    assert ewb_errors.classify(["325", "604"]) == DUPLICATE
    assert ewb_errors.classify(["325", "301"]) == DATA
    assert ewb_errors.classify(["325"]) == NOT_FOUND


def test_error_words_and_kinds():
    error = EwbError(kind=NOT_FOUND, errors=[{"code": "325", "message": ""}], endpoint="ewb_get")
    assert error.kind == NOT_FOUND and error.codes == ["325"]
    assert "325: The e-way bill system has no data" in str(error)
    assert str(EwbError(errors=[{"code": "4242", "message": ""}])).startswith("4242: no explanation known")
    with pytest.raises(ValueError):
        EwbError(kind="nonsense")


# --- config ---------------------------------------------------------------------------------------

def test_environment_base_urls(ewb_fake):
    sandbox = EwbConfig.for_environment("sandbox", gstin="g", client_id="c", client_secret="s", username="u",
                                        password="p", public_key=ewb_fake.public_pem)
    assert sandbox.base_url.endswith("/ewaybillapi/v1.03")
    assert BASE_URLS["production"] == "https://api.ewaybillgst.gov.in/v1.03"
    assert "password" not in repr(sandbox) and "p'" not in repr(sandbox)
    with pytest.raises(ValueError):
        EwbConfig.for_environment("staging")


def test_unusable_public_key_is_an_auth_problem(ewb_fake):
    with pytest.raises(EwbError) as excinfo:
        ewb_fake.client(config={"public_key": "not a key"})
    assert excinfo.value.kind == AUTH


# --- auth and session -----------------------------------------------------------------------------

def test_auth_headers_and_token_reuse(ewb_fake):
    client = ewb_fake.client()
    client.generate(ewb_fake.payload())
    client.generate(ewb_fake.payload())
    assert ewb_fake.calls == ["ACCESSTOKEN", "GENEWAYBILL", "GENEWAYBILL"]
    auth_headers, call_headers = ewb_fake.headers_seen[0], ewb_fake.headers_seen[1]
    assert auth_headers["client-id"] == "cid" and auth_headers["client-secret"] == "csecret-1234"
    assert auth_headers["gstin"] == ewb_fake.GSTIN and "authtoken" not in auth_headers
    assert call_headers["authtoken"].startswith("tok1")
    state = client.session_state
    assert "tok" not in repr(state)


def test_token_is_kept_six_hours_then_renewed(ewb_fake, kit):
    clock = kit.ManualClock()
    client = ewb_fake.client(clock=clock)
    client.authenticate()
    assert client.session_state.expires_at == clock.now + timedelta(hours=6)
    clock.advance(hours=5, minutes=59)  # no early refresh: NIC would hand back the same token
    client.generate(ewb_fake.payload())
    assert ewb_fake.auth_count == 1
    clock.advance(minutes=2)  # our count of 6 hours is over: renewed before the call
    client.generate(ewb_fake.payload())
    assert ewb_fake.auth_count == 2


def test_wrong_password_is_an_auth_error(ewb_fake):
    client = ewb_fake.client(config={"password": "wrong"})
    with pytest.raises(EwbError) as excinfo:
        client.authenticate()
    assert excinfo.value.kind == AUTH and excinfo.value.codes == ["108"]
    assert "108: " in str(excinfo.value)


def test_238_reauthenticates_once_and_retries(ewb_fake):
    client = ewb_fake.client()
    client.authenticate()
    ewb_fake.tokens.clear()  # another installation took the token over
    result = client.generate(ewb_fake.payload())
    assert result.ewb_no
    assert ewb_fake.calls == ["ACCESSTOKEN", "GENEWAYBILL", "ACCESSTOKEN", "GENEWAYBILL"]


def test_238_twice_is_given_up(ewb_fake):
    client = ewb_fake.client()
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "error", "codes": "238", "times": 2}]
    with pytest.raises(EwbError) as excinfo:
        client.generate(ewb_fake.payload())
    assert excinfo.value.codes == ["238"] and excinfo.value.kind == AUTH
    assert ewb_fake.calls.count("ACCESSTOKEN") == 2 and ewb_fake.calls.count("GENEWAYBILL") == 2


# --- actions -------------------------------------------------------------------------------------

def test_generate_and_get_typed_results(ewb_fake):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    generated = client.generate(payload)
    assert len(generated.ewb_no) == 12 and generated.ewb_date and generated.valid_until
    assert generated.distance == 120  # NIC's PIN-to-PIN distance from the alert (0 was sent)
    bill = client.get(generated.ewb_no)
    assert bill.ewb_no == generated.ewb_no and bill.is_active and bill.doc_no == payload["docNo"]
    assert bill.total_value == 59000 and bill.distance == 120 and bill.from_gstin == ewb_fake.GSTIN
    assert bill.current_part_b.vehicle_no == "KA01AB1234" and bill.current_part_b.trans_mode == "1"
    assert bill.valid_until == generated.valid_until


def test_status_as_integer_is_accepted(ewb_fake):
    ewb_fake.status_as_int = True
    assert ewb_fake.client().generate(ewb_fake.payload()).ewb_no


def test_part_a_only_has_no_validity(ewb_fake):
    generated = ewb_fake.client().generate(ewb_fake.payload(vehicleNo="", transMode="", transporterId="29AAACK4521F1ZS"))
    assert generated.valid_until is None


def test_part_b_history_and_other_actions(ewb_fake):
    client = ewb_fake.client()
    number = client.generate(ewb_fake.payload()).ewb_no
    updated = client.update_part_b(number, vehicle_no="KA05MN4321", from_place="Hassan", from_state=29,
                                   reason_code=1, reason_remark="Break down")
    assert updated.ewb_no == number and updated.updated_at and updated.valid_until
    bill = client.get(number)
    assert [entry.vehicle_no for entry in bill.part_b] == ["KA01AB1234", "KA05MN4321"]
    assert bill.current_part_b.describes(vehicle_no="ka 05 mn 4321")
    moved = client.update_transporter(number, "29AWGPV7107B1ZF")
    assert moved.transporter_id == "29AWGPV7107B1ZF" and moved.updated_at
    from irp.ewb_client import extend_payload
    extended = client.extend(extend_payload(number, from_place="Hassan", from_state=29, from_pincode=573201,
                                            remaining_distance=50, reason_code=5, remarks="Accident",
                                            vehicle_no="KA05MN4321"))
    assert extended.valid_until and client.get(number).extended_times == 1
    cancelled = client.cancel(number, 2, "Order cancelled")
    assert cancelled.ewb_no == number and cancelled.cancel_date
    assert client.get(number).is_cancelled
    with pytest.raises(EwbError) as excinfo:
        client.cancel(number, 2, "Order cancelled")
    assert excinfo.value.codes == ["312"]


def test_cancel_refused_locally_sends_nothing(ewb_fake):
    client = ewb_fake.client()
    with pytest.raises(EwbError) as excinfo:
        client.cancel("12345", 7, "")
    assert excinfo.value.local and {p.key for p in excinfo.value.problems} >= {"ewb_number_invalid",
                                                                                  "ewb_reason_invalid"}
    assert ewb_fake.calls == []


def test_close_is_refused_while_the_switch_is_off(ewb_fake):
    client = ewb_fake.client()
    with pytest.raises(EwbError) as excinfo:
        client.close("331000000001", ewb_fake.now.date(), "Delivered")
    assert excinfo.value.local and excinfo.value.kind == DATA
    assert [p.key for p in excinfo.value.problems] == ["ewb_closure_not_available"]
    assert "switched off" in str(excinfo.value) and ewb_fake.calls == []
    on = ewb_fake.client(calendar=Calendar({"ewb_voluntary_closure": True}))
    closed = on.close("331000000001", ewb_fake.now.date(), "Delivered", today=ewb_fake.now.date())
    assert closed.ewb_no == "331000000001" and ewb_fake.calls[-1] == "CLOSEEWB"


def test_get_by_document_not_found(ewb_fake):
    with pytest.raises(EwbError) as excinfo:
        ewb_fake.client().get_by_document("INV", "NOPE1")
    assert excinfo.value.kind == NOT_FOUND and excinfo.value.codes == ["325"]


@pytest.mark.parametrize("fault", ["bad_hmac", "no_hmac"])
def test_an_untrusted_get_reply_is_never_accepted(ewb_fake, fault):
    client = ewb_fake.client()
    number = client.generate(ewb_fake.payload()).ewb_no
    ewb_fake.faults = [{"on": "GetEwayBill", "kind": fault}]
    with pytest.raises(UntrustedReply) as excinfo:
        client.get(number)
    assert excinfo.value.kind == TRANSIENT and "not accepted" in str(excinfo.value)
    assert not client.records[-1].ok
    assert client.get(number).ewb_no == number  # the next honest reply is


def test_lost_reply_kinds(ewb_fake):
    client = ewb_fake.client()
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "timeout_after_commit"}]
    with pytest.raises(EwbError) as excinfo:
        client.generate(ewb_fake.payload())
    assert excinfo.value.kind == UNKNOWN_OUTCOME
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "http_error", "status": 502}]
    with pytest.raises(EwbError) as excinfo:
        client.generate(ewb_fake.payload())
    assert excinfo.value.kind == UNKNOWN_OUTCOME and excinfo.value.http_status == 502
    ewb_fake.faults = [{"on": "GetEwayBill", "kind": "timeout"}]
    with pytest.raises(EwbError) as excinfo:
        client.get("331000000001")
    assert excinfo.value.kind == TRANSIENT  # a read changes nothing


@pytest.mark.parametrize("status, kind, words", [
    (429, TRANSIENT, "HTTP 429: rate limit reached"),
    (503, UNKNOWN_OUTCOME, "HTTP 503: the e-way bill system unavailable"),  # may come after a commit
    (302, DATA, "the e-way bill API URL redirects"),
    (401, AUTH, "HTTP 401 from the e-way bill system"),
    (404, DATA, "HTTP 404 from the e-way bill system"),
    (408, TRANSIENT, "HTTP 408 from the e-way bill system"),  # it gave up waiting: nothing done, retried
])
def test_http_refusals_in_the_e_way_bill_systems_words(ewb_fake, status, kind, words):
    # the HTTP skeleton is shared with the IRP client (transport.py): the kinds are its, the words ours
    client = ewb_fake.client()
    ewb_fake.faults = [{"on": "GENEWAYBILL", "kind": "http_error", "status": status}]
    with pytest.raises(EwbError) as excinfo:
        client.generate(ewb_fake.payload())
    assert excinfo.value.kind == kind and excinfo.value.http_status == status
    assert words in str(excinfo.value)
    assert client.records[-1].error_kind == kind and not client.records[-1].ok


def test_duplicate_on_generate(ewb_fake):
    client = ewb_fake.client()
    payload = ewb_fake.payload()
    client.generate(payload)
    with pytest.raises(EwbError) as excinfo:
        client.generate(dict(payload, docNo=payload["docNo"].lower()))
    assert excinfo.value.kind == DUPLICATE and excinfo.value.codes == ["604"]


# --- the call log -----------------------------------------------------------------------------------

def test_every_call_is_logged_with_secrets_masked(ewb_fake):
    client = ewb_fake.client()
    number = client.generate(ewb_fake.payload()).ewb_no
    client.get(number)
    records = client.records
    assert [r.endpoint for r in records] == ["ewb_auth", "ewb_generate", "ewb_get"]
    assert all(r.gstin == ewb_fake.GSTIN and r.ok for r in records)
    assert records[2].url_path == f"/ewayapi/GetEwayBill?ewbNo={number}"
    token = next(iter(ewb_fake.tokens))
    everything = json.dumps([[r.request_text, r.response_text, r.request_headers, r.error_message]
                             for r in records])
    for secret in (ewb_fake.PASSWORD, "csecret-1234", token):
        assert secret not in everything
    auth = json.loads(records[0].response_text)
    assert auth["authtoken"] == "***" and auth["sek"] == "***"
    assert json.loads(records[0].request_text)["app_key"] == "***"
    get = json.loads(records[2].response_text)
    assert get["rek"] == "***" and get["data"]["ewbNo"] == int(number)  # data in clear, keys masked
    assert json.loads(records[1].request_text)["action"] == "GENEWAYBILL"
    assert records[1].request_headers["authtoken"] == "***"


def test_endpoint_names_and_actions():
    assert ENDPOINTS["ewb_generate"][2] == "GENEWAYBILL" and ENDPOINTS["ewb_update_part_b"][2] == "VEHEWB"
    assert ENDPOINTS["ewb_get"][:2] == ("GET", "/ewayapi/GetEwayBill")


# --- results -----------------------------------------------------------------------------------------

def test_part_b_history_is_kept_oldest_first_even_with_equal_minutes():
    from irp.ewb_results import EwbBill
    same = "03/12/2026 06:18:00 AM"
    bill = EwbBill.from_data({"ewbNo": 381000000001, "status": "ACT", "VehiclListDetails": [  # NIC: newest first
        {"vehicleNo": "KA05MN4321", "enteredDate": same}, {"vehicleNo": "KA01AB1234", "enteredDate": same},
        {"vehicleNo": "KA09ZZ0001", "enteredDate": "02/12/2026 11:00:00 PM"}]})
    assert [entry.vehicle_no for entry in bill.part_b] == ["KA09ZZ0001", "KA01AB1234", "KA05MN4321"]
    assert bill.current_part_b.vehicle_no == "KA05MN4321"


def test_closed_is_read_from_any_hint():
    from irp.ewb_results import EwbBill
    assert not EwbBill.from_data({"ewbNo": 1, "status": "ACT"}).is_closed
    assert EwbBill.from_data({"ewbNo": 1, "status": "ACT", "closed": "Y"}).is_closed
    assert EwbBill.from_data({"ewbNo": 1, "status": "CLS"}).is_closed
    assert not EwbBill.from_data({"ewbNo": 1, "status": "CNL"}).is_closed
