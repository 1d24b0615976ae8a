"""irp.errors, irp.results, irp.session and the client's parsing, without a sandbox.

Envelopes are rebuilt from genuine NIC sandbox replies (india-compliance fixtures,
which keep NIC's decrypted Data and InfoDtls) and genuine signed tokens are checked
with the real NIC keys; transport failures use real sockets on loopback.
"""
import base64
import re
import socket
import threading
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from irp import client as client_module
from irp import crypto, errors, results
from irp.client import IrpClient, IrpConfig, build_irn_result, mask, parse_envelope, parse_retry_after
from irp.errors import IrpError, ResponseSignatureError
from irp.session import MemorySessionStore, SessionManager, SessionState

EDC57DE1_KEY = "DERIVED_nic_irp_sandbox_signing_kidEDC57DE1__recovered.pem"
EDC57DE1_KID = "EDC57DE1358B300BA9F79340A6696831F3C85047"
UTC = timezone.utc


def _nic_envelope(sek, sample_response):
    """The raw NIC envelope behind an india-compliance {success, message, result, info} wrapper."""
    if sample_response.get("success"):
        return {"Status": 1, "Data": crypto.encrypt_json(sek, sample_response["result"]), "ErrorDetails": None,
                "InfoDtls": sample_response.get("info")}
    code = sample_response["error_code"]
    return {"Status": 0, "Data": None,
            "ErrorDetails": [{"ErrorCode": code, "ErrorMessage": sample_response["message"].split(":", 1)[1].strip()}],
            "InfoDtls": sample_response.get("result")}


# --- error catalogue ------------------------------------------------------------------------------------

def _documented_codes(text):
    """Every code in the code columns of the §8 tables of the protocol notes (ranges expanded,
    the portal-only range left out)."""
    section = text[text.index("## 8. Error codes"):text.index("## 9.")]
    codes = set()
    for line in section.splitlines():
        if not line.startswith("|") or "not needed for the API simulator" in line:
            continue
        for cell in line.strip("|").split("|"):
            cell = cell.strip()
            if re.fullmatch(r"\d{4}\s*[–-]\s*\d{4}", cell):
                start, end = re.findall(r"\d{4}", cell)
                codes.update(str(c) for c in range(int(start), int(end) + 1))
            elif re.fullmatch(r"\d{4}(\s*/\s*\d{4})*", cell):
                codes.update(re.findall(r"\d{4}", cell))
    return codes


def test_catalogue_covers_every_code_of_the_protocol_notes(shared_data):
    notes = shared_data.parent / "nic-irp-api.md"
    codes = _documented_codes(notes.read_text())
    assert {"1004", "1005", "1011", "1012", "2150", "2278", "3028", "4002", "5001", "5003", "9999", "2214",
            "2215", "2217", "4040"} <= codes
    assert len(codes) > 180
    missing = sorted(codes - set(errors.CATALOGUE))
    assert not missing, f"codes of nic-irp-api.md §8 without a meaning: {missing}"
    for code, (kind, meaning) in errors.CATALOGUE.items():
        assert kind in errors.KINDS and len(meaning) > 10 and "{0}" not in meaning, code


@pytest.mark.parametrize("codes, kind", [
    (["1005"], errors.AUTH), (["1004"], errors.AUTH), (["1019"], errors.AUTH), (["1010", "1011"], errors.AUTH),
    (["2150"], errors.DUPLICATE), (["2295"], errors.DUPLICATE), (["4002"], errors.DUPLICATE),
    (["4026"], errors.DUPLICATE), (["5001"], errors.TRANSIENT), (["5002"], errors.TRANSIENT),
    (["2146"], errors.TRANSIENT), (["2147"], errors.TRANSIENT), (["SYS_5001"], errors.TRANSIENT),
    (["2176", "2189"], errors.DATA), (["2270"], errors.DATA), (["9999"], errors.DATA), (["3028"], errors.DATA),
    (["4242"], errors.DATA), ([], errors.DATA),
    # a data error beside a transient one: resending unchanged would fail again
    (["5001", "2176"], errors.DATA),
    # the document exists whatever else is said
    (["2189", "2150"], errors.DUPLICATE),
])
def test_classify(codes, kind):
    assert errors.classify(codes) == kind


