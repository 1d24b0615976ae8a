"""The local IRP: NIC's paths, headers, envelope, crypto, token rules, validations
and error codes (nic-irp-api.md), over real HTTP.

`Sandbox` is the application (no sockets: a request in, a reply out);
`SandboxHTTPServer` (http.py) puts it on a socket. `make_server` builds both.
The e-way bill system's own API lives in ewb_api.py and shares the store.
"""
import base64
import json
import logging
import re
import secrets
import string
import threading

from . import control, master, rules, rules_ewb
from ._irp import crypto, gstin as gstin_rules, masters
from .calendar import Calendar
from .clock import Clock, fmt, fmt_minute
from .ewb_api import FIRST_EWB_NO, EwbApi
from .faults import FaultBox, corrupt, fault_reply
from .http import Reply, Request, SandboxHTTPServer
from .signer import Keys
from .store import DuplicateIrn, Store

_logger = logging.getLogger(__name__)

DEFAULT_TOKEN_MINUTES = 360
FORCE_REFRESH_WINDOW = 10 * 60       # ForceRefreshAccessToken only works in the last 10 minutes (§3)
CANCEL_WINDOW = 24 * 3600            # IRN and e-way bill cancellation (§9.1, §9.3)
RETENTION = 2 * 24 * 3600            # Get IRN details only for 2 days (§5.3, 2283)
ACK_PREFIX = "18"                    # AckNo = 2 digits + 2-digit year + 11-digit sequence (§5.3)
FIRST_ACK_SEQUENCE = 10000000001
_TOKEN_ALPHABET = string.ascii_letters + string.digits
_IRN = re.compile(r"[0-9a-f]{64}")


class NicError(Exception):
    """A business or protocol error: Status 0 with these ErrorDetails (and InfoDtls)."""

    def __init__(self, errors, info=None):
        super().__init__("; ".join(f"{code}: {message}" for code, message in errors))
        self.errors = list(errors)
        self.info = info


def _error(code, message, info=None):
    return NicError([(code, message)], info)


def envelope(status, data=None, errors=None, info=None):
    return {
        "Status": status,
        "Data": data,
        "ErrorDetails": [{"ErrorCode": code, "ErrorMessage": message} for code, message in errors] if errors else None,
        "InfoDtls": info or None,
    }


