"""The IRP's cryptography (nic-irp-api.md §3-§6), with no I/O and no Odoo.

- auth payload: RSA PKCS#1 v1.5 over the base64 of the JSON (§3)
- SEK and payloads: AES-256-ECB with PKCS#7 padding (§4)
- IRN: SHA-256 of SellerGstin + FinYear + DocTyp + DocNo (§6)
- SignedInvoice / SignedQRCode: RS256 JWS whose kid is the SHA-1 thumbprint of
  the IRP signing certificate (§5.5)
"""
import base64
import hashlib
import json
import os
from datetime import date, datetime

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APP_KEY_BYTES = 32
RSA_PKCS1V15_MAX = 245  # RSA-2048 with PKCS#1 v1.5 padding


class CryptoError(ValueError):
    """Bytes that do not decrypt, decode or verify as the protocol says."""


class SignatureError(CryptoError):
    """A signed invoice or QR code that the IRP signing certificate does not vouch for."""


# --- keys --------------------------------------------------------------------

def load_public_key(pem):
    """RSA public key from a PEM public key, a PEM/DER X.509 certificate or base64 DER."""
    data = pem.encode() if isinstance(pem, str) else bytes(pem)
    data = data.strip()
    loaders = []
    if b"-----BEGIN CERTIFICATE" in data:
        loaders.append(lambda: x509.load_pem_x509_certificate(data).public_key())
    elif b"-----BEGIN" in data:
        loaders.append(lambda: serialization.load_pem_public_key(data))
    else:
        try:
            der = base64.b64decode(data, validate=True) if data[:1] != b"\x30" else data
        except ValueError:
            der = data
        loaders += [
            lambda: x509.load_der_x509_certificate(der).public_key(),
            lambda: serialization.load_der_public_key(der),
        ]
    for load in loaders:
        try:
            key = load()
        except ValueError:
            continue
        if isinstance(key, rsa.RSAPublicKey):
            return key
    raise CryptoError("not an RSA public key or X.509 certificate in PEM or DER form")


def load_certificate(pem):
    data = pem.encode() if isinstance(pem, str) else bytes(pem)
    try:
        if b"-----BEGIN CERTIFICATE" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CryptoError(f"not an X.509 certificate: {exc}") from exc


def certificate_thumbprint(certificate):
    """SHA-1 over the DER certificate: the JWS kid (upper hex) and x5t (base64url)."""
    return certificate.fingerprint(hashes.SHA1())


def kid_of(certificate):
    return certificate_thumbprint(certificate).hex().upper()


def x5t_of(certificate):
    return base64.urlsafe_b64encode(certificate_thumbprint(certificate)).rstrip(b"=").decode()


# --- RSA (authentication) -----------------------------------------------------

def new_app_key():
    return os.urandom(APP_KEY_BYTES)


def rsa_encrypt(public_key, data):
    if len(data) > RSA_PKCS1V15_MAX:
        raise CryptoError(
            f"authentication payload is {len(data)} bytes once base64-encoded; RSA-2048 takes at most "
            f"{RSA_PKCS1V15_MAX}: shorten the API user name or password")
    return public_key.encrypt(data, rsa_padding.PKCS1v15())


def rsa_decrypt(private_key, data):
    try:
        return private_key.decrypt(data, rsa_padding.PKCS1v15())
    except ValueError as exc:
        raise CryptoError("RSA decryption failed") from exc


def build_auth_data(public_key, user_name, password, app_key, force_refresh=False):
    """The `Data` field of the v1.04 authentication request."""
    payload = json.dumps({
        "UserName": user_name,
        "Password": password,
        "AppKey": base64.b64encode(app_key).decode(),
        "ForceRefreshAccessToken": bool(force_refresh),
    }, separators=(",", ":"))
    return base64.b64encode(rsa_encrypt(public_key, base64.b64encode(payload.encode()))).decode()


def open_auth_data(private_key, data_b64):
    """Inverse of build_auth_data, for the sandbox: the decoded auth JSON."""
    try:
        inner = rsa_decrypt(private_key, base64.b64decode(data_b64, validate=True))
        return json.loads(base64.b64decode(inner, validate=True))
    except (ValueError, TypeError) as exc:
        raise CryptoError("authentication payload does not decrypt with this key") from exc


# --- AES (SEK and payloads) -------------------------------------------------------

def _check_key(key):
    if len(key) != 32:
        raise CryptoError(f"AES-256 key must be 32 bytes, got {len(key)}")


def aes_encrypt(key, plaintext):
    _check_key(key)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 (NIC mandates ECB)
    return encryptor.update(padded) + encryptor.finalize()


