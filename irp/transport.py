"""The HTTP call skeleton of both NIC clients: the IRP's (client.py) and the e-way bill system's
(ewb_client.py).

Shared here: one requests.Session per thread (or one given), secret values scrubbed from
logged texts, one CallRecord per exchange to `on_call`, transport faults and refusals
(429/5xx/3xx, no envelope, NIC error codes) mapped to error kinds, and the "token no longer
good: re-authenticate once and send again" loop. Each client keeps what its protocol does
differently: headers, authentication, request bodies, how a reply's data is opened, its
error class and catalogue, and which codes mean a stale token. Plain Python: no Odoo.
"""
import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from . import crypto
from .envelope import parse_retry_after
from .errors import AUTH, DATA, TRANSIENT, UNKNOWN_OUTCOME
from .masking import MASK, mask_headers
from .session import utc_now

_logger = logging.getLogger(__name__)

__all__ = ["CallRecord", "Received", "Reply", "Transport", "seal", "splice_data"]


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange with the IRP or the e-way bill system, secrets masked, for the API call log."""
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


class Reply:
    """What a successful exchange gave: decrypted data, the envelope's info (and alert)."""
    __slots__ = ("alert", "data", "http_status", "info")

    def __init__(self, data, info, http_status, alert=None):
        self.data = data
        self.info = info
        self.http_status = http_status
        self.alert = alert


@dataclass
class Received:
    """One HTTP reply being read; `fail` builds the error to raise about it."""
    error_class: type
    endpoint: str
    status: int
    obj: dict  # the reply's JSON object, or None
    envelope: object  # its parsed envelope, or None
    info: list  # the info an error about it carries
    retry_after: float
    log: str  # the reply's text for the call log

    def fail(self, message, kind):
        return self.error_class(message, kind=kind, errors=self.envelope.errors if self.envelope else [],
                                info=self.info, http_status=self.status, retry_after=self.retry_after,
                                endpoint=self.endpoint)


