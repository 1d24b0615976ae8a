"""HTTP client of NIC's e-way bill system API, v1.03 (nic-ewb-api.md): one method per action.

Beside the IRP client (irp/client.py), sharing its crypto, session handling, masking and
call hook: every HTTP exchange, authentication included, is reported to `on_call` as a
client.CallRecord with secrets masked. Every failure is an ewb_errors.EwbError whose kind
says what to do next (data / auth / duplicate / transient / not_found / unknown_outcome).

- auth (§3): POST /auth {"Data": RSA(base64(JSON))}; the token is kept 6 hours (no expiry
  is returned) in a session.SessionManager and reused; 105/106/238 -> re-authenticate once;
- write actions (§4-5): POST /ewayapi {"action", "data": AES(SEK)}; reply data under the SEK;
- GETs (§5.8): reply data under a fresh rek, hmac checked: a wrong hmac is an untrusted
  reply (ewb_errors.UntrustedReply), never accepted.
Plain Python: no Odoo.
"""
import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import requests

from . import crypto, ewb_envelope, ewb_validation, rules_calendar
from .client import CallRecord, _nothing_sent
from .envelope import parse_retry_after
from .errors import AUTH, DATA, TRANSIENT, UNKNOWN_OUTCOME
from .ewb_errors import NOT_FOUND, TOKEN_CODES, EwbError, UntrustedReply, classify
from .ewb_results import (
    Closed, EwbBill, EwbCancelled, EwbGenerated, EwbRef, Extended, PartBUpdated, TransporterUpdated,
)
from .masking import MASK, mask, mask_headers
from .session import MemorySessionStore, SessionManager, SessionState, utc_now

_logger = logging.getLogger(__name__)

__all__ = ["ACTIONS", "BASE_URLS", "ENDPOINTS", "EwbClient", "EwbConfig", "MemorySessionStore", "SessionState"]

# Base URLs (§1): the sandbox keeps /ewaybillapi/, production drops it.
BASE_URLS = {
    "sandbox": "https://ewb1api.gstsandbox.nic.in/ewaybillapi/v1.03",
    "production": "https://api.ewaybillgst.gov.in/v1.03",
}

# endpoint name -> (HTTP method, path under the base URL, action). Names appear in call logs.
ENDPOINTS = {
    "ewb_auth": ("POST", "/auth", "ACCESSTOKEN"),
    "ewb_generate": ("POST", "/ewayapi", "GENEWAYBILL"),
    "ewb_update_part_b": ("POST", "/ewayapi", "VEHEWB"),
    "ewb_update_transporter": ("POST", "/ewayapi", "UPDATETRANSPORTER"),
    "ewb_cancel": ("POST", "/ewayapi", "CANEWB"),
    "ewb_extend": ("POST", "/ewayapi", "EXTENDVALIDITY"),
    # voluntary closure (§5.7): NIC's action name and keys are not confirmed; on hold
    "ewb_close": ("POST", "/ewayapi", "CLOSEEWB"),
    "ewb_get": ("GET", "/ewayapi/GetEwayBill", None),
    "ewb_get_by_doc": ("GET", "/ewayapi/GetEwayBillGeneratedByConsigner", None),
}
ACTIONS = {name: action for name, (_method, _path, action) in ENDPOINTS.items() if action}
# Calls that change something: a lost reply leaves their outcome unknown.
CREATING = frozenset({"ewb_generate", "ewb_update_part_b", "ewb_update_transporter", "ewb_cancel",
                      "ewb_extend", "ewb_close"})

TOKEN_LIFETIME = timedelta(hours=6)  # §3.3: none is returned; clients count 6 hours themselves
SYSTEM = "the e-way bill system"