def _ci_get(mapping, *names):
    """mapping[name] with the name matched without regard to case."""
    lowered = {str(key).lower(): value for key, value in mapping.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


# (method, path pattern, endpoint name); paths are matched without regard to case, as IIS does
ROUTES = [(method, re.compile(pattern, re.IGNORECASE), name) for method, pattern, name in (
    ("POST", r"/eivital/v1\.04/auth", "auth"),
    ("POST", r"/eicore/v1\.03/invoice", "generate_irn"),
    ("POST", r"/eicore/v1\.03/invoice/cancel", "cancel_irn"),
    ("GET", r"/eicore/v1\.03/invoice/irn/(?P<irn>[^/]*)", "get_irn"),
    ("GET", r"/eicore/v1\.03/invoice/irnbydocdetails", "get_irn_by_doc"),
    ("GET", r"/eivital/v1\.0[34]/master/gstin/(?P<gstin>[^/]*)", "get_gstin"),
    ("GET", r"/eivital/v1\.0[34]/master/syncgstin/(?P<gstin>[^/]*)", "sync_gstin"),
    ("POST", r"/eiewb/v1\.03/ewaybill", "generate_ewaybill"),
    ("GET", r"/eiewb/v1\.03/ewaybill/irn/(?P<irn>[^/]*)", "get_ewaybill"),
    ("POST", r"(/eiewb/v1\.03)?/ewayapi", "cancel_ewaybill"),
    # the e-way bill system's own API (ewb_api.py); its POST also takes the IRP's cancel e-way bill
    ("POST", r"/ewaybillapi/v1\.03/auth", "ewb_auth"),
    ("POST", r"/ewaybillapi/v1\.03/ewayapi", "ewb_action"),
    ("GET", r"/ewaybillapi/v1\.03/ewayapi/(?P<method>[A-Za-z]+)", "ewb_get"),
    ("GET", r"/ewaybillapi/v1\.03/master/(?P<method>[A-Za-z]+)", "ewb_get"),
    ("GET", r"/eivital/v1\.0[0-9]/heartbeat/ping", "heartbeat"),
)]


def route(method, path):
    """(endpoint name, path parameters) or (None, None); ('', None) when the path exists for another method."""
    path = path.rstrip("/") or "/"
    other_method = False
    for route_method, pattern, name in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            if route_method == method:
                return name, match.groupdict()
            other_method = True
    return ("", None) if other_method else (None, None)


class Sandbox:
    """The IRP itself: state (store, keys, clock, faults) and one method per endpoint."""

    def __init__(self, db_path, token_minutes=DEFAULT_TOKEN_MINUTES, latency_ms=0, hsn_master=None, faults=(),
                 rules=None, aato=None):
        self.store = Store(db_path)
        self.keys = Keys.load_or_create(self.store)
        self.store.seed_gstins([taxpayer for taxpayer in master.TAXPAYERS if taxpayer["in_irp_master"]])
        self.clock = Clock()
        self.faults = FaultBox(faults)
        self.calendar = Calendar(rules, aato)  # dated NIC rules: switches and AATO bands (calendar.py)
        self.token_minutes = int(token_minutes) if float(token_minutes).is_integer() else float(token_minutes)
        self.latency_ms = float(latency_ms)
        self.hsn_master = hsn_master or master.HsnMaster()
        self.stopping = threading.Event()
        self._counts_lock = threading.Lock()
        self.request_counts = {}
        self.ewb = EwbApi(self)

    def close(self):
        self.stopping.set()
        self.store.close()

    # --- dispatch -----------------------------------------------------------------------

    def handle(self, request):
        if request.path.lower().startswith("/sandbox/") or request.path.lower() == "/sandbox":
            return control.handle(self, request, lambda status, body, content_type="application/json; charset=utf-8":
                                  Reply(status, body, content_type))
        endpoint, params = route(request.method, request.path)
        if endpoint is None:
            return Reply(404, {"message": f"No resource at {request.path}"})
        if endpoint == "":
            return Reply(405, {"message": f"{request.method} is not allowed on {request.path}"})
        if endpoint.startswith("ewb_"):
            endpoint = self.ewb.resolve(endpoint, params, request)
            if not endpoint:
                return Reply(404, {"message": f"No resource at {request.path}"})
        with self._counts_lock:
            self.request_counts[endpoint] = self.request_counts.get(endpoint, 0) + 1

        delay, fault = self.faults.take(endpoint)
        delay += self.latency_ms / 1000.0
        if delay > 0:
            self.stopping.wait(delay)
        kind = fault.kind if fault else None
        commit = bool(fault and fault.params.get("commit"))
        if kind == "rate_limit":
            retry_after = fault.params["retry_after"]
            return Reply(429, b"Too Many Requests", "text/plain",
                         headers=[("Retry-After", f"{retry_after:g}")])
        if kind in ("http_error", "hang") and not commit:
            return fault_reply(fault, Reply)

        if endpoint.startswith("ewb_"):
            extra_headers, result = self.ewb.handle(endpoint, request)
        else:
            extra_headers, result = [], self._dispatch(endpoint, params, request)
        if kind in ("http_error", "hang"):
            return fault_reply(fault, Reply)
        if kind == "drop_after_commit":
            return Reply(action="drop")
        if kind == "corrupt_data":
            corrupt(result)
        return Reply(200, result, headers=extra_headers)

    def _dispatch(self, endpoint, params, request):
        try:
            if endpoint == "auth":
                return envelope(1, self.authenticate(request))
            if endpoint == "heartbeat":
                return envelope(1, None)
            session = self.authorise(request)
            handler = getattr(self, endpoint)
            if request.method == "POST":
                data, info = handler(session, request, self._payload(request, session))
            else:
                data, info = handler(session, request, **params)
            return envelope(1, crypto.encrypt_json(session["sek"], data), info=info)
        except NicError as exc:
            return envelope(0, None, exc.errors, exc.info)
        except Exception:  # a bug here must look like NIC's own failures, not kill the connection
            _logger.exception("sandbox failed on %s %s", request.method, request.path)
            return envelope(0, None, [("5001", "Application error: please try again or contact the help desk")])

    # --- authentication ------------------------------------------------------------------

    def _check_client(self, request):
        client_id = request.header("client_id", "clientid")
        client_secret = request.header("client_secret", "clientsecret")
        if not client_id:
            raise _error("1011", "Client Id is required")
        if not client_secret:
            raise _error("1012", "Client Secret is required")
        if master.CLIENTS.get(client_id) != client_secret:
            raise _error("1010", "Invalid Client-ID/Client-Secret")
        gstin = request.header("Gstin")
        if not gstin:
            raise _error("1004", "Header GSTIN is required")
        return client_id, gstin.upper()

    def authenticate(self, request):
        client_id, gstin = self._check_client(request)
        body = _json_body(request)
        data_b64 = _ci_get(body, "Data") if isinstance(body, dict) else None
        if not isinstance(data_b64, str) or not data_b64:
            raise _error("1007", "Authentication failed: the request must carry the encrypted Data")
        try:
            auth = self.keys.open_auth_data(data_b64)
        except crypto.CryptoError:
            raise _error("1013", "Decryption of password failed: encrypt the payload with the IRP's public "
                                 "encryption key") from None
        if not isinstance(auth, dict):
            raise _error("1007", "Authentication failed: malformed authentication payload")
        user_name, password = _ci_get(auth, "UserName"), _ci_get(auth, "Password")
        if not isinstance(user_name, str) or not isinstance(password, str) or not user_name or not password:
            raise _error("1008", "Invalid login credentials: UserName and Password are required")
        try:
            app_key = base64.b64decode(_ci_get(auth, "AppKey") or "", validate=True)
        except (ValueError, TypeError):
            app_key = b""
        if len(app_key) != crypto.APP_KEY_BYTES:
            raise _error("1016", "Decryption of App Key failed: AppKey must be 32 random bytes in base64")
        user = master.find_user(gstin, user_name)
        if user is None:
            raise _error("1017", f"Incorrect user id {user_name} for GSTIN {gstin}: user does not exist")
        if password != user["password"]:
            raise _error("1019", "Incorrect password")
        if client_id != master.CLIENT_ID:
            raise _error("1018", f"Client Id is not mapped to the user {user_name}")

        now = self.clock.timestamp()
        force = _ci_get(auth, "ForceRefreshAccessToken")
        force = force is True or str(force).lower() == "true"
        session = self.store.live_session(client_id, gstin, user["user_name"], now)
        if session is None or (force and session["expires_at"] - now <= FORCE_REFRESH_WINDOW):
            token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(25))
            session = {"token": token, "sek": crypto.new_app_key(), "expires_at": now + self.token_minutes * 60}
            self.store.add_session(token, client_id, gstin, user["user_name"], session["sek"], now,
                                   session["expires_at"])
        return {
            "ClientId": client_id,
            "UserName": user["user_name"],
            "AuthToken": session["token"],
            "Sek": crypto.encrypt_sek(app_key, session["sek"]),
            "TokenExpiry": fmt(session["expires_at"]),
        }

    def authorise(self, request):
        """The session of a call's AuthToken, after the header checks of §2."""
        client_id, gstin = self._check_client(request)
        user_name = request.header("user_name", "username")
        if not user_name:
            raise _error("1006", "Header user_name is required")
        token = request.header("AuthToken", "auth_token")
        session = self.store.session(token) if token else None
        if (session is None or session["expires_at"] <= self.clock.timestamp()
                or session["client_id"] != client_id or session["user_name"].lower() != user_name.lower()):
            raise _error("1005", "Invalid Token")
        if session["gstin"] != gstin:
            raise _error("1015", f"Invalid GSTIN for this user: the token was issued to {session['gstin']}")
        return session

    @staticmethod
    def _payload(request, session):
        body = _json_body(request)
        data = _ci_get(body, "Data") if isinstance(body, dict) else None
        if not isinstance(data, str) or not data.strip():
            raise _error("5003", "Data cannot be null or empty")
        try:
            payload = crypto.decrypt_json(session["sek"], data)
        except crypto.CryptoError:
            raise _error("1020", "Decryption failed: encrypt Data with the SEK of this session") from None
        if not isinstance(payload, dict):
            raise _error("2140", "Invalid JSON: the payload must be a JSON object")
        if "action" in {str(key).lower() for key in body}:
            payload["__action__"] = _ci_get(body, "action")
        return payload

    # --- IRN -----------------------------------------------------------------------------------

    def _context(self, session):
        return rules.Context(session["gstin"], self.clock.today(), self.store.gstin, self.hsn_master.exists,
                             self.calendar)

    def _duplicate(self, row):
        if row["status"] == "CNL":
            return _error("2278", "IRN is already generated and is cancelled for this Document. Duplicate IRN "
                                  "cannot be generated for the same number.")
        return _error("2150", "Duplicate IRN", info=[{"InfCd": "DUPIRN", "Desc": {
            "AckNo": row["ack_no"], "AckDt": fmt_minute(row["ack_at"]), "Irn": row["irn"]}}])

    def generate_irn(self, session, request, payload):
        invoice, errors = rules.normalise_invoice(payload)
        doc = invoice.get("DocDtls", {})
        seller_gstin = invoice.get("SellerDtls", {}).get("Gstin")
        doc_date = rules.parse_date(doc.get("Dt"))
        ignore_case = self.calendar.in_force("doc_no_case_insensitive", self.clock.today())
        if ignore_case and doc.get("No"):  # from 01/06/2025 the IRP upper-cases the number before the IRN
            doc["No"] = doc["No"].upper()
        irn = None
        if seller_gstin and doc.get("Typ") and doc.get("No") and doc_date:
            irn = crypto.irn_hash(seller_gstin, doc_date, doc["Typ"], doc["No"])
            existing = self.store.invoice(irn)
            if existing is None and ignore_case:  # registered in either case (before 01/06/2025, say)
                existing = self.store.find_document(seller_gstin, crypto.financial_year(doc_date), doc["Typ"],
                                                    doc["No"])
            if existing is not None and session["gstin"] in (existing["seller_gstin"], _ecom_of(existing)):
                raise self._duplicate(existing)
        context = self._context(session)
        errors += rules.check_invoice(invoice, context) + rules_ewb.check_with_irn(invoice, context)
        if errors:
            raise NicError(errors)

        now = self.clock.now()
        ack_no = int(f"{ACK_PREFIX}{now.year % 100:02d}"
                     f"{self.store.next_number('ack', FIRST_ACK_SEQUENCE) % 10 ** 11:011d}")
        items = invoice["ItemList"]
        signed_invoice = self.keys.sign({
            "AckNo": ack_no, "AckDt": fmt(now), "Irn": irn,
            **{key: ([_signed_item(item) for item in value] if key == "ItemList" else value)
               for key, value in invoice.items()},
        })
        totals = invoice["ValDtls"]
        signed_qr_code = self.keys.sign({
            "SellerGstin": seller_gstin,
            "BuyerGstin": invoice["BuyerDtls"]["Gstin"],
            "DocNo": doc["No"],
            "DocTyp": doc["Typ"],
            "DocDt": doc["Dt"],
            "TotInvVal": totals["TotInvVal"],
            "ItemCnt": len(items),
            "MainHsnCode": rules.main_hsn(items),
            "Irn": irn,
            "IrnDt": fmt(now),
        })
        row = {
            "irn": irn, "seller_gstin": seller_gstin, "fin_year": crypto.financial_year(doc_date),
            "doc_type": doc["Typ"], "doc_no": doc["No"], "doc_date": doc["Dt"],
            "buyer_gstin": invoice["BuyerDtls"]["Gstin"], "sup_type": invoice["TranDtls"]["SupTyp"],
            "total_value": totals["TotInvVal"], "ack_no": ack_no, "ack_at": now.timestamp(),
            "signed_invoice": signed_invoice, "signed_qr_code": signed_qr_code,
            "invoice_json": crypto.dumps(invoice), "status": "ACT",
        }
        try:
            self.store.add_invoice(row)
        except DuplicateIrn:  # a concurrent request registered the same document first
            raise self._duplicate(self.store.invoice(irn)) from None

        data = {"AckNo": ack_no, "AckDt": fmt_minute(now), "Irn": irn, "SignedInvoice": signed_invoice,
                "SignedQRCode": signed_qr_code, "Status": "ACT", "EwbNo": None, "EwbDt": None,
                "EwbValidTill": None, "Remarks": None}
        info = None
        if "EwbDtls" in invoice:  # e-way bill with the IRN: its failure does not undo the IRN (EWBERR)
            try:
                ewb, info = self._create_ewaybill(session, row, invoice, {**invoice["EwbDtls"], "Irn": irn})
                data.update(ewb)
            except NicError as exc:
                info = [{"InfCd": "EWBERR", "Desc": [{"ErrorCode": code, "ErrorMessage": message}
                                                     for code, message in exc.errors]}]
        return data, info

    def _invoice_data(self, row):
        ewb = self.store.active_ewaybill(row["irn"])
        return {
            "AckNo": row["ack_no"],
            "AckDt": fmt_minute(row["ack_at"]),
            "Irn": row["irn"],
            "SignedInvoice": row["signed_invoice"],
            "SignedQRCode": row["signed_qr_code"],
            "Status": row["status"],
            "EwbNo": ewb["ewb_no"] if ewb else None,
            "EwbDt": fmt_minute(ewb["generated_at"]) if ewb else None,
            "EwbValidTill": ewb["valid_till"] if ewb else None,
            "Remarks": None,
        }

    def _readable_invoice(self, session, request, row):
        if row is None:
            raise _error("2148", "Requested IRN data is not available")
        if session["gstin"] not in (row["seller_gstin"], _ecom_of(row)):
            raise _error("2143", "This IRN does not belong to the GSTIN of this user")
        if self.clock.timestamp() - row["ack_at"] > RETENTION:
            raise _error("2283", "IRN details cannot be provided as it is generated more than 2 days prior")
        return self._invoice_data(row), None

    def get_irn(self, session, request, irn=""):
        return self._readable_invoice(session, request, self.store.invoice(irn.strip().lower()))

    def get_irn_by_doc(self, session, request):
        doc_type = request.query.get("doctype") or request.header("doctype")
        doc_no = request.query.get("docnum") or request.header("docnum")
        doc_date = request.query.get("docdate") or request.header("docdate")
        if not (doc_type and doc_no and doc_date):
            raise _error("2142", "Incomplete request parameters: doctype, docnum and docdate are required")
        parsed = rules.parse_date(doc_date)
        if parsed is None:
            raise _error("2144", f"Document date {doc_date} should be in dd/mm/yyyy format")
        seller = (request.query.get("sup_gstin") or request.header("sup_gstin") or session["gstin"]).upper()
        row = self.store.invoice(crypto.irn_hash(seller, parsed, doc_type.upper(), doc_no))
        if row is None and self.calendar.in_force("doc_no_case_insensitive", self.clock.today()):
            row = self.store.find_document(seller, crypto.financial_year(parsed), doc_type.upper(), doc_no)
        return self._readable_invoice(session, request, row)

    def cancel_irn(self, session, request, payload):
        irn = _ci_get(payload, "Irn")
        reason = _ci_get(payload, "CnlRsn")
        remark = _ci_get(payload, "CnlRem")
        if not isinstance(irn, str) or not _IRN.fullmatch(irn.strip().lower()):
            raise _error("2145", "IRN is not valid: 64 lower-case hexadecimal characters expected")
        reason = str(reason) if reason is not None else ""
        problems = []
        if reason not in masters.IRN_CANCEL_REASONS:
            problems.append(("2142", "Cancel reason (CnlRsn) must be 1 (Duplicate), 2 (Data entry mistake), "
                                     "3 (Order cancelled) or 4 (Others)"))
        if not isinstance(remark, str) or not remark.strip() or len(remark) > 100:
            problems.append(("2142", "Cancel remark (CnlRem) is required, at most 100 characters"))
        if problems:
            raise NicError(problems)
        irn = irn.strip().lower()
        row = self.store.invoice(irn)
        if row is None:
            raise _error("2148", "Requested IRN data is not available")
        if row["seller_gstin"] != session["gstin"]:
            raise _error("2143", "This IRN does not belong to the GSTIN of this user")
        if row["status"] == "CNL":
            raise _error("9999", "Invoice is not active: the IRN is already cancelled")
        now = self.clock.now()
        if now.timestamp() - row["ack_at"] > CANCEL_WINDOW:
            raise _error("2270", "The allowed cancellation time limit (24 hours from generation) is crossed: "
                                 "issue a credit note instead")
        if self.store.active_ewaybill(irn):
            raise _error("2230", "This IRN cannot be cancelled because an active e-way bill exists for it: "
                                 "cancel the e-way bill first")
        if not self.store.cancel_invoice(irn, now.timestamp(), reason, remark.strip()):
            raise _error("9999", "Invoice is not active: the IRN is already cancelled")
        return {"Irn": irn, "CancelDate": fmt_minute(now)}, None

    # --- e-way bill -----------------------------------------------------------------------

    def _create_ewaybill(self, session, row, invoice, request):
        now = self.clock.now()
        errors, plan = rules_ewb.plan_ewaybill(request, invoice, self._context(session), now)
        if errors:
            raise NicError(errors)
        ewb_no = self.store.next_number("ewb", FIRST_EWB_NO)
        valid_till = plan["valid_till"].strftime("%Y-%m-%d %H:%M:%S") if plan["valid_till"] else None
        active = self.store.add_ewaybill_if_none_active({
            "ewb_no": ewb_no, "irn": row["irn"], "gstin": session["gstin"], "generated_at": now.timestamp(),
            "valid_till": valid_till, "distance": int(plan["distance"]),
            "request_json": crypto.dumps({key: value for key, value in request.items() if key != "Irn"}),
            "status": "ACT",
        })
        if active is not None:
            raise _error("4002", f"E-way bill {active['ewb_no']} is already generated for this IRN")
        info = [{"InfCd": "EWBPPD", "Desc": plan["remarks"]}] if plan["computed"] else None
        return {"EwbNo": ewb_no, "EwbDt": fmt_minute(now), "EwbValidTill": valid_till,
                "Remarks": plan["remarks"]}, info

    def generate_ewaybill(self, session, request, payload):
        ewb_request, errors = rules_ewb.normalise_ewaybill(payload)
        if errors:
            raise NicError(errors)
        irn = ewb_request["Irn"].lower()
        row = self.store.invoice(irn)
        if row is None:
            raise _error("4003", "Requested IRN data is not available")
        if row["seller_gstin"] != session["gstin"]:
            raise _error("4037", "You are not authorised to generate an e-way bill for this IRN")
        if row["status"] != "ACT":
            raise _error("4000", "IRN is not active: it is cancelled")
        active = self.store.active_ewaybill(irn)
        if active is not None:
            raise _error("4002", f"E-way bill {active['ewb_no']} is already generated for this IRN")
        return self._create_ewaybill(session, row, json.loads(row["invoice_json"]), ewb_request)

    def get_ewaybill(self, session, request, irn=""):
        irn = irn.strip().lower()
        row = self.store.invoice(irn)
        if row is None:
            raise _error("4003", "Requested IRN data is not available")
        if row["seller_gstin"] != session["gstin"]:
            raise _error("4037", "You are not authorised to get the e-way bill of this IRN")
        ewb = self.store.latest_ewaybill(irn)
        if ewb is None:
            raise _error("4005", "E-way bill details are not found for this IRN")
        return {"EwbNo": ewb["ewb_no"], "Status": ewb["status"], "GenGstin": ewb["gstin"],
                "EwbDt": fmt_minute(ewb["generated_at"]), "EwbValidTill": ewb["valid_till"]}, None

    def cancel_ewaybill(self, session, request, payload):
        action = payload.pop("__action__", None)
        if action is not None and str(action).upper() != "CANEWB":
            raise _error("4006", f"Unknown action {action}: this path takes CANEWB")
        number = _ci_get(payload, "ewbNo")
        reason = _ci_get(payload, "cancelRsnCode")
        remark = _ci_get(payload, "cancelRmrk")
        if not re.fullmatch(r"[0-9]{12}", str(number or "")):
            raise _error("4008", f"Invalid e-way bill number {number}")
        reason = str(reason) if reason is not None else ""
        if reason not in masters.EWB_CANCEL_REASONS:
            raise _error("4006", "Cancel reason (cancelRsnCode) must be 1 (Duplicate), 2 (Order cancelled), "
                                 "3 (Data entry mistake) or 4 (Others)")
        if remark is not None and (not isinstance(remark, str) or len(remark) > 50):
            raise _error("4006", "Cancel remark (cancelRmrk) must be text of at most 50 characters")
        ewb = self.store.ewaybill(int(number))
        if ewb is None:
            raise _error("4007", f"E-way bill {number} is not available")
        if ewb["gstin"] != session["gstin"] or ewb["status"] != "ACT":
            raise _error("312", "This e-way bill is either not generated by you or cancelled")
        now = self.clock.now()
        if now.timestamp() - ewb["generated_at"] > CANCEL_WINDOW:
            raise _error("315", "The e-way bill can be cancelled only within 24 hours of its generation")
        if not self.store.cancel_ewaybill(ewb["ewb_no"], now.timestamp(), reason, (remark or "").strip()):
            raise _error("312", "This e-way bill is either not generated by you or cancelled")
        return {"ewayBillNo": str(ewb["ewb_no"]), "cancelDate": now.strftime("%d/%m/%Y %I:%M:%S %p")}, None

    # --- GSTIN master ----------------------------------------------------------------------

    @staticmethod
    def _gstin_argument(value):
        gstin = (value or "").strip().upper()
        if not gstin_rules.is_well_formed(gstin):
            raise _error("3030", f"Invalid GSTIN {value}")
        return gstin

    def get_gstin(self, session, request, gstin=""):
        gstin = self._gstin_argument(gstin)
        record = self.store.gstin(gstin)
        if record is None:
            if gstin in master.PORTAL:
                raise _error("3028", f"GSTIN {gstin} is not present in the e-invoice master: use Sync GSTIN "
                                     "to fetch it from the common portal")
            raise _error("3001", "Requested data is not available")
        return master.gstin_details(record), None

    def sync_gstin(self, session, request, gstin=""):
        gstin = self._gstin_argument(gstin)
        taxpayer = master.PORTAL.get(gstin)
        if taxpayer is None:
            raise _error("3001", "Requested data is not available")
        record = dict(taxpayer, in_irp_master=True)
        self.store.save_gstin(record, self.clock.timestamp())
        return master.gstin_details(record), None

    # --- /sandbox/* -------------------------------------------------------------------------

    def info(self):
        return control.info(self)

    def stats(self):
        return control.stats(self)