def test_explain_completes_terse_nic_texts():
    assert errors.explain("2150", "2150 : Duplicate IRN") == \
        "2150: Duplicate IRN (An IRN was already generated for this document number)"
    assert errors.explain("1005", "Invalid Token") .startswith("1005: Invalid Token (Invalid or expired token")
    assert errors.explain("2176", "") == "2176: HSN code unknown to the IRP master"
    long_text = "HSN code(s) 12345678 is invalid, please check the HSN master and correct it"
    assert errors.explain("2176", long_text) == f"2176: {long_text}"
    assert errors.explain("7777", "Something odd") == "7777: Something odd"


def test_irp_error_exposes_codes_duplicate_and_a_readable_message(einvoice_samples):
    sample = einvoice_samples["duplicate_irn"]["response_data"]
    envelope = parse_envelope(_nic_envelope(bytes(32), sample))
    error = IrpError(kind=errors.classify([e["code"] for e in envelope.errors]), errors=envelope.errors,
                     info=envelope.info, http_status=200, endpoint="generate_irn")
    assert error.kind == errors.DUPLICATE
    assert error.codes == ["2150"]
    assert error.duplicate == {"AckDt": "2023-10-02 16:26:00", "AckNo": 232210036743849,
                               "Irn": "706daeccda0ef6f818da78f3a2a05a1288731057373002289b46c3229289a2e7"}
    assert str(error).startswith("2150: Duplicate IRN")
    assert "kind='duplicate'" in repr(error)
    # Desc given as JSON text and lower-case keys are understood too
    lowered = IrpError(kind=errors.DUPLICATE, info=[{"infCd": "DUPIRNGLP", "desc": '{"Irn": "abc", "AckNo": 1}'}])
    assert lowered.duplicate == {"Irn": "abc", "AckNo": 1}
    assert IrpError(kind=errors.DATA, info=[{"InfCd": "EWBPPD", "Desc": "x"}]).duplicate is None
    with pytest.raises(ValueError):
        IrpError(kind="fatal")


def test_irp_error_joins_all_messages():
    error = IrpError("Sent nothing", kind=errors.DATA, errors=[
        {"code": "2176", "message": "Invalid HSN code(s) 1234"}, {"code": "2189", "message": ""}])
    assert str(error) == ("Sent nothing; 2176: Invalid HSN code(s) 1234 (HSN code unknown to the IRP master); "
                          "2189: Invalid total invoice value (must equal the sum of its parts within 1 rupee)")
    assert IrpError(kind=errors.TRANSIENT).retryable and str(IrpError(kind=errors.TRANSIENT)) == \
        "IRP call failed (transient)"


# --- envelope -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["goods_item_with_ewaybill", "service_item", "return_invoice", "debit_invoice",
                                  "cancel_e_invoice", "cancel_e_waybill", "get_e_invoice_by_irn"])
def test_envelope_of_genuine_success_replies(einvoice_samples, name):
    sek = crypto.new_app_key()
    sample = einvoice_samples[name]["response_data"]
    envelope = parse_envelope(_nic_envelope(sek, sample))
    assert envelope.ok and not envelope.errors
    assert envelope.info == (sample.get("info") or [])
    assert crypto.decrypt_json(sek, envelope.data) == sample["result"]


def test_envelope_accepts_string_status_and_lower_case_keys():
    ok = parse_envelope({"status": "1", "data": "QUJD", "errorDetails": None, "infoDtls": None})
    assert ok.ok and ok.data == "QUJD" and ok.errors == [] and ok.info == []
    failed = parse_envelope({"status": "0", "errordetails": [{"errorcode": "2150", "errormessage": "Duplicate IRN"}],
                             "infodtls": {"InfCd": "DUPIRN", "Desc": {"Irn": "x"}}})
    assert not failed.ok
    assert failed.errors == [{"code": "2150", "message": "Duplicate IRN"}]
    assert failed.info == [{"InfCd": "DUPIRN", "Desc": {"Irn": "x"}}]
    assert not parse_envelope({"Status": 0, "ErrorDetails": None}).ok
    with pytest.raises(ValueError):
        parse_envelope(["not", "an", "object"])


