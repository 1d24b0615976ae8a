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
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote

import requests

from . import crypto, errors
from .envelope import Envelope, _lower_keys, parse_envelope, parse_retry_after
from .errors import IrpError, ResponseSignatureError
from .masking import MASK, SECRET_KEYS, mask, mask_headers  # noqa: F401 - re-exported
from .results import (
    CancelResult, EwbCancelResult, EwbDetails, EwbResult, GstinDetails, IrnResult,
    distance_from, format_doc_date, number_text, parse_date, parse_ist,
)
from .session import MemorySessionStore, SessionManager, SessionState
from .transport import CallRecord, Reply, Transport, seal, splice_data

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


class IrpClient(Transport):
    """NIC IRP API client for one GSTIN and API user.

    session_store: object with load() -> SessionState | None and save(state)
    (default: in memory). http: a requests.Session shared by all threads, or a
    callable returning a new requests.Session (called once per thread); default
    one requests.Session per thread. on_call(CallRecord): called after EVERY HTTP
    exchange, authentication included. clock(): aware UTC now (tests move it).
    """
    endpoints = ENDPOINTS
    creating = CREATING
    auth_endpoint = "authenticate"
    token_codes = frozenset({"1005"})
    error_class = IrpError
    catalogue = errors.IRP
    system = "the IRP"
    system_title = "The IRP"
    unavailable = "IRP unavailable"
    url_name = "the IRP URL"

    def __init__(self, config, session_store=None, http=None, on_call=None, clock=None):
        super().__init__(config, http=http, on_call=on_call, clock=clock)
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
        self._auth_headers = {**common, "Content-Type": "application/json", "Accept": "application/json",
                              **self._extra_headers}
        self._call_headers = {**self._auth_headers, "user_name": config.user_name}

    def close(self):
        """Close the HTTP sessions this client opened."""
        self.close_sessions()

    def _require_keyring(self, endpoint):
        if not self._keyring:
            raise IrpError("No IRP signing certificate is configured: signed invoices cannot be verified, "
                           "so nothing is sent", kind=errors.AUTH, endpoint=endpoint)

    # --- replies (the HTTP exchange itself: transport.Transport) ---------------------------

    def _parse_envelope(self, obj):
        return parse_envelope(obj)

    def _envelope_log(self, endpoint, obj, response_log):
        if endpoint == self.auth_endpoint:  # AuthToken and Sek never reach the log
            return crypto.dumps(mask(obj))
        return response_log

    def _open(self, got, method, sek, lost):
        envelope = got.envelope
        data = envelope.data
        if got.endpoint == self.auth_endpoint or not isinstance(data, str):
            # auth Data is a plain object (§3); a gateway may also pass other Data in clear
            return Reply(data if data is not None else {}, envelope.info, got.status)
        try:
            text = crypto.aes_decrypt(sek, base64.b64decode(data, validate=True)).decode("utf-8")
            decrypted = json.loads(text)
        except (crypto.CryptoError, ValueError, TypeError) as exc:
            raise got.fail(f"The IRP reply could not be decrypted with the session key ({exc})", lost) from exc
        if self.on_call is not None:
            got.log = splice_data({k: v for k, v in got.obj.items() if str(k).lower() != "data"}, "Data", text)
        return Reply(decrypted, envelope.info, got.status)

    # --- authentication --------------------------------------------------------------------

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
                               body=body, request_log=request_log)
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
        text = crypto.dumps(payload) if payload is not None else None
        request_log = text if text is not None and self.on_call is not None else ""

        def send(state):
            body = None
            if payload is not None:
                encrypted = seal(state.sek, text)
                body = crypto.dumps(wrap(encrypted) if wrap else {"Data": encrypted}).encode()
            return self._exchange(endpoint, path, headers=dict(self._call_headers, AuthToken=state.auth_token),
                                  body=body, request_log=request_log, sek=state.sek)

        return self._with_session(endpoint, send)

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
