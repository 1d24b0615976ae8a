"""The e-way bill system's envelope and crypto (nic-ewb-api.md §3-§4), on top of the
IRP's primitives (irp/crypto.py: RSA PKCS#1 v1.5, AES-256-ECB/PKCS#7).

- auth: RSA(public key, base64(JSON {action: ACCESSTOKEN, username, password, app_key})),
  base64; the reply's `sek` is AES(app_key) of the session key;
- POST: {"action": ..., "data": base64(AES(SEK, JSON))}; reply data under the SEK;
- GET: reply {"data": AES(rek, JSON), "rek": AES(SEK, rek), "hmac": base64(HMAC-SHA256(rek,
  base64(JSON)))}: a reply whose hmac does not match is untrusted and never accepted;
- errors: {"status": "0", "error": base64 of {"errorCodes": "c1,c2"}, "info": ...}.
No I/O here.
"""
import base64
import hashlib
import hmac as hmac_lib
import json
from dataclasses import dataclass

from . import crypto, errors

ACCESSTOKEN = "ACCESSTOKEN"


@dataclass(frozen=True)
class EwbEnvelope:
    """A parsed reply of the e-way bill system; `data` still encrypted (or None)."""
    ok: bool
    data: object
    errors: list
    info: object = None
    rek: str = None
    hmac: str = None
    alert: str = None
    authtoken: str = None
    sek: str = None


def _lower(obj):
    return {str(key).lower(): value for key, value in obj.items()}


def new_app_key():
    """32 random bytes; sent as base64 (44 characters), and the AES key of the SEK."""
    return crypto.new_app_key()


def build_auth_data(public_key, username, password, app_key):
    """The `Data` of POST /auth (v1.03)."""
    payload = crypto.dumps({"action": ACCESSTOKEN, "username": username, "password": password,
                            "app_key": base64.b64encode(app_key).decode()})
    return base64.b64encode(crypto.rsa_encrypt(public_key, base64.b64encode(payload.encode()))).decode()


def open_auth_data(private_key, data_b64):
    """Inverse of build_auth_data (for tests): the auth JSON."""
    return crypto.open_auth_data(private_key, data_b64)


def encrypt_payload(sek, obj):
    return crypto.encrypt_json(sek, obj)


def post_body(action, sek, payload):
    """The JSON body of a write action."""
    return {"action": action, "data": encrypt_payload(sek, payload)}


def parse_status(value):
    """'1' / 1 / True -> True; '0' / 0 -> False; None when absent or unreadable."""
    if value is None:
        return None
    if value is True or value is False:
        return value
    text = str(value).strip()
    if text == "1":
        return True
    if text == "0":
        return False
    return None


def parse_error(error):
    """The `error` field -> [{'code', 'message'}]: base64 (or plain) JSON {"errorCodes": "c1,c2"}
    (codes as a string, a number or a list; a trailing comma is harmless), or a bare text."""
    if error in (None, "", {}):
        return []
    if isinstance(error, str):
        decoded = errors.decode_json_text(error)
        if decoded is None:
            return [{"code": "", "message": error}]
        error = decoded
    if isinstance(error, (int, float)) and not isinstance(error, bool):
        return [{"code": errors.normalize_code(int(error)), "message": ""}]
    if isinstance(error, dict):
        lowered = _lower(error)
        raw = lowered.get("errorcodes", lowered.get("errorcode", ""))
        if isinstance(raw, (list, tuple)):
            codes = [str(code).strip() for code in raw]
        else:
            codes = [code.strip() for code in str(raw if raw is not None else "").split(",")]
        message = str(lowered.get("message") or lowered.get("errormessage") or "")
        codes = [errors.normalize_code(code) for code in codes if code]
        if codes:
            return [{"code": code, "message": message} for code in codes]
        return [{"code": "", "message": message or json.dumps(error)}]
    return errors.parse_error_details(error)