def test_envelope_error_details_in_other_documented_shapes():
    as_base64 = base64.b64encode(b'[{"ErrorCode":"2172","ErrorMessage":"IGST not applicable"}]').decode()
    assert parse_envelope({"Status": 0, "ErrorDetails": as_base64}).errors == [
        {"code": "2172", "message": "IGST not applicable"}]
    numeric = parse_envelope({"Status": 0, "ErrorDetails": [{"ErrorCode": 5001, "ErrorMessage": "App error"}]})
    assert numeric.errors == [{"code": "5001", "message": "App error"}]
    # e-way bill system style (the cancel e-way bill API): {"status":"0","error":{"errorCodes":"312,"}}
    ewb_style = base64.b64encode(b'{"errorCodes":"312,315"}').decode()
    assert [e["code"] for e in parse_envelope({"status": "0", "error": ewb_style}).errors] == ["312", "315"]
    several = parse_envelope({"Status": 0, "ErrorDetails": [
        {"ErrorCode": "2176", "ErrorMessage": "a"}, {"ErrorCode": "2189", "ErrorMessage": "b"}]})
    assert [e["code"] for e in several.errors] == ["2176", "2189"]


# --- signed results from genuine replies ----------------------------------------------------------------------

def test_genuine_generate_reply_becomes_a_verified_result(einvoice_samples, nic_keys):
    sample = einvoice_samples["goods_item_with_ewaybill"]["response_data"]
    ring = crypto.SigningKeyring.from_pems(nic_keys[EDC57DE1_KEY])
    result = build_irn_result(sample["result"], sample["info"], ring, "generate_irn")
    assert result.irn == "706daeccda0ef6f818da78f3a2a05a1288731057373002289b46c3229289a2e7"
    assert result.ack_no == "232210036743849"
    assert result.ack_date == datetime(2022, 9, 16, 13, 59, tzinfo=UTC)  # 19:29 IST
    assert result.ewb_no == "391009149369"
    assert result.ewb_valid_till == datetime(2022, 9, 29, 18, 29, tzinfo=UTC)
    assert result.status == "ACT"
    assert result.invoice_data["DocDtls"] == {"Typ": "INV", "No": "SINV-CFY-00067", "Dt": "16/09/2022"}
    assert result.qr_data["MainHsnCode"] == "61149090" and result.qr_data["ItemCnt"] == 1
    assert result.buyer_gstin == "36AMBPG7773M002" and result.total_value == result.qr_data["TotInvVal"]
    assert results.distance_from(result.info) == 2467


def test_genuine_ewb_error_info_is_exposed(einvoice_samples, nic_keys):
    sample = einvoice_samples["service_item"]["response_data"]
    ring = crypto.SigningKeyring.from_pems(nic_keys[EDC57DE1_KEY])
    result = build_irn_result(sample["result"], sample["info"], ring)
    assert result.ewb_no is None and result.ewb_date is None
    assert result.ewb_errors == [{"code": "4019",
                                  "message": "Provide Transporter ID in order to generate Part A of e-Way Bill"}]


def test_result_for_another_document_is_refused(einvoice_samples, nic_keys):
    """The fixture's request (test_invoice_no) is not the document NIC signed (SINV-CFY-00067)."""
    sample = einvoice_samples["goods_item_with_ewaybill"]
    ring = crypto.SigningKeyring.from_pems(nic_keys[EDC57DE1_KEY])
    request = sample["request_data"]
    with pytest.raises(ResponseSignatureError, match="is for No 'SINV-CFY-00067', not 'test_invoice_no'") as info:
        build_irn_result(sample["response_data"]["result"], [], ring, "generate_irn",
                         expect={"Typ": "INV", "No": request["DocDtls"]["No"]})
    assert info.value.irn == "706daeccda0ef6f818da78f3a2a05a1288731057373002289b46c3229289a2e7"
    assert info.value.ack_no == "232210036743849" and info.value.endpoint == "generate_irn"
    assert isinstance(info.value, crypto.SignatureError)


def test_result_whose_signed_invoice_is_for_another_irn_is_refused(einvoice_samples, nic_keys):
    """india-compliance's get-by-IRN fixture pairs IRN 706dae... with the signed invoice of 2ecc42...:
    both signatures are genuine, the pairing is not."""
    sample = einvoice_samples["get_e_invoice_by_irn"]["response_data"]["result"]
    ring = crypto.SigningKeyring()
    ring.add(nic_keys[EDC57DE1_KEY], kid=EDC57DE1_KID)
    ring.add(nic_keys["DERIVED_nic_irp_sandbox_signing_kid1513B821__recovered.pem"],
             kid="1513B821EE46C749A63B86E318BF711099287D1F")
    with pytest.raises(ResponseSignatureError, match="for another IRN"):
        build_irn_result(sample, [], ring, "get_irn")


