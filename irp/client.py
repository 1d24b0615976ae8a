"""HTTP client of NIC's IRP API: one method per endpoint (nic-irp-api.md §1.2 rows 1-10).

It speaks the protocol itself (headers §2, auth §3, AES payloads §4, envelope §5),
verifies every signed invoice and QR code it returns, and turns every failure into
an `IrpError` whose kind says what to do next (see errors.py). Plain Python: no Odoo.

Thread safety: one client may serve many threads at once (bulk sends). The session
(token + SEK) is shared under a lock; each thread gets its own requests.Session so
connections are pooled without sharing one connection pool between threads.
"""
import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from . import crypto, errors
from .envelope import Envelope, _lower_keys, parse_envelope, parse_retry_after
from .errors import IrpError, ResponseSignatureError
from .masking import MASK, SECRET_KEYS, mask, mask_headers  # noqa: F401 - re-exported
from .results import (
    CancelResult, EwbCancelResult, EwbDetails, EwbResult, GstinDetails, IrnResult,
    distance_from, format_doc_date, number_text, parse_date, parse_ist,
)
from .session import MemorySessionStore, SessionManager, SessionState, utc_now

_logger = logging.getLogger(__name__)

__all__ = ["IrpConfig", "IrpClient", "CallRecord", "SessionState", "MemorySessionStore", "ENDPOINTS",
           "parse_envelope", "Envelope", "build_irn_result", "parse_retry_after", "mask"]

# endpoint name -> (method, NIC path). Names are the ones used in call logs and
# in the sandbox's fault filters.
ENDPOINTS = {
    "authenticate": ("POST", "/eivital/v1.04/auth"),
    "generate_irn": ("POST", "/eicore/v1.03/Invoice"),
    "cancel_irn": ("POST", "/eicore/v1.03/Invoice/Cancel"),
    "get_irn": ("GET", "/eicore/v1.03/Invoice/irn/{irn}"),
    "get_irn_by_doc": ("GET", "/eicore/v1.03/Invoice/irnbydocdetails"),
    "get_gstin": ("GET", "/eivital/v1.04/Master/gstin/{gstin}"),
    "sync_gstin": ("GET", "/eivital/v1.03/Master/syncgstin/{gstin}"),
    "generate_ewaybill": ("POST", "/eiewb/v1.03/ewaybill"),
    "get_ewaybill": ("GET", "/eiewb/v1.03/ewaybill/irn/{irn}"),
    "cancel_ewaybill": ("POST", "/ewaybillapi/v1.03/ewayapi"),
}
# Calls that change something at the IRP: a lost reply leaves their outcome unknown.
CREATING = frozenset({"generate_irn", "cancel_irn", "generate_ewaybill", "cancel_ewaybill"})

DEFAULT_TOKEN_LIFETIME_MINUTES = 60  # NIC sandbox; used only when TokenExpiry is missing


@dataclass
class IrpConfig:
    base_url: str
    gstin: str
    client_id: str
    client_secret: str
    user_name: str
    password: str
    encryption_public_key: object  # PEM text/bytes of the IRP encryption public key (or its certificate)
    signing_certificates: list = field(default_factory=list)  # PEM texts: IRP signing certificates or keys
    extra_headers: dict = field(default_factory=dict)  # e.g. a GSP's own headers
    connect_timeout: float = 10
    read_timeout: float = 60
    verify_tls: bool = True

    def __repr__(self):
        return f"IrpConfig(base_url={self.base_url!r}, gstin={self.gstin!r}, user_name={self.user_name!r})"


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange with the IRP, secrets masked, for the API call log."""
    endpoint: str
    method: str
    url_path: str
    gstin: str
    started_at: datetime
    duration_ms: float
    http_status: int = None
    ok: bool = False
    error_codes: list = field(default_factory=list)
    request_text: str = ""
    response_text: str = ""
    request_headers: dict = field(default_factory=dict, repr=False)
    error_kind: str = None
    error_message: str = None


def _nothing_sent(exc):
    """True when a requests ConnectionError happened before the request left (no connection)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _get(data, *names):
    """First present key of a decrypted payload, compared case-insensitively."""
    if not isinstance(data, dict):
        return None
    for name in names:
        if name in data:
            return data[name]
    lowered = _lower_keys(data)
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