def aes_decrypt(key, ciphertext):
    _check_key(key)
    if not ciphertext or len(ciphertext) % 16:
        raise CryptoError("ciphertext is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()  # noqa: S305
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise CryptoError("bad PKCS#7 padding: wrong key or corrupt data") from exc


def encrypt_sek(app_key, sek):
    return base64.b64encode(aes_encrypt(app_key, sek)).decode()


def decrypt_sek(app_key, sek_b64):
    try:
        sek = aes_decrypt(app_key, base64.b64decode(sek_b64, validate=True))
    except (ValueError, TypeError) as exc:
        raise CryptoError("the Sek returned by the IRP does not decrypt with our AppKey") from exc
    _check_key(sek)
    return sek


def dumps(obj):
    """JSON as sent to the IRP: compact, UTF-8, no ASCII escaping."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def encrypt_json(sek, obj):
    return base64.b64encode(aes_encrypt(sek, dumps(obj).encode())).decode()


def decrypt_json(sek, data_b64):
    try:
        raw = aes_decrypt(sek, base64.b64decode(data_b64, validate=True))
        return json.loads(raw.decode("utf-8"))
    except CryptoError:
        raise
    except (ValueError, TypeError) as exc:
        raise CryptoError("payload is not base64 AES data holding JSON") from exc


# --- IRN ------------------------------------------------------------------------

def parse_doc_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.strptime(value, "%d/%m/%Y").date()


def financial_year(doc_date):
    """Indian financial year (1 April - 31 March) as 'YYYY-YY'."""
    doc_date = parse_doc_date(doc_date)
    start = doc_date.year if doc_date.month >= 4 else doc_date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def irn_hash(seller_gstin, doc_date, doc_type, doc_no):
    text = f"{seller_gstin}{financial_year(doc_date)}{doc_type}{doc_no}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- signed invoice / QR -------------------------------------------------------------

class SigningKeyring:
    """The IRP signing keys a client accepts, by kid (NIC rotates them).

    A certificate brings its own kid (its SHA-1 thumbprint); a bare public key
    needs the kid given with it, or matches only when it is the sole key.
    """

    def __init__(self):
        self._by_kid = {}
        self._anonymous = []

    @classmethod
    def from_pems(cls, *pems):
        ring = cls()
        for pem in pems:
            ring.add(pem)
        return ring

    def add(self, pem, kid=None):
        data = pem.encode() if isinstance(pem, str) else bytes(pem)
        # a file may carry several certificates / keys one after another
        blocks = [b"-----BEGIN" + part for part in data.split(b"-----BEGIN")[1:]] or [data]
        for block in blocks:
            if b"CERTIFICATE" in block.split(b"\n", 1)[0]:
                cert = load_certificate(block)
                self._by_kid[kid_of(cert)] = (cert.public_key(), x5t_of(cert))
            elif kid:
                self._by_kid[kid.upper()] = (load_public_key(block), None)
            else:
                self._anonymous.append(load_public_key(block))
        return self

    def __bool__(self):
        return bool(self._by_kid or self._anonymous)

    def key_for(self, header):
        kid = str(header.get("kid") or "").upper()
        if kid in self._by_kid:
            key, x5t = self._by_kid[kid]
            if x5t and header.get("x5t") and header["x5t"] != x5t:
                raise SignatureError(f"x5t {header['x5t']} does not match the certificate with kid {kid}")
            return key
        if self._anonymous and not self._by_kid:
            return self._anonymous
        raise SignatureError(f"signed by an unknown IRP key (kid {kid or 'missing'}); "
                             "configure the current IRP signing certificate")


# The 2020 NIC sandbox wrote RS256 under its XML-DSig name.
RS256_NAMES = {"RS256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}


def _b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_signed_jwt(token, keyring):
    """Claims of an IRP-signed JWS after checking its RS256 signature.

    Raises SignatureError when the token is malformed, signed by a key the
    keyring does not hold, or tampered with.
    """
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(_b64url_decode(header_b64))
        claims = json.loads(_b64url_decode(claims_b64))
        signature = _b64url_decode(signature_b64)
    except (ValueError, AttributeError) as exc:
        raise SignatureError(f"not a JWS compact token: {exc}") from exc
    if header.get("alg") not in RS256_NAMES:
        raise SignatureError(f"unexpected signature algorithm {header.get('alg')!r}")
    keys = keyring.key_for(header)
    signing_input = f"{header_b64}.{claims_b64}".encode()
    for key in keys if isinstance(keys, list) else [keys]:
        try:
            key.verify(signature, signing_input, rsa_padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        if not isinstance(claims, dict) or "data" not in claims:
            raise SignatureError("signed token carries no data claim")
        return claims
    raise SignatureError("signature does not verify with the IRP signing certificate")


def signed_data(token, keyring=None):
    """The decoded `data` claim (a JSON object serialised as a string).

    With a keyring the signature is verified first; without one the token is
    only decoded (for display of data whose signature was checked on receipt).
    """
    if keyring is None:
        try:
            claims = json.loads(_b64url_decode(token.split(".")[1]))
        except (ValueError, IndexError, AttributeError) as exc:
            raise SignatureError(f"not a JWS token: {exc}") from exc
    else:
        claims = verify_signed_jwt(token, keyring)
    data = claims.get("data")
    try:
        return json.loads(data) if isinstance(data, str) else data
    except ValueError as exc:
        raise SignatureError("the data claim is not JSON") from exc


def sign_jwt(private_key, certificate, data, issuer="NIC"):
    """A token shaped like the IRP's (§5.5): claims {data: <json text>, iss}."""
    headers = {"kid": kid_of(certificate), "typ": "JWT", "x5t": x5t_of(certificate)}
    return jwt.encode({"data": dumps(data), "iss": issuer}, private_key, algorithm="RS256", headers=headers)