def test_result_with_an_unknown_signing_key_is_refused(einvoice_samples, nic_keys):
    sample = einvoice_samples["goods_item_with_ewaybill"]["response_data"]["result"]
    ring = crypto.SigningKeyring.from_pems(nic_keys["einv_sandbox.cer"])
    with pytest.raises(ResponseSignatureError, match=f"unknown IRP key \\(kid {EDC57DE1_KID}\\)"):
        build_irn_result(sample, [], ring)
    tampered = dict(sample, SignedQRCode=sample["SignedQRCode"][:-3] + "AAA")
    with pytest.raises(ResponseSignatureError, match="does not verify"):
        build_irn_result(tampered, [], crypto.SigningKeyring.from_pems(nic_keys[EDC57DE1_KEY]))
    with pytest.raises(ResponseSignatureError, match="lacks"):
        build_irn_result(dict(sample, SignedQRCode=None), [], crypto.SigningKeyring.from_pems(nic_keys[EDC57DE1_KEY]))


# --- results helpers ---------------------------------------------------------------------------------------------

def test_ist_texts_become_utc():
    assert results.parse_ist("2022-09-16 19:29:00") == datetime(2022, 9, 16, 13, 59, tzinfo=UTC)
    assert results.parse_ist("2024-04-01 00:10:00") == datetime(2024, 3, 31, 18, 40, tzinfo=UTC)
    # e-way bill system style, 12-hour clock (cancel e-way bill reply)
    assert results.parse_ist("20/09/2022 12:10:00 PM") == datetime(2022, 9, 20, 6, 40, tzinfo=UTC)
    assert results.parse_ist("26/02/2024 11:59:00 PM") == datetime(2024, 2, 26, 18, 29, tzinfo=UTC)
    assert results.parse_ist(None) is None and results.parse_ist("") is None
    with pytest.raises(ValueError):
        results.parse_ist("yesterday")
    assert results.format_ist(datetime(2022, 9, 16, 13, 59, tzinfo=UTC)) == "2022-09-16 19:29:00"


def test_doc_dates_and_numbers():
    assert results.format_doc_date(date(2024, 4, 1)) == "01/04/2024"
    assert results.format_doc_date("01/04/2024") == "01/04/2024"
    with pytest.raises(ValueError):
        results.format_doc_date("2024-04-01")
    assert results.parse_date("2017-07-01") == date(2017, 7, 1)
    assert results.number_text(232210036743849) == "232210036743849"
    assert results.number_text(391009149369.0) == "391009149369"
    assert results.number_text(None) is None


def test_distance_from_irp_messages():
    assert results.distance_from([{"InfCd": "EWBPPD", "Desc": "Pin-Pin calc distance: 2467KM"}]) == 2467
    assert results.distance_from([], ", Distance between these two pincodes is 120, ") == 120
    assert results.distance_from([{"InfCd": "EWBERR", "Desc": [{"ErrorCode": "4019"}]}]) is None


# --- masking and Retry-After -----------------------------------------------------------------------------------

def test_mask_hides_every_secret_key_at_any_depth():
    masked = mask({"Status": 1, "Data": {"ClientId": "c", "UserName": "u", "AuthToken": "tok", "Sek": "s",
                                         "TokenExpiry": "2024-01-01 10:00:00"},
                   "nested": [{"password": "p", "AppKey": "k", "client_secret": "cs", "keep": "v"}]})
    assert masked == {"Status": 1, "Data": {"ClientId": "c", "UserName": "u", "AuthToken": "***", "Sek": "***",
                                            "TokenExpiry": "2024-01-01 10:00:00"},
                      "nested": [{"password": "***", "AppKey": "***", "client_secret": "***", "keep": "v"}]}
    headers = client_module.mask_headers({"client_id": "id", "client_secret": "s", "AuthToken": "t",
                                           "Gstin": "g", "X-Api-Key": "k", "Authorization": "Bearer x"})
    assert headers == {"client_id": "id", "client_secret": "***", "AuthToken": "***", "Gstin": "g",
                       "X-Api-Key": "***", "Authorization": "***"}


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# --- session manager ---------------------------------------------------------------------------------------------