class _Reply:
    __slots__ = ("data", "info", "http_status")

    def __init__(self, data, info, http_status):
        self.data = data
        self.info = info
        self.http_status = http_status


class IrpClient:
    """NIC IRP API client for one GSTIN and API user.

    session_store: object with load() -> SessionState | None and save(state)
    (default: in memory). http: a requests.Session shared by all threads, or a
    callable returning a new requests.Session (called once per thread); default
    one requests.Session per thread. on_call(CallRecord): called after EVERY HTTP
    exchange, authentication included. clock(): aware UTC now (tests move it).
    """

    def __init__(self, config, session_store=None, http=None, on_call=None, clock=None):
        self.config = config
        self.on_call = on_call
        self._clock = clock or utc_now
        self._base_url = config.base_url.rstrip("/")
        self._timeout = (config.connect_timeout, config.read_timeout)
        # Keys are parsed once here, not per call.
        try:
            self._public_key = crypto.load_public_key(config.encryption_public_key)
        except (crypto.CryptoError, TypeError) as exc:
            raise IrpError(f"The IRP encryption public key is not usable: {exc}", kind=errors.AUTH,
                           endpoint="authenticate") from exc
        certificates = config.signing_certificates or ()
        if isinstance(certificates, (str, bytes)):
            certificates = [certificates]
        try:
            self._keyring = crypto.SigningKeyring.from_pems(*certificates)
        except (crypto.CryptoError, ValueError, TypeError) as exc:
            raise IrpError(f"An IRP signing certificate is not usable: {exc}", kind=errors.AUTH) from exc
        self._session = SessionManager(self._authenticate_now, session_store, self._clock,
                                       gstin=config.gstin, user_name=config.user_name)
        common = {"client_id": config.client_id, "client_secret": config.client_secret, "Gstin": config.gstin}
        extra = dict(config.extra_headers or {})
        self._auth_headers = {**common, "Content-Type": "application/json", "Accept": "application/json", **extra}
        self._call_headers = {**self._auth_headers, "user_name": config.user_name}
        # a GSP's extra headers usually carry its API key: their values are secrets too
        self._extra_header_names = {name.lower() for name in extra}
        self._secret_texts = {s for s in (config.password, config.client_secret) if s and len(s) >= 4}
        # (only values long enough to be keys: scrubbing "true" or "nic1" everywhere would garble the log)
        self._secret_texts |= {str(value) for value in extra.values() if value and len(str(value)) >= 8}
        self._secret_lock = threading.Lock()
        # HTTP sessions: shared, or one per thread from a factory
        if isinstance(http, requests.Session):
            self._shared_http, self._http_factory = http, None
        else:
            self._shared_http, self._http_factory = None, (http if callable(http) else requests.Session)
        self._local = threading.local()
        self._own_sessions = []
        self._sessions_lock = threading.Lock()

    # --- plumbing -----------------------------------------------------------------

    def close(self):
        """Close the HTTP sessions this client opened."""
        with self._sessions_lock:
            sessions, self._own_sessions = self._own_sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

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
        """The cached session (no network call), or None."""
        return self._session.peek()

    def _remember_secret(self, text):
        if text and len(text) >= 4:
            with self._secret_lock:
                self._secret_texts.add(text)

    def _scrub(self, text):
        """Last line of defence: no known secret value in a logged text, wherever it hides."""
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
            _logger.exception("IRP on_call hook failed")

    def _require_keyring(self, endpoint):
        if not self._keyring:
            raise IrpError("No IRP signing certificate is configured: signed invoices cannot be verified, "
                           "so nothing is sent", kind=errors.AUTH, endpoint=endpoint)

    # --- one HTTP exchange ---------------------------------------------------------------

    def _exchange(self, endpoint, path, *, headers, body=None, request_log="", sek=None, auth=False):
        """Send one request and return a _Reply, or raise IrpError. Emits one CallRecord."""
        method = ENDPOINTS[endpoint][0]
        creating = endpoint in CREATING
        lost = errors.UNKNOWN_OUTCOME if creating else errors.TRANSIENT
        started_at = self._clock()
        start = time.perf_counter()
        http_status = None
        response_log = ""
        failure = None
        reply = None
        try:
            try:
                response = self._http().request(
                    method, self._base_url + path, data=body, headers=headers,
                    timeout=self._timeout, verify=self.config.verify_tls, allow_redirects=False)
            except requests.exceptions.ConnectTimeout as exc:
                raise IrpError(f"Could not connect to the IRP in time ({exc.__class__.__name__}); nothing was sent",
                               kind=errors.TRANSIENT, endpoint=endpoint) from exc
            except requests.exceptions.ReadTimeout as exc:
                raise IrpError(
                    "The IRP did not answer in time" + ("; the request may have been processed" if creating else ""),
                    kind=lost, endpoint=endpoint) from exc
            except requests.exceptions.SSLError as exc:
                raise IrpError(f"TLS error talking to the IRP: {exc}", kind=errors.TRANSIENT,
                               endpoint=endpoint) from exc
            except requests.exceptions.ConnectionError as exc:
                if _nothing_sent(exc):
                    raise IrpError(f"Could not connect to the IRP: {exc}", kind=errors.TRANSIENT,
                                   endpoint=endpoint) from exc
                raise IrpError(
                    "The connection to the IRP broke before its reply"
                    + ("; the request may have been processed" if creating else ""),
                    kind=lost, endpoint=endpoint) from exc
            except requests.exceptions.RequestException as exc:
                raise IrpError(f"HTTP error talking to the IRP: {exc}", kind=lost, endpoint=endpoint) from exc
            http_status = response.status_code
            raw = response.content
            if raw and self.on_call is not None:
                response_log = raw.decode("utf-8", "replace")
            reply, response_log = self._read_response(endpoint, response, raw, sek, auth, lost, response_log)
            return reply
        except IrpError as exc:
            failure = exc
            if exc.http_status is None:
                exc.http_status = http_status
            raise
        finally:
            if self.on_call is not None:
                duration_ms = (time.perf_counter() - start) * 1000.0
                self._emit(CallRecord(
                    endpoint=endpoint, method=method, url_path=path, gstin=self.config.gstin,
                    started_at=started_at, duration_ms=round(duration_ms, 3), http_status=http_status,
                    ok=failure is None and reply is not None,
                    error_codes=failure.codes if failure else [],
                    request_text=self._scrub(request_log), response_text=self._scrub(response_log),
                    request_headers=mask_headers(headers, self._extra_header_names),
                    error_kind=failure.kind if failure else None,
                    error_message=self._scrub(str(failure)) if failure else None,
                ))

    def _read_response(self, endpoint, response, raw, sek, auth, lost, response_log):
        """(reply, response text for the log) from an HTTP response, or IrpError."""
        status = response.status_code
        try:
            envelope_obj = json.loads(raw) if raw else None
        except ValueError:
            envelope_obj = None
        envelope = None
        if isinstance(envelope_obj, dict):
            envelope = parse_envelope(envelope_obj)
            if auth and self.on_call is not None:  # AuthToken and Sek never reach the log
                response_log = crypto.dumps(mask(envelope_obj))
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        found_errors = envelope.errors if envelope else []
        info = envelope.info if envelope else []

        def fail(message, kind):
            return IrpError(message, kind=kind, errors=found_errors, info=info, http_status=status,
                            retry_after=retry_after, endpoint=endpoint)

        if status in (429, 503):
            # 429 is refused before any processing; a gateway's 503 may come after the IRP
            # committed, so on a creating call it leaves the outcome unknown (look up first)
            label = "rate limit reached" if status == 429 else "IRP unavailable"
            raise fail(f"HTTP {status}: {label}" + (f", retry after {retry_after:g} s" if retry_after else ""),
                       errors.TRANSIENT if status == 429 else lost)
        if status >= 500:
            raise fail(f"HTTP {status} from the IRP or a gateway", lost)
        if 300 <= status < 400:  # redirects are not followed: a request must not be replayed elsewhere
            raise fail(f"HTTP {status}: the IRP URL redirects to {response.headers.get('Location')!r}; "
                       "check the configured base URL", errors.DATA)
        if envelope is None:
            if status >= 400:
                raise fail(f"HTTP {status} from the IRP", self._kind_for_http(status))
            raise fail(f"Unreadable reply from the IRP (HTTP {status}, not a JSON envelope)", lost)
        if not envelope.ok:
            if envelope.errors:
                raise fail(None, errors.classify([e["code"] for e in envelope.errors]))
            if status >= 400:
                raise fail(f"HTTP {status} from the IRP", self._kind_for_http(status))
            raise fail("The IRP refused the request without giving a reason", errors.DATA)
        data = envelope.data
        if auth or not isinstance(data, str):
            # auth Data is a plain object (§3); a gateway may also pass other Data in clear
            return _Reply(data if data is not None else {}, info, status), response_log
        try:
            text = crypto.aes_decrypt(sek, base64.b64decode(data, validate=True)).decode("utf-8")
            decrypted = json.loads(text)
        except (crypto.CryptoError, ValueError, TypeError) as exc:
            raise fail(f"The IRP reply could not be decrypted with the session key ({exc})", lost) from exc
        if self.on_call is not None:
            # log the envelope with Data in clear (it holds no secret), spliced in to avoid re-serialising it
            rest = {k: v for k, v in envelope_obj.items() if str(k).lower() != "data"}
            head = crypto.dumps(rest)
            response_log = head[:-1] + ("," if rest else "") + '"Data":' + text + "}"
        return _Reply(decrypted, info, status), response_log

    @staticmethod
    def _kind_for_http(status):
        if status in (401, 403):
            return errors.AUTH
        if status == 408:
            return errors.TRANSIENT
        return errors.DATA

    # --- authentication --------------------------------------------------------------------

    def authenticate(self, force_refresh=False):
        """Authenticate now (e.g. 'Test connection') and keep the session for later calls."""
        return self._session.authenticate(force_refresh)

    def _authenticate_now(self, force_refresh):
        config = self.config
        app_key = crypto.new_app_key()
        try:
            data = crypto.build_auth_data(self._public_key, config.user_name, config.password, app_key,
                                          force_refresh)
        except crypto.CryptoError as exc:
            raise IrpError(str(exc), kind=errors.AUTH, endpoint="authenticate") from exc
        body = crypto.dumps({"Data": data}).encode()
        request_log = ""
        if self.on_call is not None:
            # what went inside the RSA-encrypted Data, secrets masked
            request_log = crypto.dumps(mask({
                "UserName": config.user_name, "Password": config.password, "AppKey": "-",
                "ForceRefreshAccessToken": bool(force_refresh)}))
        reply = self._exchange("authenticate", ENDPOINTS["authenticate"][1], headers=self._auth_headers,
                               body=body, request_log=request_log, auth=True)
        data = reply.data
        if isinstance(data, str):  # some gateways pass Data as JSON text
            try:
                data = json.loads(data)
            except ValueError:
                data = None
        token = _get(data, "AuthToken")
        sek_b64 = _get(data, "Sek")
        if not token or not sek_b64:
            raise IrpError("The IRP authentication reply has no AuthToken/Sek", kind=errors.TRANSIENT,
                           endpoint="authenticate", http_status=reply.http_status)
        try:
            sek = crypto.decrypt_sek(app_key, sek_b64)
        except crypto.CryptoError as exc:
            raise IrpError(str(exc), kind=errors.TRANSIENT, endpoint="authenticate",
                           http_status=reply.http_status) from exc
        try:
            expires_at = parse_ist(_get(data, "TokenExpiry"))
        except ValueError:
            expires_at = None
        if expires_at is None:
            expires_at = self._clock() + timedelta(minutes=DEFAULT_TOKEN_LIFETIME_MINUTES)
        self._remember_secret(token)
        self._remember_secret(sek_b64)
        return SessionState(auth_token=token, sek=sek, expires_at=expires_at,
                            user_name=str(_get(data, "UserName") or config.user_name), gstin=config.gstin)

    # --- calls with the session ----------------------------------------------------------

    def _call(self, endpoint, path=None, payload=None, wrap=None):
        """Send a call with the current session; on 1005 re-authenticate once and retry once."""
        path = path or ENDPOINTS[endpoint][1]
        body = request_log = None
        if payload is not None:
            text = crypto.dumps(payload)
            request_log = text if self.on_call is not None else ""
        state = self._session.get()
        for attempt in (1, 2):
            headers = dict(self._call_headers, AuthToken=state.auth_token)
            if payload is not None:
                encrypted = base64.b64encode(crypto.aes_encrypt(state.sek, text.encode())).decode()
                body = crypto.dumps(wrap(encrypted) if wrap else {"Data": encrypted}).encode()
            try:
                return self._exchange(endpoint, path, headers=headers, body=body, request_log=request_log or "",
                                      sek=state.sek)
            except IrpError as exc:
                if attempt == 1 and "1005" in exc.codes:
                    _logger.info("IRP said 1005 (invalid token) on %s: re-authenticating once", endpoint)
                    state = self._session.invalidate(state)
                    continue
                raise
        raise AssertionError("unreachable")

    # --- endpoints --------------------------------------------------------------------------------

    def generate_irn(self, payload):
        """Register an invoice (schema 1.1 dict); returns the verified IRN result."""
        self._require_keyring("generate_irn")
        doc = _get(payload, "DocDtls") or {}
        seller = _get(payload, "SellerDtls") or {}
        reply = self._call("generate_irn", payload=payload)
        return build_irn_result(reply.data, reply.info, self._keyring, "generate_irn", expect={
            "Typ": _get(doc, "Typ"), "No": _get(doc, "No"), "Gstin": _get(seller, "Gstin")})

    def cancel_irn(self, irn, reason_code, remark):
        reason_code = str(reason_code)
        if reason_code not in ("1", "2", "3", "4"):
            raise ValueError(f"IRN cancel reason must be 1, 2, 3 or 4, not {reason_code!r}")
        if not remark or len(remark) > 100:
            raise ValueError("IRN cancel remark must be 1 to 100 characters")
        reply = self._call("cancel_irn", payload={"Irn": irn, "CnlRsn": reason_code, "CnlRem": remark})
        data = reply.data if isinstance(reply.data, dict) else {}
        return CancelResult(irn=_get(data, "Irn") or irn, cancel_date=parse_ist(_get(data, "CancelDate")),
                            data=data)

    def get_irn(self, irn):
        self._require_keyring("get_irn")
        reply = self._call("get_irn", path=ENDPOINTS["get_irn"][1].format(irn=quote(str(irn), safe="")))
        return build_irn_result(reply.data, reply.info, self._keyring, "get_irn")

    def get_irn_by_doc(self, doc_type, doc_no, doc_date):
        """IRN of a document by type (INV/CRN/DBN), number and date (date or 'dd/mm/yyyy')."""
        self._require_keyring("get_irn_by_doc")
        doc_date = format_doc_date(doc_date)
        query = "doctype={}&docnum={}&docdate={}".format(
            quote(str(doc_type), safe=""), quote(str(doc_no), safe=""), quote(doc_date, safe=""))
        reply = self._call("get_irn_by_doc", path=f"{ENDPOINTS['get_irn_by_doc'][1]}?{query}")
        return build_irn_result(reply.data, reply.info, self._keyring, "get_irn_by_doc",
                                expect={"Typ": doc_type, "No": doc_no})

    def _gstin_details(self, endpoint, gstin):
        reply = self._call(endpoint, path=ENDPOINTS[endpoint][1].format(gstin=quote(str(gstin), safe="")))
        data = reply.data if isinstance(reply.data, dict) else {}
        state_code = _get(data, "StateCode")
        pin = _get(data, "AddrPncd")
        return GstinDetails(
            gstin=_get(data, "Gstin") or gstin,
            legal_name=_get(data, "LegalName"),
            trade_name=_get(data, "TradeName"),
            status=_get(data, "Status"),
            blk_status=_get(data, "BlkStatus"),
            txp_type=_get(data, "TxpType"),
            state_code=f"{int(state_code):02d}" if str(state_code or "").isdigit() else state_code,
            pin=number_text(pin),
            address_building_name=_get(data, "AddrBnm"),
            address_building_no=_get(data, "AddrBno"),
            address_floor=_get(data, "AddrFlno"),
            address_street=_get(data, "AddrSt"),
            address_location=_get(data, "AddrLoc"),
            registered_on=_safe_date(_get(data, "DtReg")),
            deregistered_on=_safe_date(_get(data, "DtDReg")),
            data=data,
        )

    def get_gstin(self, gstin):
        return self._gstin_details("get_gstin", gstin)

    def sync_gstin(self, gstin):
        """Refresh the IRP's master from the GST common portal (after 3028/3029) and return it."""
        return self._gstin_details("sync_gstin", gstin)

    def generate_ewaybill(self, payload):
        reply = self._call("generate_ewaybill", payload=payload)
        data = reply.data if isinstance(reply.data, dict) else {}
        ewb_no = number_text(_get(data, "EwbNo", "EwayBillNo"))
        if not ewb_no:
            raise IrpError("The IRP reply has no e-way bill number", kind=errors.UNKNOWN_OUTCOME,
                           endpoint="generate_ewaybill", info=reply.info, http_status=reply.http_status)
        remarks = _get(data, "Remarks")
        return EwbResult(
            ewb_no=ewb_no,
            ewb_date=parse_ist(_get(data, "EwbDt", "EwayBillDate")),
            ewb_valid_till=parse_ist(_get(data, "EwbValidTill", "ValidUpto")),
            remarks=remarks,
            distance=distance_from(reply.info, remarks),
            info=list(reply.info),
            data=data,
        )

    def get_ewaybill(self, irn):
        reply = self._call("get_ewaybill", path=ENDPOINTS["get_ewaybill"][1].format(irn=quote(str(irn), safe="")))
        data = reply.data if isinstance(reply.data, dict) else {}
        return EwbDetails(
            ewb_no=number_text(_get(data, "EwbNo")),
            status=_get(data, "Status"),
            generator_gstin=_get(data, "GenGstin"),
            ewb_date=parse_ist(_get(data, "EwbDt")),
            ewb_valid_till=parse_ist(_get(data, "EwbValidTill")),
            info=list(reply.info),
            data=data,
        )

    def cancel_ewaybill(self, ewb_no, reason_code, remark):
        """Cancel an e-way bill (IRP sandbox API, e-way bill system conventions §9.3)."""
        reason = str(reason_code)
        if reason not in ("1", "2", "3", "4"):
            raise ValueError(f"E-way bill cancel reason must be 1, 2, 3 or 4, not {reason_code!r}")
        if not remark or len(remark) > 50:
            raise ValueError("E-way bill cancel remark must be 1 to 50 characters")
        ewb_text = str(ewb_no).strip()
        if not ewb_text.isdigit():
            raise ValueError(f"E-way bill number must be digits, not {ewb_no!r}")
        payload = {"ewbNo": int(ewb_text), "cancelRsnCode": int(reason), "cancelRmrk": remark}
        reply = self._call("cancel_ewaybill", payload=payload,
                           wrap=lambda encrypted: {"action": "CANEWB", "data": encrypted})
        data = reply.data if isinstance(reply.data, dict) else {}
        return EwbCancelResult(
            ewb_no=number_text(_get(data, "ewayBillNo", "EwbNo")) or ewb_text,
            cancel_date=parse_ist(_get(data, "cancelDate", "CancelDate")),
            data=data,
        )


