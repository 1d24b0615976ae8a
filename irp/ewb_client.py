"""HTTP client of NIC's e-way bill system API, v1.03 (nic-ewb-api.md): one method per action.

Beside the IRP client (irp/client.py), sharing its crypto, session handling, masking and
HTTP call skeleton (transport.Transport): every HTTP exchange, authentication included, is
reported to `on_call` as a transport.CallRecord with secrets masked. Every failure is an ewb_errors.EwbError whose kind
says what to do next (data / auth / duplicate / transient / not_found / unknown_outcome).

- auth (§3): POST /auth {"Data": RSA(base64(JSON))}; the token is kept 6 hours (no expiry
  is returned) in a session.SessionManager and reused; 105/106/238 -> re-authenticate once;
- write actions (§4-5): POST /ewayapi {"action", "data": AES(SEK)}; reply data under the SEK;
- GETs (§5.8): reply data under a fresh rek, hmac checked: a wrong hmac is an untrusted
  reply (ewb_errors.UntrustedReply), never accepted.
Plain Python: no Odoo.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from . import crypto, ewb_envelope, ewb_errors, ewb_validation, rules_calendar
from .errors import AUTH, DATA, TRANSIENT, UNKNOWN_OUTCOME
from .ewb_errors import NOT_FOUND, TOKEN_CODES, EwbError, UntrustedReply
from .ewb_results import (
    Closed, EwbBill, EwbCancelled, EwbGenerated, EwbRef, Extended, PartBUpdated, TransporterUpdated,
)
from .masking import mask
from .session import MemorySessionStore, SessionManager, SessionState
from .transport import Reply, Transport, seal, splice_data

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


def _ewb_number(ewb_no):
    text = str(ewb_no).strip()
    if isinstance(ewb_no, bool) or not text.isdigit() or len(text) != 12:
        raise ValueError(f"an e-way bill number is 12 digits, not {ewb_no!r}")
    return int(text)


def _dmy(value):
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    return value


class EwbClient(Transport):
    """NIC e-way bill system API client for one GSTIN and its EWB API user.

    session_store: load() -> SessionState | None and save(state) (default: in memory; the
    Odoo layer keeps it encrypted per GSTIN). http: a requests.Session shared by all
    threads, or a factory of them (one per thread). on_call(CallRecord): after EVERY
    exchange. clock(): aware UTC now. calendar: rules_calendar.Calendar deciding whether
    voluntary closure is available (default: the rules in force; closure is on hold).
    `close` is the voluntary closure of an e-way bill; `close_sessions` closes HTTP sessions.
    """
    endpoints = ENDPOINTS
    creating = CREATING
    auth_endpoint = "ewb_auth"
    token_codes = TOKEN_CODES
    error_class = EwbError
    catalogue = ewb_errors.EWB
    system = SYSTEM
    system_title = "The e-way bill system"
    unavailable = f"{SYSTEM} unavailable"
    url_name = "the e-way bill API URL"

    def __init__(self, config, session_store=None, http=None, on_call=None, clock=None, calendar=None):
        super().__init__(config, http=http, on_call=on_call, clock=clock)
        self.calendar = calendar or rules_calendar.DEFAULT
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
        # NIC's docs write the hyphen forms (§2)
        self._headers = {"client-id": config.client_id, "client-secret": config.client_secret,
                         "gstin": config.gstin, "Content-Type": "application/json",
                         "Accept": "application/json", **self._extra_headers}

    # --- replies (the HTTP exchange itself: transport.Transport) ------------------------------

    def _parse_envelope(self, obj):
        return ewb_envelope.parse_envelope(obj)

    def _envelope_log(self, endpoint, obj, response_log):
        return crypto.dumps(mask(obj))  # authtoken, sek and rek never reach the log

    def _error_info(self, envelope):
        return [envelope.info] if envelope and envelope.info else []

    def _open(self, got, method, sek, lost):
        envelope = got.envelope
        if got.endpoint == self.auth_endpoint:
            return Reply(envelope, envelope.info, got.status, envelope.alert)
        data = envelope.data
        if not isinstance(data, str):
            raise got.fail(f"The reply of {SYSTEM} carries no encrypted data", lost)
        untrusted = f"Untrusted reply from {SYSTEM}: {{}}; it was not accepted"
        try:
            if method == "GET":  # data under a fresh rek, hmac checked (§5.8)
                decrypted, text = ewb_envelope.open_get_reply(sek, envelope)
            else:
                decrypted, text = ewb_envelope.decrypt_data(sek, data)
        except ewb_envelope.IntegrityError as exc:
            raise UntrustedReply(untrusted.format(exc), endpoint=got.endpoint, http_status=got.status) from exc
        except crypto.CryptoError as exc:
            if method == "GET":
                raise UntrustedReply(untrusted.format(exc), endpoint=got.endpoint, http_status=got.status) from exc
            raise got.fail(f"The reply of {SYSTEM} could not be decrypted with the session key ({exc})", lost) from exc
        if self.on_call is not None:
            got.log = splice_data(mask({k: v for k, v in got.obj.items() if str(k).lower() != "data"}), "data", text)
        return Reply(decrypted, envelope.info, got.status, envelope.alert)

    # --- authentication ---------------------------------------------------------------------

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

        def send(state):
            body = None
            if payload is not None:
                body = crypto.dumps({"action": action, "data": seal(state.sek, text)}).encode()
            return self._exchange(endpoint, path, headers=dict(self._headers, authtoken=state.auth_token),
                                  body=body, request_log=request_log, sek=state.sek)

        return self._with_session(endpoint, send)

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