class _Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


class _Authenticator:
    """Issues tokens like the IRP: a new one per call, valid `minutes` from the clock."""

    def __init__(self, clock, minutes=60, fail_with=None):
        self.clock, self.minutes, self.fail_with = clock, minutes, fail_with
        self.calls = []
        self._lock = threading.Lock()

    def __call__(self, force_refresh):
        with self._lock:
            self.calls.append(force_refresh)
            number = len(self.calls)
        time.sleep(0.01)  # widen the window in which other threads would authenticate too
        if self.fail_with:
            raise self.fail_with
        return SessionState(auth_token=f"token-{number}", sek=bytes([number]) * 32,
                            expires_at=self.clock() + timedelta(minutes=self.minutes), user_name="u", gstin="G")


def test_session_is_reused_then_refreshed_in_the_last_ten_minutes():
    clock = _Clock(datetime(2025, 1, 1, 10, 0, tzinfo=UTC))
    auth = _Authenticator(clock)
    store = MemorySessionStore()
    manager = SessionManager(auth, store, clock, gstin="G", user_name="u")
    first = manager.get()
    for minutes in (1, 30, 49):
        clock.now = datetime(2025, 1, 1, 10, minutes, tzinfo=UTC)
        assert manager.get() is first
    assert auth.calls == [False] and store.load() is first
    clock.now = datetime(2025, 1, 1, 10, 51, tzinfo=UTC)  # 9 minutes left
    second = manager.get()
    assert second.auth_token == "token-2" and auth.calls == [False, True]
    assert store.load() is second
    assert "token" not in repr(second) and "sek" not in repr(second).lower().replace("sessionstate", "")


def test_session_comes_from_the_store_when_it_belongs_to_this_gstin_and_user():
    clock = _Clock(datetime(2025, 1, 1, 10, 0, tzinfo=UTC))
    auth = _Authenticator(clock)
    store = MemorySessionStore()
    store.save(SessionState("stored", bytes(32), clock.now + timedelta(hours=2), "u", "G"))
    assert SessionManager(auth, store, clock, gstin="G", user_name="u").get().auth_token == "stored"
    assert auth.calls == []
    # another user's session in the same store is not used
    assert SessionManager(auth, store, clock, gstin="G", user_name="other").get().auth_token == "token-1"


def test_failed_refresh_keeps_the_still_valid_token():
    clock = _Clock(datetime(2025, 1, 1, 10, 0, tzinfo=UTC))
    auth = _Authenticator(clock)
    manager = SessionManager(auth, None, clock)
    first = manager.get()
    auth.fail_with = IrpError("down", kind=errors.TRANSIENT)
    clock.now += timedelta(minutes=55)
    assert manager.get() is first  # refresh failed, token still valid for 5 minutes
    assert manager.get() is first and len(auth.calls) == 2  # no new attempt for a minute
    clock.now += timedelta(minutes=6)  # expired and the IRP still down: the error surfaces
    with pytest.raises(IrpError):
        manager.get()
    auth.fail_with = IrpError("bad password", kind=errors.AUTH, errors=[{"code": "1008", "message": ""}])
    with pytest.raises(IrpError, match="1008"):
        manager.get()


def test_invalidate_reauthenticates_once_and_shares_the_result():
    clock = _Clock(datetime(2025, 1, 1, 10, 0, tzinfo=UTC))
    auth = _Authenticator(clock)
    manager = SessionManager(auth, None, clock)
    rejected = manager.get()
    renewed = manager.invalidate(rejected)
    assert renewed.auth_token == "token-2" and auth.calls == [False, True]
    # a second thread that failed with the same old token gets the renewed one, no new auth
    assert manager.invalidate(rejected) is renewed and len(auth.calls) == 2


def test_concurrent_threads_authenticate_once():
    clock = _Clock(datetime(2025, 1, 1, 10, 0, tzinfo=UTC))
    auth = _Authenticator(clock)
    manager = SessionManager(auth, None, clock)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(manager.get().auth_token)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == ["token-1"] * 16 and auth.calls == [False]


