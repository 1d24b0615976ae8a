"""The e-way bill system's own API (nic-ewb-api.md), on the sandbox's server under
/ewaybillapi/v1.03, sharing the store (and so the e-way bills made by IRN) with the IRP.

  POST /ewaybillapi/v1.03/auth                   ACCESSTOKEN (§3)
  POST /ewaybillapi/v1.03/ewayapi[/]             {"action": ..., "data": AES(SEK)} (§4, §5)
  GET  /ewaybillapi/v1.03/ewayapi/<Method>?...   GetEwayBill, GetEwayBillGeneratedByConsigner,
                                                 GetEwayBillsByDate, GetEwayBillsForTransporter,
                                                 GetEwayBillsofOtherParty (§5.8; rek + hmac)
  GET  /ewaybillapi/v1.03/Master/<Method>?...    GetGSTINDetails, GetErrorList

Envelope: {"status": "1", "data": ...} / {"status": "0", "error": base64 of {"errorCodes": "c1,c2"},
"info": ...}; HTTP 200 for business errors. The sandbox adds a header X-Sandbox-Errors with NIC's
wording of the codes (and its own detail), which NIC does not send.
"""
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import string
from datetime import datetime, timedelta

from . import ewb_lifecycle, ewb_master, ewb_rules, master
from ._irp import crypto, gstin as gstin_rules
from .clock import IST

_logger = logging.getLogger(__name__)

PREFIX = "/ewaybillapi/v1.03"
FIRST_EWB_NO = 381000000001          # shared with the IRP's e-way bills by IRN (server.FIRST_EWB_NO)
_TOKEN_ALPHABET = string.ascii_letters + string.digits

# action -> endpoint name (fault injection, request counts)
ACTIONS = {
    "GENEWAYBILL": "ewb_generate",
    "VEHEWB": "ewb_vehicle",
    "UPDATETRANSPORTER": "ewb_transporter",
    "CANEWB": "ewb_cancel",
    "REJEWB": "ewb_reject",
    "EXTENDVALIDITY": "ewb_extend",
    "CLOSEEWB": "ewb_close",
}
GETS = {
    "getewaybill": "ewb_get",
    "getewaybillgeneratedbyconsigner": "ewb_get_by_consigner",
    "getewaybillsbydate": "ewb_get_by_date",
    "getewaybillsfortransporter": "ewb_get_for_transporter",
    "getewaybillsofotherparty": "ewb_get_other_party",
    "getgstindetails": "ewb_gstin",
    "geterrorlist": "ewb_error_list",
}
ENDPOINTS = ("ewb_auth", "ewb_action", *ACTIONS.values(), *GETS.values())


class EwbError(Exception):
    """status "0" with these codes: [(code, detail or None)], and an info text."""

    def __init__(self, problems, info=None):
        self.problems = [(str(code), detail) for code, detail in problems]
        super().__init__(", ".join(code for code, _ in self.problems))
        self.info = info


def fail(code, detail=None, info=None):
    return EwbError([(code, detail)], info)


def error_envelope(problems, info=None):
    codes = ",".join(dict.fromkeys(code for code, _ in problems))  # NIC lists each code once
    body = base64.b64encode(json.dumps({"errorCodes": codes}).encode()).decode()
    return {"status": "0", "error": body, "info": info}


def explain(problems):
    return "; ".join(f"{code}: {ewb_master.message(code)}" + (f" ({detail})" if detail else "")
                     for code, detail in problems)


def _json_body(request):
    try:
        body = json.loads(request.body) if request.body else None
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _ci(mapping, name):
    for key, value in mapping.items():
        if str(key).lower() == name.lower():
            return value
    return None