def _signed_item(item):
    """An item as the signed invoice shows it: "ItemNo": 0 first, quantities and prices as decimals (§5.5)."""
    signed = {"ItemNo": 0, **item}
    for key in ("Qty", "FreeQty", "UnitPrice"):
        if isinstance(signed.get(key), int):
            signed[key] = float(signed[key])
    return signed


def _ecom_of(row):
    """The e-commerce operator GSTIN of a stored invoice, if any."""
    try:
        return json.loads(row["invoice_json"]).get("TranDtls", {}).get("EcmGstin")
    except (ValueError, TypeError):
        return None


def _json_body(request):
    if not request.body:
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        return None


def make_server(host="127.0.0.1", port=8765, db_path=".local/sandbox.sqlite3", token_minutes=DEFAULT_TOKEN_MINUTES,
                latency_ms=0, hsn_master=None, faults=(), verbose=False, rules=None, aato=None):
    app = Sandbox(db_path, token_minutes=token_minutes, latency_ms=latency_ms, hsn_master=hsn_master, faults=faults,
                  rules=rules, aato=aato)
    try:
        return SandboxHTTPServer((host, port), app, verbose=verbose)
    except OSError:
        app.close()
        raise


__all__ = ["Sandbox", "SandboxHTTPServer", "make_server", "NicError", "Request", "Reply", "route"]