def nothing_sent(exc):
    """True when a requests ConnectionError happened before the request left (no connection)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def seal(sek, text):
    """base64 of `text` AES-encrypted under the session key: the data of a request."""
    return base64.b64encode(crypto.aes_encrypt(sek, text.encode())).decode()


def splice_data(rest, key, text):
    """Log text of an envelope with its data in clear (it holds no secret), spliced in to avoid
    re-serialising it: `rest` is the envelope without its data."""
    head = crypto.dumps(rest)
    return head[:-1] + ("," if rest else "") + f'"{key}":' + text + "}"


def _json_object(raw):
    try:
        obj = json.loads(raw) if raw else None
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


class Transport:
    """Base of a NIC API client for one GSTIN: HTTP sessions, call log, fault mapping.

    A subclass sets the class attributes below and implements `_parse_envelope`,
    `_open` and `_authenticate_now`; it creates `self._session` (a SessionManager).
    `config` has base_url, gstin, client_secret, password, extra_headers,
    connect_timeout, read_timeout and verify_tls.
    """
    endpoints = None  # endpoint name -> (HTTP method, path, ...)
    creating = frozenset()  # calls that change something: a lost reply leaves their outcome unknown
    auth_endpoint = ""
    token_codes = frozenset()  # "the session token is no longer good": re-authenticate once
    error_class = None  # IrpError or a subclass
    catalogue = None  # errors.Catalogue: the kind of a refusal from its codes
    # HTTP statuses without an envelope that are worth a retry: 408, the server gave up waiting
    # for the request, so nothing was done (both NIC systems sit behind the same kind of gateway)
    transient_http = frozenset({408})
    # words of messages: "Could not connect to {system}", "{system_title} did not answer"
    system = ""
    system_title = ""
    unavailable = ""  # label of HTTP 503
    url_name = ""  # "... {url_name} redirects to ..."

    def __init__(self, config, http=None, on_call=None, clock=None):
        self.config = config
        self.on_call = on_call
        self._clock = clock or utc_now
        self._base_url = config.base_url.rstrip("/")
        self._timeout = (config.connect_timeout, config.read_timeout)
        self._extra_headers = dict(config.extra_headers or {})
        # a GSP's extra headers usually carry its API key: their values are secrets too
        self._extra_header_names = {name.lower() for name in self._extra_headers}
        self._secret_texts = {s for s in (config.password, config.client_secret) if s and len(s) >= 4}
        # (only values long enough to be keys: scrubbing "true" or "nic1" everywhere would garble the log)
        self._secret_texts |= {str(value) for value in self._extra_headers.values() if value and len(str(value)) >= 8}
        self._secret_lock = threading.Lock()
        # HTTP sessions: shared, or one per thread from a factory
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
        """The cached session (no network call), or None."""
        return self._session.peek()

    def authenticate(self, force_refresh=False):
        """Authenticate now (e.g. 'Test connection') and keep the session for later calls."""
        return self._session.authenticate(force_refresh)

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
            _logger.exception("%s: on_call hook failed", self.system_title)

    # --- calls with the session -----------------------------------------------------------

    def _with_session(self, endpoint, send):
        """send(session state) -> reply; when the reply says the token is no longer good,
        re-authenticate once and send once more."""
        state = self._session.get()
        try:
            return send(state)
        except self.error_class as exc:
            if not self.token_codes & set(exc.codes):
                raise
            _logger.info("%s said %s on %s: re-authenticating once", self.system_title, exc.codes, endpoint)
        return send(self._session.invalidate(state))

    # --- one HTTP exchange -----------------------------------------------------------------

    def _exchange(self, endpoint, path, *, headers, body=None, request_log="", sek=None):
        """Send one request and return a Reply, or raise error_class. Emits one CallRecord."""
        method = self.endpoints[endpoint][0]
        creating = endpoint in self.creating
        lost = UNKNOWN_OUTCOME if creating else TRANSIENT
        maybe = "; the request may have been processed" if creating else ""
        error = self.error_class
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
                raise error(f"Could not connect to {self.system} in time ({exc.__class__.__name__}); "
                            "nothing was sent", kind=TRANSIENT, endpoint=endpoint) from exc
            except requests.exceptions.ReadTimeout as exc:
                raise error(f"{self.system_title} did not answer in time{maybe}", kind=lost,
                            endpoint=endpoint) from exc
            except requests.exceptions.SSLError as exc:
                raise error(f"TLS error talking to {self.system}: {exc}", kind=TRANSIENT, endpoint=endpoint) from exc
            except requests.exceptions.ConnectionError as exc:
                if nothing_sent(exc):
                    raise error(f"Could not connect to {self.system}: {exc}", kind=TRANSIENT,
                                endpoint=endpoint) from exc
                raise error(f"The connection to {self.system} broke before its reply{maybe}", kind=lost,
                            endpoint=endpoint) from exc
            except requests.exceptions.RequestException as exc:
                raise error(f"HTTP error talking to {self.system}: {exc}", kind=lost, endpoint=endpoint) from exc
            http_status = response.status_code
            raw = response.content
            if raw and self.on_call is not None:
                response_log = raw.decode("utf-8", "replace")
            reply, response_log = self._read_response(endpoint, method, response, raw, sek, lost, response_log)
            return reply
        except error as exc:
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

    def _read_response(self, endpoint, method, response, raw, sek, lost, response_log):
        """(Reply, response text for the log) from an HTTP response, or error_class."""
        obj = _json_object(raw)
        envelope = self._parse_envelope(obj) if obj is not None else None
        if envelope is not None and self.on_call is not None:
            response_log = self._envelope_log(endpoint, obj, response_log)
        got = Received(self.error_class, endpoint, response.status_code, obj, envelope, self._error_info(envelope),
                       parse_retry_after(response.headers.get("Retry-After")), response_log)
        self._refuse_failure(got, response, lost)
        reply = self._open(got, method, sek, lost)
        return reply, got.log

    def _refuse_failure(self, got, response, lost):
        """Raise the error of a reply that is not a success: HTTP status, no envelope, NIC codes."""
        status, envelope, retry_after = got.status, got.envelope, got.retry_after
        if status in (429, 503):
            # 429 is refused before any processing; a gateway's 503 may come after the system
            # committed, so on a creating call it leaves the outcome unknown (look up first)
            label = "rate limit reached" if status == 429 else self.unavailable
            raise got.fail(f"HTTP {status}: {label}" + (f", retry after {retry_after:g} s" if retry_after else ""),
                           TRANSIENT if status == 429 else lost)
        if status >= 500:
            raise got.fail(f"HTTP {status} from {self.system} or a gateway", lost)
        if 300 <= status < 400:  # redirects are not followed: a request must not be replayed elsewhere
            raise got.fail(f"HTTP {status}: {self.url_name} redirects to {response.headers.get('Location')!r}; "
                           "check the configured base URL", DATA)
        if envelope is None:
            if status >= 400:
                raise got.fail(f"HTTP {status} from {self.system}", self._kind_for_http(status))
            raise got.fail(f"Unreadable reply from {self.system} (HTTP {status}, not a JSON envelope)", lost)
        if not envelope.ok:
            if envelope.errors:
                raise got.fail(None, self.catalogue.classify([entry["code"] for entry in envelope.errors]))
            if status >= 400:
                raise got.fail(f"HTTP {status} from {self.system}", self._kind_for_http(status))
            raise got.fail(f"{self.system_title} refused the request without giving a reason", DATA)

    def _kind_for_http(self, status):
        if status in (401, 403):
            return AUTH
        if status in self.transient_http:
            return TRANSIENT
        return DATA

    # --- what each protocol does its own way --------------------------------------------------

    def _parse_envelope(self, obj):
        """The envelope (with .ok, .errors, .data, .info) of a reply's JSON object."""
        raise NotImplementedError

    def _envelope_log(self, endpoint, obj, response_log):
        """The log text of a reply that is a JSON envelope (default: as received)."""
        return response_log

    def _error_info(self, envelope):
        """The `info` an error about this reply carries."""
        return envelope.info if envelope else []

    def _open(self, got, method, sek, lost):
        """The Reply of a successful envelope (its data decrypted); may set got.log."""
        raise NotImplementedError

    def _authenticate_now(self, force_refresh):
        """Authenticate over HTTP and return a new SessionState (the SessionManager's callback)."""
        raise NotImplementedError