def build_irn_result(data, info, keyring, endpoint="", expect=None):
    """IrnResult from the decrypted Data of generate / get IRN / get by document, after
    verifying both signatures with `keyring` and that they speak of this IRN (and, with
    `expect` = {'Typ', 'No', 'Gstin'}, of the document asked for). ResponseSignatureError
    otherwise: an unverified result is never returned."""
    data = data if isinstance(data, dict) else {}
    irn = _get(data, "Irn")
    ack_no = number_text(_get(data, "AckNo"))
    signed_invoice = _get(data, "SignedInvoice")
    signed_qr = _get(data, "SignedQRCode")

    def reject(message, cause=None):
        error = ResponseSignatureError(message, endpoint=endpoint, irn=irn, ack_no=ack_no)
        if cause is not None:
            raise error from cause
        raise error

    if not irn or not signed_invoice or not signed_qr:
        reject("The IRP reply lacks the IRN, the signed invoice or the signed QR code")
    try:
        invoice_data = crypto.signed_data(signed_invoice, keyring)
        qr_data = crypto.signed_data(signed_qr, keyring)
    except crypto.SignatureError as exc:
        reject(f"IRN {irn}: {exc}", exc)
    if not isinstance(invoice_data, dict) or not isinstance(qr_data, dict):
        reject(f"IRN {irn}: the signed data is not a JSON object")
    if _get(invoice_data, "Irn") != irn or _get(qr_data, "Irn") != irn:
        reject(f"IRN {irn}: the signed invoice or QR code is for another IRN")
    signed_ack = number_text(_get(invoice_data, "AckNo"))
    if ack_no and signed_ack and signed_ack != ack_no:
        reject(f"IRN {irn}: Ack No {ack_no} differs from the signed Ack No {signed_ack}")
    doc = _get(invoice_data, "DocDtls") or {}
    seller = _get(invoice_data, "SellerDtls") or {}
    try:
        signed_irn = crypto.irn_hash(_get(seller, "Gstin"), _get(doc, "Dt"), _get(doc, "Typ"), _get(doc, "No"))
    except (TypeError, ValueError):
        signed_irn = None
    if signed_irn is not None and signed_irn != irn:
        reject(f"IRN {irn} does not match the signed document details")
    if expect:
        for key, wanted in expect.items():
            got = _get(doc, key) if key != "Gstin" else _get(seller, "Gstin")
            if wanted is not None and str(got or "").upper() != str(wanted).upper():
                reject(f"IRN {irn} is for {key} {got!r}, not {wanted!r}")
    return IrnResult(
        irn=irn,
        ack_no=ack_no or signed_ack,
        # the reply's AckDt (NIC rounds it to the minute); the signed one when the reply lacks it
        ack_date=parse_ist(_get(data, "AckDt") or _get(invoice_data, "AckDt")),
        signed_invoice=signed_invoice,
        signed_qr_code=signed_qr,
        # get-by-IRN replies may carry no Status: unknown, never assumed active
        status=_get(data, "Status") or None,
        ewb_no=number_text(_get(data, "EwbNo")),
        ewb_date=parse_ist(_get(data, "EwbDt")),
        ewb_valid_till=parse_ist(_get(data, "EwbValidTill")),
        remarks=_get(data, "Remarks"),
        info=list(info or []),
        invoice_data=invoice_data,
        qr_data=qr_data,
        data=data,
    )


def _safe_date(value):
    try:
        return parse_date(value)
    except ValueError:
        return None


def fetch_sandbox_keys(base_url, timeout=10):
    """(encryption public key PEM, signing certificate PEM) published by the bundled
    sandbox at base_url (README: /sandbox/keys/*.pem). IrpError when it does not answer."""
    texts = []
    for name in ("encryption", "signing"):
        try:
            response = requests.get(f"{base_url.rstrip('/')}/sandbox/keys/{name}.pem", timeout=timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise IrpError(f"the sandbox at {base_url} does not answer ({exc})", kind=errors.TRANSIENT) from exc
        texts.append(response.text)
    return tuple(texts)