class EwbApi:
    """The e-way bill system's endpoints; `app` is the Sandbox (store, clock, calendar, token minutes)."""

    def __init__(self, app):
        self.app = app

    # --- routing ------------------------------------------------------------------------------

    def resolve(self, name, params, request):
        """The endpoint name of a routed request: the POST action is read from the body; a POST to
        /ewaybillapi/v1.03/ewayapi carrying an IRP session (the IRP's cancel e-way bill, §9.3 of
        nic-irp-api.md) stays the IRP's 'cancel_ewaybill'."""
        if name == "ewb_action":
            token = request.header("AuthToken", "auth_token")
            if token and (self.app.store.session(token) is not None
                          or (self.app.store.ewb_session(token) is None and request.header("user_name"))):
                return "cancel_ewaybill"
            body = _json_body(request) or {}
            return ACTIONS.get(str(_ci(body, "action") or "").upper(), "ewb_action")
        if name == "ewb_get":
            return GETS.get(params.get("method", "").lower()) or ""
        return name

    def handle(self, endpoint, request):
        """(HTTP headers, envelope dict)."""
        try:
            if endpoint == "ewb_auth":
                return [], self.authenticate(request)
            session = self.authorise(request)
            if endpoint.startswith("ewb_get") or endpoint in ("ewb_gstin", "ewb_error_list"):
                return [], self.get(session, endpoint, request)
            return [], self.action(session, endpoint, request)
        except EwbError as exc:
            return [("X-Sandbox-Errors", explain(exc.problems).encode("ascii", "replace").decode())], \
                error_envelope(exc.problems, exc.info)
        except Exception:  # a bug must look like NIC's own failure, not kill the connection
            _logger.exception("e-way bill API failed on %s %s", request.method, request.path)
            return [], error_envelope([("240", None)])

    # --- authentication (§3) ---------------------------------------------------------------------

    def _client(self, request):
        client_id = request.header("client_id")
        secret = request.header("client_secret")
        if not client_id or client_id not in master.CLIENTS:
            raise fail("103", "client-id header missing or unknown")
        if master.CLIENTS[client_id] != secret:
            raise fail("110")
        gstin = (request.header("gstin") or "").upper()
        if not gstin:
            raise fail("227", "gstin header is required")
        return client_id, gstin

    def authenticate(self, request):
        client_id, gstin = self._client(request)
        body = _json_body(request)
        data = _ci(body, "Data") if body else None
        if not isinstance(data, str) or not data:
            raise fail("100", "the body must be {\"Data\": <RSA-encrypted base64 JSON>}")
        try:
            auth = self.app.keys.open_auth_data(data)
        except crypto.CryptoError:
            raise fail("109", "Data does not decrypt with the sandbox's public key (RSA of base64 JSON)") from None
        if not isinstance(auth, dict):
            raise fail("100")
        if str(_ci(auth, "action") or "").upper() != "ACCESSTOKEN":
            raise fail("239", "action must be ACCESSTOKEN")
        username, password = _ci(auth, "username"), _ci(auth, "password")
        if not isinstance(username, str) or not username:
            raise fail("101")
        if not isinstance(password, str) or not password:
            raise fail("102")
        try:
            app_key = base64.b64decode(_ci(auth, "app_key") or "", validate=True)
        except (ValueError, TypeError):
            app_key = b""
        if len(app_key) != crypto.APP_KEY_BYTES:
            raise fail("107", "app_key must be 32 random bytes in base64")
        user = ewb_master.find_user(gstin, username)
        if user is None and ewb_master.is_irp_user(username):
            raise fail("107", f"{username} is an e-invoice API user, not an e-way bill one")
        if user is None or user["password"] != password:
            raise fail("108")
        if client_id not in ewb_master.EWB_CLIENTS:
            raise fail("111")
        now = self.app.clock.timestamp()
        store = self.app.store
        session = store.live_ewb_session(client_id, gstin, user["username"], now)
        if session is None:  # within the 6 hours the same token comes back (§3.3)
            token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(22))
            session = {"token": token, "sek": crypto.new_app_key()}
            store.add_ewb_session(token, client_id, gstin, user["username"], session["sek"], now,
                                  now + self.app.token_minutes * 60)
        return {"status": "1", "authtoken": session["token"], "sek": crypto.encrypt_sek(app_key, session["sek"])}

    def authorise(self, request):
        client_id, gstin = self._client(request)
        token = request.header("authtoken", "auth_token")
        session = self.app.store.ewb_session(token) if token else None
        if (session is None or session["expires_at"] <= self.app.clock.timestamp()
                or session["client_id"] != client_id or session["gstin"] != gstin):
            raise fail("238")
        return session

    # --- POST actions (§5) --------------------------------------------------------------------------

    def action(self, session, endpoint, request):
        body = _json_body(request)
        if body is None:
            raise fail("100")
        action = str(_ci(body, "action") or "").upper()
        if endpoint == "ewb_action" or action not in ACTIONS:
            raise fail("239", f"unknown action {action or '(none)'}")
        data = _ci(body, "data")
        if not isinstance(data, str) or not data:
            raise fail("100", "data is required")
        try:
            payload = crypto.decrypt_json(session["sek"], data)
        except crypto.CryptoError:
            raise fail("109", "data does not decrypt with the SEK of this session") from None
        if not isinstance(payload, dict):
            raise fail("100", "the decrypted data must be a JSON object")
        if action == "GENEWAYBILL":
            result = self.generate(session, payload)
        else:
            result = ewb_lifecycle.run(self, action, session, payload)
        return {"status": "1", "data": crypto.encrypt_json(session["sek"], result)}

    def next_number(self):
        return self.app.store.next_number("ewb", FIRST_EWB_NO)

    def generate(self, session, payload):
        now = self.app.clock.now()
        problems, plan = ewb_rules.check_generate(payload, session["gstin"], now.date(), self.app.calendar)
        if problems:
            raise EwbError(problems, problems_info(problems, plan))
        record = ewb_rules.new_record(payload, plan, session["gstin"], now)
        ewb_no = self.next_number()
        existing = self.app.store.add_ewaybill_for_document({
            "ewb_no": ewb_no, "irn": None, "gstin": session["gstin"], "generated_at": now.timestamp(),
            "valid_till": ewb_rules.stored_valid(plan["valid_till"]), "distance": int(plan["distance"]),
            "request_json": crypto.dumps(payload), "status": "ACT", "doc_type": plan["doc_type"],
            "doc_no": plan["doc_no"], "record_json": crypto.dumps(record)})
        if existing is not None:
            when = ewb_rules.fmt_moment(datetime.fromtimestamp(existing["generated_at"], IST))
            raise fail("604", f"e-way bill {existing['ewb_no']} of {when}",
                       info=f"E-way bill {existing['ewb_no']} is already generated for this document on {when}")
        return {"ewayBillNo": ewb_no, "ewayBillDate": ewb_rules.fmt_moment(now),
                "validUpto": ewb_rules.fmt_valid(ewb_rules.stored_valid(plan["valid_till"])), "alert": plan["alert"]}

    # --- the shared record ---------------------------------------------------------------------------

    def load(self, ewb_no):
        """(row, record) of an e-way bill made by either API, or (None, None)."""
        row = self.app.store.ewaybill(int(ewb_no))
        if row is None:
            return None, None
        if row["record_json"]:
            return row, json.loads(row["record_json"])
        invoice = self.app.store.invoice(row["irn"]) if row["irn"] else None
        if invoice is None:
            return row, {}
        record = ewb_rules.record_from_irn(row, json.loads(invoice["invoice_json"]), json.loads(row["request_json"]),
                                           row["gstin"])
        return row, record

    @staticmethod
    def parties(row, record):
        return {row["gstin"], record.get("fromGstin"), record.get("toGstin"), record.get("transporterId")} - {None, ""}

    # --- GET APIs (§5.8) --------------------------------------------------------------------------

    def get(self, session, endpoint, request):
        gstin, query = session["gstin"], request.query
        if endpoint == "ewb_error_list":
            data = [{"errorCode": code, "errorDesc": text} for code, text in ewb_master.ERRORS.items()]
        elif endpoint == "ewb_gstin":
            wanted = (query.get("gstin") or "").upper()
            if not gstin_rules.is_well_formed(wanted):
                raise fail("393")
            if wanted not in master.PORTAL:
                raise fail("325", f"GSTIN {wanted} is not known")
            data = ewb_master.gstin_details(master.PORTAL[wanted])
        elif endpoint == "ewb_get":
            number = str(query.get("ewbno") or "")
            if not re.fullmatch(r"[0-9]{12}", number):
                raise fail("301")
            row, record = self.load(number)
            if row is None or gstin not in self.parties(row, record):
                raise fail("325", f"no e-way bill {number} of yours")
            data = ewb_rules.public_record(row, record)
        elif endpoint == "ewb_get_by_consigner":
            doc_type, doc_no = (query.get("doctype") or "").upper(), query.get("docno") or ""
            if not doc_type or not doc_no:
                raise fail("325", "docType and docNo are required")
            row = (self.app.store.document_ewaybill(gstin, doc_type, doc_no)
                   or self.app.store.document_ewaybill(gstin, doc_type, doc_no, active_only=False))
            if row is None:
                raise fail("325", f"no e-way bill for {doc_type} {doc_no}")
            row, record = self.load(row["ewb_no"])
            data = dict(ewb_rules.public_record(row, record), ewayBillNo=row["ewb_no"])
        else:
            data = self.list_by_date(gstin, endpoint, query.get("date"))
        return self.encrypt_get(session, data)

    def list_by_date(self, gstin, endpoint, date_text):
        day = ewb_rules.parse_date(date_text)
        if day is None:
            raise fail("601", "date: dd/mm/yyyy")
        start = datetime.combine(day, datetime.min.time()).replace(tzinfo=IST)
        rows = self.app.store.ewaybills_between(start.timestamp(), (start + timedelta(days=1)).timestamp())
        found = []
        for row in rows:
            row, record = self.load(row["ewb_no"])
            mine = row["gstin"] == gstin
            if endpoint == "ewb_get_by_date" and not mine:
                continue
            if endpoint == "ewb_get_for_transporter" and record.get("transporterId") != gstin:
                continue
            if endpoint == "ewb_get_other_party" and (mine or gstin not in (record.get("fromGstin"),
                                                                            record.get("toGstin"))):
                continue
            found.append({"ewbNo": row["ewb_no"], "ewayBillDate": ewb_rules.fmt_moment(datetime.fromtimestamp(
                row["generated_at"], IST)), "genGstin": row["gstin"], "docNo": record.get("docNo"),
                "docDate": record.get("docDate"), "docType": record.get("docType"), "status": row["status"],
                "validUpto": ewb_rules.fmt_valid(row["valid_till"]), "delPinCode": record.get("toPincode"),
                "delStateCode": record.get("actToStateCode"), "delPlace": record.get("toPlace"),
                "extendedTimes": record.get("extendedTimes", 0), "rejectStatus": record.get("rejectStatus", "N")})
        if not found:
            raise fail("325", f"no e-way bills on {day:%d/%m/%Y}")
        return found

    @staticmethod
    def encrypt_get(session, data):
        """data under a fresh rek, rek under the SEK, hmac = HMAC-SHA256(rek, base64(json)) (§4)."""
        rek = os.urandom(32)
        text = crypto.dumps(data).encode()
        return {"status": "1",
                "data": base64.b64encode(crypto.aes_encrypt(rek, text)).decode(),
                "rek": base64.b64encode(crypto.aes_encrypt(session["sek"], rek)).decode(),
                "hmac": base64.b64encode(hmac.new(rek, base64.b64encode(text), hashlib.sha256).digest()).decode()}


def problems_info(problems, plan):
    """`info` of an error: the PIN-to-PIN distance with 702 (§4)."""
    if plan and any(code == "702" for code, _ in problems):
        return plan.get("info")
    return None


__all__ = ["ACTIONS", "ENDPOINTS", "EwbApi", "EwbError", "PREFIX", "error_envelope"]