# --- client without a server --------------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def throwaway_keys():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _config(url, public_pem, **overrides):
    values = dict(base_url=url, gstin="29AAGCB1286Q000", client_id="cid", client_secret="csecret-123",
                  user_name="user1", password="pass-word-1", encryption_public_key=public_pem,
                  signing_certificates=[public_pem], connect_timeout=2, read_timeout=0.5)
    values.update(overrides)
    return IrpConfig(**values)


def test_nothing_listening_is_transient_and_logged(throwaway_keys):
    records = []
    client = IrpClient(_config(f"http://127.0.0.1:{_free_port()}", throwaway_keys), on_call=records.append)
    with pytest.raises(IrpError) as info:
        client.authenticate()
    assert info.value.kind == errors.TRANSIENT and info.value.http_status is None
    assert "nothing was sent" in str(info.value) or "Could not connect" in str(info.value)
    [record] = records
    assert record.endpoint == "authenticate" and record.url_path == "/eivital/v1.04/auth" and not record.ok
    assert record.error_kind == errors.TRANSIENT and record.http_status is None
    assert "pass-word-1" not in record.request_text and '"Password":"***"' in record.request_text
    assert record.request_headers["client_secret"] == "***" and record.request_headers["client_id"] == "cid"
    client.close()


def test_silent_server_gives_a_read_timeout(throwaway_keys):
    """A peer that accepts the connection and never answers: the auth call is a read, so transient."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        client = IrpClient(_config(f"http://127.0.0.1:{listener.getsockname()[1]}", throwaway_keys,
                                   read_timeout=0.3))
        start = time.perf_counter()
        with pytest.raises(IrpError, match="did not answer in time") as info:
            client.authenticate()
        assert info.value.kind == errors.TRANSIENT
        assert time.perf_counter() - start < 3
        client.close()
    finally:
        thread.join(2)
        for conn, _ in accepted:
            conn.close()
        listener.close()


def test_unusable_configuration_fails_before_any_call(throwaway_keys):
    with pytest.raises(IrpError, match="encryption public key") as info:
        IrpClient(_config("http://127.0.0.1:9", b"not a key"))
    assert info.value.kind == errors.AUTH
    with pytest.raises(IrpError, match="signing certificate"):
        IrpClient(_config("http://127.0.0.1:9", throwaway_keys, signing_certificates=["garbage"]))
    records = []
    client = IrpClient(_config("http://127.0.0.1:9", throwaway_keys, signing_certificates=[]),
                       on_call=records.append)
    for call in (lambda: client.generate_irn({"Version": "1.1"}), lambda: client.get_irn("a" * 64),
                 lambda: client.get_irn_by_doc("INV", "A/1", "01/04/2025")):
        with pytest.raises(IrpError, match="No IRP signing certificate") as info:
            call()
        assert info.value.kind == errors.AUTH
    assert records == []  # nothing was sent, not even an authentication


def test_invalid_cancel_arguments_are_refused_locally(throwaway_keys):
    records = []
    client = IrpClient(_config("http://127.0.0.1:9", throwaway_keys), on_call=records.append)
    with pytest.raises(ValueError, match="reason"):
        client.cancel_irn("a" * 64, "5", "x")
    with pytest.raises(ValueError, match="remark"):
        client.cancel_irn("a" * 64, "1", "")
    with pytest.raises(ValueError, match="remark"):
        client.cancel_irn("a" * 64, "1", "r" * 101)
    with pytest.raises(ValueError, match="reason"):
        client.cancel_ewaybill(123456789012, 0, "x")
    with pytest.raises(ValueError, match="remark"):
        client.cancel_ewaybill(123456789012, 1, "r" * 51)
    with pytest.raises(ValueError, match="digits"):
        client.cancel_ewaybill("EWB-1", 1, "x")
    assert records == []


def test_config_repr_shows_no_secret(throwaway_keys):
    text = repr(_config("http://x", throwaway_keys))
    assert "csecret" not in text and "pass-word" not in text and "29AAGCB1286Q000" in text


def test_irp_package_stands_alone():
    """irp/ is plain Python: importing it pulls in neither Odoo nor the sandbox."""
    import subprocess
    import sys

    code = ("import sys, irp, irp.client, irp.session, irp.errors, irp.results; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'odoo', 'sandbox'}))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=str(client_module.__file__).rsplit("/irp/", 1)[0]).stdout
    assert output.strip() == "[]"