@dataclass
class EwbConfig:
    """One GSTIN's e-way bill API access: its own user name/password (not the IRP's)."""
    base_url: str
    gstin: str
    client_id: str
    client_secret: str
    username: str
    password: str
    public_key: object  # PEM text/bytes of the e-way bill system's public key (or its certificate)
    extra_headers: dict = field(default_factory=dict)  # e.g. a GSP's own headers
    connect_timeout: float = 10
    read_timeout: float = 60
    verify_tls: bool = True

    @classmethod
    def for_environment(cls, environment, **values):
        """EwbConfig with the base URL of 'sandbox' or 'production' (§1)."""
        if environment not in BASE_URLS:
            raise ValueError(f"environment must be one of {', '.join(BASE_URLS)}, not {environment!r}")
        return cls(base_url=BASE_URLS[environment], **values)

    def __repr__(self):
        return f"EwbConfig(base_url={self.base_url!r}, gstin={self.gstin!r}, username={self.username!r})"


class _Reply:
    __slots__ = ("alert", "data", "http_status", "info")

    def __init__(self, data, info, alert, http_status):
        self.data = data
        self.info = info
        self.alert = alert
        self.http_status = http_status


def _ewb_number(ewb_no):
    text = str(ewb_no).strip()
    if isinstance(ewb_no, bool) or not text.isdigit() or len(text) != 12:
        raise ValueError(f"an e-way bill number is 12 digits, not {ewb_no!r}")
    return int(text)


def _dmy(value):
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    return value