def parse_envelope(obj):
    """A reply object -> EwbEnvelope. Status "1"/"0" as text or number; key case free."""
    if not isinstance(obj, dict):
        raise ValueError("the e-way bill system's reply is not a JSON object")
    lowered = _lower(obj)
    found = parse_error(lowered.get("error"))
    status = parse_status(lowered.get("status"))
    data = lowered.get("data")
    if status is None:
        ok = not found and (data is not None or lowered.get("authtoken") is not None)
    else:
        ok = status and not found
    return EwbEnvelope(ok=bool(ok), data=data, errors=found, info=lowered.get("info"), rek=lowered.get("rek"),
                       hmac=lowered.get("hmac"), alert=lowered.get("alert"), authtoken=lowered.get("authtoken"),
                       sek=lowered.get("sek"))


def _json_of(raw):
    """Decrypted bytes -> JSON; a twice-encoded (base64 of JSON) text is read too."""
    text = raw.decode("utf-8")
    try:
        return json.loads(text), text
    except ValueError:
        decoded = base64.b64decode(text, validate=True)
        return json.loads(decoded.decode("utf-8")), decoded.decode("utf-8")


def decrypt_data(key, data_b64):
    """(JSON, its text) of a `data` encrypted under `key`; CryptoError when it does not decrypt."""
    try:
        raw = crypto.aes_decrypt(key, base64.b64decode(data_b64, validate=True))
        return _json_of(raw)
    except crypto.CryptoError:
        raise
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise crypto.CryptoError("the data is not base64 AES data holding JSON") from exc


def hmac_of(rek, text_bytes):
    """NIC's hmac: base64(HMAC-SHA256(key=rek, message=base64(data JSON bytes)))."""
    digest = hmac_lib.new(rek, base64.b64encode(text_bytes), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class IntegrityError(crypto.CryptoError):
    """A GET reply whose hmac is missing or does not match its data."""


def open_get_reply(sek, envelope):
    """(JSON, text) of a GET reply: rek under the SEK, data under the rek, hmac checked.
    IntegrityError when the hmac is missing or wrong; CryptoError when nothing decrypts."""
    if not envelope.rek:
        raise IntegrityError("the reply carries no rek: its data cannot be authenticated")
    try:
        rek = crypto.aes_decrypt(sek, base64.b64decode(envelope.rek, validate=True))
    except (ValueError, TypeError) as exc:
        raise crypto.CryptoError("the rek does not decrypt with the session key") from exc
    if len(rek) != 32:
        raise crypto.CryptoError(f"the rek is {len(rek)} bytes, not 32")
    try:
        raw = crypto.aes_decrypt(rek, base64.b64decode(envelope.data, validate=True))
    except (ValueError, TypeError) as exc:
        raise crypto.CryptoError("the data does not decrypt with the rek") from exc
    if not envelope.hmac:
        raise IntegrityError("the reply carries no hmac: its data cannot be authenticated")
    if not hmac_lib.compare_digest(hmac_of(rek, raw), str(envelope.hmac).strip()):
        raise IntegrityError("the hmac of the reply does not match its data")
    try:
        return _json_of(raw)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise crypto.CryptoError("the decrypted data is not JSON") from exc


def seal_get_reply(sek, rek, obj):
    """The sandbox side of open_get_reply (for tests): {status, data, rek, hmac}."""
    text = crypto.dumps(obj).encode()
    return {"status": "1", "data": base64.b64encode(crypto.aes_encrypt(rek, text)).decode(),
            "rek": base64.b64encode(crypto.aes_encrypt(sek, rek)).decode(), "hmac": hmac_of(rek, text)}


def error_body(*codes, info=None):
    """An error reply as the e-way bill system writes it (for tests)."""
    inner = json.dumps({"errorCodes": ",".join(str(code) for code in codes)}).encode()
    return {"status": "0", "error": base64.b64encode(inner).decode(), "info": info}