class EwbClient:
    """NIC e-way bill system API client for one GSTIN and its EWB API user.

    session_store: load() -> SessionState | None and save(state) (default: in memory; the
    Odoo layer keeps it encrypted per GSTIN). http: a requests.Session shared by all
    threads, or a factory of them (one per thread). on_call(CallRecord): after EVERY
    exchange. clock(): aware UTC now. calendar: rules_calendar.Calendar deciding whether
    voluntary closure is available (default: the rules in force; closure is on hold).
    """

    def __init__(self, config, session_store=None, http=None, on_call=None, clock=None, calendar=None):
        self.config = config
        self.on_call = on_call
        self.calendar = calendar or rules_calendar.DEFAULT
        self._clock = clock or utc_now
        self._base_url = config.base_url.rstrip("/")
        self._timeout = (config.connect_timeout, config.read_timeout)
        try:
            self._public_key = crypto.load_public_key(config.public_key)
        except (crypto.CryptoError, TypeError, ValueError) as exc:
            raise EwbError(f"The e-way bill system public key is not usable: {exc}", kind=AUTH,
                           endpoint="ewb_auth") from exc
        # No early refresh: inside its 6 hours a re-authentication returns the SAME token (§3.3), so the
        # IRP's "refresh in the last 10 minutes" would only spend ACCESSTOKEN hits (5 per 15 minutes).
        # The token is renewed when our count of 6 hours ends, or once on 105/106/238.
        self._session = SessionManager(self._authenticate_now, session_store, self._clock,
                                       gstin=config.gstin, user_name=config.username, refresh_margin=timedelta(0))
        extra = dict(config.extra_headers or {})
        # NIC's docs write the hyphen forms (§2)
        self._headers = {"client-id": config.client_id, "client-secret": config.client_secret,
                         "gstin": config.gstin, "Content-Type": "application/json",
                         "Accept": "application/json", **extra}
        self._extra_header_names = {name.lower() for name in extra}
        self._secret_texts = {s for s in (config.password, config.client_secret) if s and len(s) >= 4}
        self._secret_texts |= {str(value) for value in extra.values() if value and len(str(value)) >= 8}
        self._secret_lock = threading.Lock()
        if isinstance(http, requests.Session):
            self._shared_http, self._http_factory = http, None
        else:
            self._shared_http, self._http_factory = None, (http if callable(http) else requests.Session)
        self._local = threading.local()
        self._own_sessions = []
        self._sessions_lock = threading.Lock()

    # --- plumbing -----------------------------------------------------------------------

    def close_sessions(self):
        """Close the HTTP sessions this client opened."""
        with self._sessions_lock:
            sessions, self._own_sessions = self._own_sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close_sessions()

    def _http(self):
        if self._shared_http is not None:
            return self._shared_http
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._http_factory()
            self._local.session = session
            with self._sessions_lock:
                self._own_sessions.append(session)
        return session

    @property
    def session_state(self):
        return self._session.peek()

    def _remember_secret(self, text):
        if text and len(text) >= 4:
            with self._secret_lock:
                self._secret_texts.add(text)

    def _scrub(self, text):
        if not text:
            return text
        for secret in tuple(self._secret_texts):
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def _emit(self, record):
        if self.on_call is None:
            return
        try:
            self.on_call(record)
        except Exception:  # logging must never break a call
            _logger.exception("E-way bill on_call hook failed")

    # --- one HTTP exchange -----------------------------------------------------------------

    def _exchange(self, endpoint, path, *, headers, body=None, request_log="", sek=None):
        """Send one request; a _Reply or EwbError. Emits one CallRecord."""
        method = ENDPOINTS[endpoint][0]
        creating = endpoint in CREATING
        lost = UNKNOWN_OUTCOME if creating else TRANSIENT
        maybe = "; the request may have been processed" if creating else ""
        started_at = self._clock()
        start = time.perf_counter()
        http_status = None
        response_log = ""
        failure = reply = None
        try:
            try:
                response = self._http().request(
                    method, self._base_url + path, data=body, headers=headers, timeout=self._timeout,
                    verify=self.config.verify_tls, allow_redirects=False)
            except requests.exceptions.ConnectTimeout as exc:
                raise EwbError(f"Could not connect to {SYSTEM} in time; nothing was sent", kind=TRANSIENT,
                               endpoint=endpoint) from exc
            except requests.exceptions.ReadTimeout as exc:
                raise EwbError(f"{SYSTEM.capitalize()} did not answer in time{maybe}", kind=lost,
                               endpoint=endpoint) from exc
            except requests.exceptions.SSLError as exc:
                raise EwbError(f"TLS error talking to {SYSTEM}: {exc}", kind=TRANSIENT, endpoint=endpoint) from exc
            except requests.exceptions.ConnectionError as exc:
                if _nothing_sent(exc):
                    raise EwbError(f"Could not connect to {SYSTEM}: {exc}", kind=TRANSIENT,
                                   endpoint=endpoint) from exc
                raise EwbError(f"The connection to {SYSTEM} broke before its reply{maybe}", kind=lost,
                               endpoint=endpoint) from exc
            except requests.exceptions.RequestException as exc:
                raise EwbError(f"HTTP error talking to {SYSTEM}: {exc}", kind=lost, endpoint=endpoint) from exc
            http_status = response.status_code
            raw = response.content
            if raw and self.on_call is not None:
                response_log = raw.decode("utf-8", "replace")
            reply, response_log = self._read(endpoint, method, response, raw, sek, lost, response_log)
            return reply
        except EwbError as exc:
            failure = exc
            if exc.http_status is None:
                exc.http_status = http_status
            raise
        finally:
            if self.on_call is not None:
                self._emit(CallRecord(
                    endpoint=endpoint, method=method, url_path=path, gstin=self.config.gstin,
                    started_at=started_at, duration_ms=round((time.perf_counter() - start) * 1000.0, 3),
                    http_status=http_status, ok=failure is None and reply is not None,
                    error_codes=failure.codes if failure else [],
                    request_text=self._scrub(request_log), response_text=self._scrub(response_log),
                    request_headers=mask_headers(headers, self._extra_header_names),
                    error_kind=failure.kind if failure else None,
                    error_message=self._scrub(str(failure)) if failure else None))

    def _read(self, endpoint, method, response, raw, sek, lost, response_log):
        status = response.status_code
        try:
            obj = json.loads(raw) if raw else None
        except ValueError:
            obj = None
        envelope = ewb_envelope.parse_envelope(obj) if isinstance(obj, dict) else None
        if envelope is not None and self.on_call is not None:
            response_log = crypto.dumps(mask(obj))  # authtoken, sek and rek never reach the log
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        found = envelope.errors if envelope else []
        info = envelope.info if envelope else None

        def fail(message, kind, cls=EwbError):
            if cls is UntrustedReply:
                return UntrustedReply(message, endpoint=endpoint, http_status=status)
            return cls(message, kind=kind, errors=found, info=[info] if info else [], http_status=status,
                       retry_after=retry_after, endpoint=endpoint)

        if status in (429, 503):
            label = "rate limit reached" if status == 429 else f"{SYSTEM} unavailable"
            raise fail(f"HTTP {status}: {label}" + (f", retry after {retry_after:g} s" if retry_after else ""),
                       TRANSIENT if status == 429 else lost)
        if status >= 500:
            raise fail(f"HTTP {status} from {SYSTEM} or a gateway", lost)
        if 300 <= status < 400:
            raise fail(f"HTTP {status}: the e-way bill API URL redirects to {response.headers.get('Location')!r}; "
                       "check the configured base URL", DATA)
        if envelope is None:
            if status >= 400:
                raise fail(f"HTTP {status} from {SYSTEM}", AUTH if status in (401, 403) else DATA)
            raise fail(f"Unreadable reply from {SYSTEM} (HTTP {status}, not a JSON envelope)", lost)
        if not envelope.ok:
            if found:
                raise fail(None, classify([entry["code"] for entry in found]))
            if status >= 400:
                raise fail(f"HTTP {status} from {SYSTEM}", AUTH if status in (401, 403) else DATA)
            raise fail(f"{SYSTEM.capitalize()} refused the request without giving a reason", DATA)
        if endpoint == "ewb_auth":
            return _Reply(envelope, info, envelope.alert, status), response_log
        data = envelope.data
        if not isinstance(data, str):
            raise fail(f"The reply of {SYSTEM} carries no encrypted data", lost)
        try:
            if method == "GET":
                decrypted, text = ewb_envelope.open_get_reply(sek, envelope)
            else:
                decrypted, text = ewb_envelope.decrypt_data(sek, data)
        except ewb_envelope.IntegrityError as exc:
            raise fail(f"Untrusted reply from {SYSTEM}: {exc}; it was not accepted", TRANSIENT,
                       UntrustedReply) from exc
        except crypto.CryptoError as exc:
            if method == "GET":
                raise fail(f"Untrusted reply from {SYSTEM}: {exc}; it was not accepted", TRANSIENT,
                           UntrustedReply) from exc
            raise fail(f"The reply of {SYSTEM} could not be decrypted with the session key ({exc})", lost) from exc
        if self.on_call is not None:
            rest = mask({k: v for k, v in obj.items() if str(k).lower() != "data"})
            head = crypto.dumps(rest)
            response_log = head[:-1] + ("," if rest else "") + '"data":' + text + "}"
        return _Reply(decrypted, info, envelope.alert, status), response_log

    # --- authentication ---------------------------------------------------------------------

    def authenticate(self, force_refresh=False):
        """Authenticate now (e.g. 'Test connection'); the session is kept for later calls."""
        return self._session.authenticate(force_refresh)

    def _authenticate_now(self, force_refresh):
        config = self.config
        app_key = ewb_envelope.new_app_key()
        try:
            data = ewb_envelope.build_auth_data(self._public_key, config.username, config.password, app_key)
        except crypto.CryptoError as exc:
            raise EwbError(str(exc), kind=AUTH, endpoint="ewb_auth") from exc
        body = crypto.dumps({"Data": data}).encode()
        request_log = ""
        if self.on_call is not None:
            request_log = crypto.dumps(mask({"action": "ACCESSTOKEN", "username": config.username,
                                             "password": config.password, "app_key": "-"}))
        reply = self._exchange("ewb_auth", ENDPOINTS["ewb_auth"][1], headers=self._headers, body=body,
                               request_log=request_log)
        envelope = reply.data
        nested = envelope.data if isinstance(envelope.data, dict) else {}
        token = envelope.authtoken or nested.get("authtoken") or nested.get("authToken")
        sek_b64 = envelope.sek or nested.get("sek")
        if not token or not sek_b64:
            raise EwbError(f"The authentication reply of {SYSTEM} has no authtoken/sek", kind=TRANSIENT,
                           endpoint="ewb_auth", http_status=reply.http_status)
        try:
            sek = crypto.decrypt_sek(app_key, sek_b64)
        except crypto.CryptoError as exc:
            raise EwbError(f"The sek of {SYSTEM} does not decrypt with our app_key", kind=TRANSIENT,
                           endpoint="ewb_auth", http_status=reply.http_status) from exc
        self._remember_secret(token)
        self._remember_secret(sek_b64)
        return SessionState(auth_token=token, sek=sek, expires_at=self._clock() + TOKEN_LIFETIME,
                            user_name=config.username, gstin=config.gstin)

    # --- calls with the session ---------------------------------------------------------------

    def _call(self, endpoint, payload=None, query=None):
        """One call with the session; on 105/106/238 re-authenticate once and retry once."""
        _method, path, action = ENDPOINTS[endpoint]
        if query:
            path = f"{path}?{urlencode(query)}"
        text = crypto.dumps(payload) if payload is not None else None
        request_log = (crypto.dumps({"action": action, "data": payload}) if payload is not None else "") \
            if self.on_call is not None else ""
        state = self._session.get()
        for attempt in (1, 2):
            headers = dict(self._headers, authtoken=state.auth_token)
            body = None
            if payload is not None:
                encrypted = base64.b64encode(crypto.aes_encrypt(state.sek, text.encode())).decode()
                body = crypto.dumps({"action": action, "data": encrypted}).encode()
            try:
                return self._exchange(endpoint, path, headers=headers, body=body, request_log=request_log,
                                      sek=state.sek)
            except EwbError as exc:
                if attempt == 1 and TOKEN_CODES & set(exc.codes):
                    _logger.info("E-way bill system said %s on %s: re-authenticating once", exc.codes, endpoint)
                    state = self._session.invalidate(state)
                    continue
                raise
        raise AssertionError("unreachable")

    @staticmethod
    def _data(reply):
        return reply.data if isinstance(reply.data, dict) else {}

    def _refuse_locally(self, endpoint, problems):
        if problems:
            raise EwbError(f"Not sent to {SYSTEM}", kind=DATA, endpoint=endpoint, problems=problems)

    # --- actions ---------------------------------------------------------------------------------

    def generate(self, payload):
        """GENEWAYBILL (§5.1): a NIC-shaped dict -> EwbGenerated."""
        reply = self._call("ewb_generate", payload=payload)
        result = EwbGenerated.from_data(self._data(reply), alert=reply.alert)
        if not result.ewb_no:
            raise EwbError(f"The reply of {SYSTEM} has no e-way bill number", kind=UNKNOWN_OUTCOME,
                           endpoint="ewb_generate", http_status=reply.http_status)
        return result

    def update_part_b(self, ewb_no, *, vehicle_no=None, from_place, from_state, reason_code, reason_remark,
                      trans_mode="1", trans_doc_no=None, trans_doc_date=None, vehicle_type=None):
        """VEHEWB (§5.2): a new vehicle / transport document -> PartBUpdated (validity recomputed)."""
        payload = part_b_payload(ewb_no, vehicle_no=vehicle_no, from_place=from_place, from_state=from_state,
                                 reason_code=reason_code, reason_remark=reason_remark, trans_mode=trans_mode,
                                 trans_doc_no=trans_doc_no, trans_doc_date=trans_doc_date, vehicle_type=vehicle_type)
        return self.send_part_b(payload)

    def send_part_b(self, payload):
        """VEHEWB with a ready payload (see part_b_payload)."""
        reply = self._call("ewb_update_part_b", payload=payload)
        return PartBUpdated.from_data(self._data(reply), str(payload.get("ewbNo")))

    def update_transporter(self, ewb_no, transporter_id):
        """UPDATETRANSPORTER (§5.3) -> TransporterUpdated."""
        number = _ewb_number(ewb_no)
        reply = self._call("ewb_update_transporter", payload={"ewbNo": number, "transporterId": transporter_id})
        return TransporterUpdated.from_data(self._data(reply), str(number), transporter_id)

    def cancel(self, ewb_no, reason_code, remark):
        """CANEWB (§5.4): reasons 1 Duplicate, 2 Order cancelled, 3 Data entry mistake, 4 Others."""
        self._refuse_locally("ewb_cancel", ewb_validation.validate_cancel(ewb_no, reason_code, remark))
        number = _ewb_number(ewb_no)
        reply = self._call("ewb_cancel", payload={"ewbNo": number, "cancelRsnCode": int(reason_code),
                                                  "cancelRmrk": remark})
        return EwbCancelled.from_data(self._data(reply), str(number))

    def extend(self, payload):
        """EXTENDVALIDITY (§5.6) with a payload built by extend_payload -> Extended."""
        reply = self._call("ewb_extend", payload=payload)
        return Extended.from_data(self._data(reply), str(payload.get("ewbNo")))

    def close(self, ewb_no, closure_date, remarks, *, today=None):
        """Voluntary closure (§5.7), only while the calendar's switch `ewb_voluntary_closure`
        is on and in force; otherwise refused here (EwbError with the problem, nothing sent)."""
        self._refuse_locally("ewb_close", ewb_validation.validate_close(
            ewb_no, closure_date, remarks, calendar=self.calendar, today=today))
        number = _ewb_number(ewb_no)
        reply = self._call("ewb_close", payload={"ewbNo": number, "closureDate": _dmy(closure_date),
                                                 "closureRemarks": remarks})
        return Closed.from_data(self._data(reply), str(number))

    def get(self, ewb_no):
        """GetEwayBill (§5.8) -> EwbBill, with its Part-B history."""
        number = _ewb_number(ewb_no)
        reply = self._call("ewb_get", query={"ewbNo": number})
        bill = EwbBill.from_data(self._data(reply))
        if bill.ewb_no and bill.ewb_no != str(number):
            raise UntrustedReply(f"{SYSTEM.capitalize()} answered for e-way bill {bill.ewb_no}, not {number}",
                                 endpoint="ewb_get", http_status=reply.http_status)
        return bill

    def get_by_document(self, doc_type, doc_no):
        """GetEwayBillGeneratedByConsigner (§5.8): the e-way bill NIC holds for one of the
        caller's documents -> EwbRef; EwbError kind not_found when there is none."""
        reply = self._call("ewb_get_by_doc", query={"docType": doc_type, "docNo": doc_no})
        data = self._data(reply)
        if isinstance(reply.data, list):  # a list of bills: the active one, else the latest
            rows = [row for row in reply.data if isinstance(row, dict)]
            data = next((row for row in rows if str(row.get("status", "ACT")) == "ACT"), rows[-1] if rows else {})
        ref = EwbRef.from_data(data)
        if not ref.ewb_no:
            raise EwbError(f"{SYSTEM.capitalize()} holds no e-way bill for {doc_type} {doc_no}", kind=NOT_FOUND,
                           endpoint="ewb_get_by_doc", http_status=reply.http_status)
        return ref


def part_b_payload(ewb_no, *, vehicle_no=None, from_place, from_state, reason_code, reason_remark, trans_mode="1",
                   trans_doc_no=None, trans_doc_date=None, vehicle_type=None):
    """The VEHEWB request (§5.2)."""
    payload = {"ewbNo": _ewb_number(ewb_no), "vehicleNo": vehicle_no or "", "fromPlace": from_place,
               "fromState": int(from_state), "reasonCode": str(reason_code), "reasonRem": reason_remark,
               "transMode": str(trans_mode), "transDocNo": trans_doc_no or "",
               "transDocDate": _dmy(trans_doc_date) or ""}
    if vehicle_type:
        payload["vehicleType"] = vehicle_type
    return payload


def extend_payload(ewb_no, *, from_place, from_state, from_pincode, remaining_distance, reason_code, remarks,
                   trans_mode="1", vehicle_no=None, trans_doc_no=None, trans_doc_date=None,
                   consignment_status=None, transit_type="", address_lines=()):
    """The EXTENDVALIDITY request (§5.6); consignment_status defaults to M (moving), or T for mode 5."""
    trans_mode = str(trans_mode)
    status = consignment_status or ("T" if trans_mode == "5" else "M")
    payload = {"ewbNo": _ewb_number(ewb_no), "vehicleNo": vehicle_no or "", "fromPlace": from_place,
               "fromState": int(from_state), "fromPincode": int(from_pincode),
               "remainingDistance": int(remaining_distance), "transDocNo": trans_doc_no or "",
               "transDocDate": _dmy(trans_doc_date) or "", "transMode": trans_mode, "extnRsnCode": int(reason_code),
               "extnRemarks": remarks, "consignmentStatus": status, "transitType": transit_type or ""}
    for index, line in enumerate(list(address_lines)[:3], 1):
        payload[f"addressLine{index}"] = line
    return payload
