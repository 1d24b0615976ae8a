"""irp.crypto checked against real NIC artifacts (known answers) and its own contracts.

Tests using the `shared_data` fixture read genuine NIC tokens and keys from
../shared/data and skip when that folder is absent; the others always run.
"""
import base64
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

from irp import crypto

NEGATIVE_CONTROL_KEY = "unidentified_key1_A7lJd6__from_code.pem"
PRODUCTION_ENCRYPTION_KEY = "einv_production_encryption__from_code.pem"
SANDBOX_2020_KID = "115F4426617A7938BE1BA06DBEE91A427584EDAB"
SANDBOX_2020_X5T = "EV9EJmF6eTi-G6BtvukaQnWE7as"
QR_FIELDS = {"SellerGstin", "BuyerGstin", "DocNo", "DocTyp", "DocDt", "TotInvVal", "ItemCnt", "MainHsnCode", "Irn",
             "IrnDt"}


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _ring_from_file(nic_keys, name, kid=None):
    return crypto.SigningKeyring().add(nic_keys[name], kid=kid)


def _dated(tokens):
    """Tokens of the documented format (the 2020 sandbox ones predate it: ISO DocDt, no IrnDt)."""
    return [t for t in tokens if t["header"]["kid"] != SANDBOX_2020_KID]


def _new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _self_signed(private_key, common_name="Test IRP signing"):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365)).sign(private_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def rsa_key():
    return _new_rsa_key()


# --- genuine NIC signed tokens ---------------------------------------------------------------------

def test_collection_has_the_48_documented_tokens(nic_tokens):
    assert len(nic_tokens) == 48
    kinds = {t["kind"] for t in nic_tokens}
    assert kinds == {"SignedInvoice", "SignedQRCode"}
    # every token names at least one key file that verifies it
    assert all(t["verifies_with"] for t in nic_tokens)


def test_every_genuine_token_verifies_with_the_key_named(nic_tokens, nic_keys):
    for token in nic_tokens:
        for key_file in token["verifies_with"]:
            claims = crypto.verify_signed_jwt(token["jwt"], _ring_from_file(nic_keys, key_file))
            assert claims["iss"] in ("NIC", "NIC Sandbox"), key_file
            assert set(claims) == {"data", "iss"}  # no exp/iat/nbf in IRP tokens
            data = json.loads(claims["data"])
            assert data["Irn"] == token["irn"]


def test_every_genuine_token_verifies_when_the_key_is_registered_under_its_kid(nic_tokens, nic_keys):
    for token in nic_tokens:
        key_file = token["verifies_with"][0]
        ring = _ring_from_file(nic_keys, key_file, kid=token["header"]["kid"])
        assert crypto.signed_data(token["jwt"], ring)["Irn"] == token["irn"]


def test_genuine_tokens_fail_with_the_negative_control_key(nic_tokens, nic_keys):
    for name in (NEGATIVE_CONTROL_KEY, PRODUCTION_ENCRYPTION_KEY):
        ring = _ring_from_file(nic_keys, name)
        for token in nic_tokens:
            with pytest.raises(crypto.SignatureError):
                crypto.verify_signed_jwt(token["jwt"], ring)


def test_genuine_tokens_fail_with_another_irp_key_under_their_kid(nic_tokens, nic_keys):
    """A ring holding a genuine IRP key under the wrong kid must not accept the token."""
    other = {"DERIVED_nic_irp_sandbox_signing_kidEDC57DE1__recovered.pem":
             "DERIVED_nic_irp_prod_signing_kidB8D63ECB__recovered.pem"}
    checked = 0
    for token in nic_tokens:
        key_file = token["verifies_with"][0]
        wrong_file = other.get(key_file, "DERIVED_nic_irp_sandbox_signing_kidEDC57DE1__recovered.pem")
        if wrong_file == key_file:
            continue
        ring = _ring_from_file(nic_keys, wrong_file, kid=token["header"]["kid"])
        with pytest.raises(crypto.SignatureError, match="does not verify"):
            crypto.verify_signed_jwt(token["jwt"], ring)
        checked += 1
    assert checked == 48


def test_tampered_genuine_tokens_are_rejected(nic_tokens, nic_keys):
    for token in nic_tokens:
        ring = _ring_from_file(nic_keys, token["verifies_with"][0])
        header_b64, claims_b64, signature_b64 = token["jwt"].split(".")
        claims = _b64url_json(claims_b64)
        data = json.loads(claims["data"])
        data["Irn"] = "0" * 64  # e.g. swap in another IRN
        forged_claims = _b64url(json.dumps({"data": json.dumps(data), "iss": claims["iss"]}).encode())
        with pytest.raises(crypto.SignatureError):
            crypto.verify_signed_jwt(f"{header_b64}.{forged_claims}.{signature_b64}", ring)
        # one flipped bit in the signature
        signature = bytearray(base64.urlsafe_b64decode(signature_b64 + "=" * (-len(signature_b64) % 4)))
        signature[-1] ^= 1
        with pytest.raises(crypto.SignatureError):
            crypto.verify_signed_jwt(f"{header_b64}.{claims_b64}.{_b64url(bytes(signature))}", ring)


def test_kid_and_x5t_are_the_same_sha1_thumbprint(nic_tokens):
    for token in nic_tokens:
        header = token["header"]
        assert re.fullmatch(r"[0-9A-F]{40}", header["kid"])
        assert _b64url(bytes.fromhex(header["kid"])) == header["x5t"]
        assert _b64url_json(token["jwt"].split(".")[0]) == header


def test_2020_sandbox_certificate_thumbprint_is_the_token_kid(nic_tokens, nic_keys):
    certificate = crypto.load_certificate(_pem_block(nic_keys["einv_sandbox.cer"]))
    assert crypto.kid_of(certificate) == SANDBOX_2020_KID
    assert crypto.x5t_of(certificate) == SANDBOX_2020_X5T
    # the early sandbox used one key pair for encryption and signing
    pem_key = crypto.load_public_key(nic_keys["einv_sandbox.pem"])
    assert pem_key.public_numbers() == certificate.public_key().public_numbers()

    ring = crypto.SigningKeyring.from_pems(nic_keys["einv_sandbox.cer"])
    tokens_2020 = [t for t in nic_tokens if t["header"]["kid"] == SANDBOX_2020_KID]
    assert len(tokens_2020) == 2
    for token in tokens_2020:
        assert token["header"]["alg"] == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        assert crypto.signed_data(token["jwt"], ring)["Irn"] == token["irn"]
    # a certificate-based ring knows only its own kid: later tokens are refused by kid
    later = next(t for t in nic_tokens if t["header"]["kid"] != SANDBOX_2020_KID)
    with pytest.raises(crypto.SignatureError, match="unknown IRP key"):
        crypto.verify_signed_jwt(later["jwt"], ring)


def test_x5t_disagreeing_with_the_certificate_is_rejected(nic_tokens, nic_keys):
    ring = crypto.SigningKeyring.from_pems(nic_keys["einv_sandbox.cer"])
    token = next(t for t in nic_tokens if t["header"]["kid"] == SANDBOX_2020_KID)
    _, claims_b64, signature_b64 = token["jwt"].split(".")
    header = dict(token["header"], x5t=_b64url(b"\x00" * 20))
    forged = f"{_b64url(json.dumps(header).encode())}.{claims_b64}.{signature_b64}"
    with pytest.raises(crypto.SignatureError, match="x5t"):
        crypto.verify_signed_jwt(forged, ring)


def _pem_block(data):
    """The PEM certificate inside a .cer export that starts with 'Bag Attributes'."""
    start = data.index(b"-----BEGIN CERTIFICATE")
    return data[start:]


def test_qr_code_data_has_the_documented_fields(nic_tokens):
    qr_tokens = [t for t in _dated(nic_tokens) if t["kind"] == "SignedQRCode"]
    assert len(qr_tokens) == 40
    for token in qr_tokens:
        data = crypto.signed_data(token["jwt"])  # decoding only; signatures are checked above
        assert set(data) == QR_FIELDS
        assert data["Irn"] == token["irn"] and re.fullmatch(r"[0-9a-f]{64}", data["Irn"])
        assert data["SellerGstin"] == token["seller_gstin"]
        assert data["DocTyp"] in ("INV", "CRN", "DBN")
        datetime.strptime(data["DocDt"], "%d/%m/%Y")
        datetime.strptime(data["IrnDt"], "%Y-%m-%d %H:%M:%S")
        assert isinstance(data["ItemCnt"], int) and data["ItemCnt"] >= 1
        assert isinstance(data["TotInvVal"], (int, float)) and data["TotInvVal"] > 0
        assert re.fullmatch(r"\d{4}|\d{6}|\d{8}", data["MainHsnCode"])
        if token["ack_or_irn_dt"]:
            assert data["IrnDt"][:16] == token["ack_or_irn_dt"][:16]


def test_signed_invoice_data_starts_with_ack_and_numbers_items(nic_tokens):
    invoices = [t for t in _dated(nic_tokens) if t["kind"] == "SignedInvoice"]
    assert len(invoices) == 6
    for token in invoices:
        data = crypto.signed_data(token["jwt"])
        assert list(data)[:3] == ["AckNo", "AckDt", "Irn"]
        assert isinstance(data["AckNo"], int) and len(str(data["AckNo"])) == 15
        assert data["Version"] == "1.1"
        assert all(item["ItemNo"] == 0 for item in data["ItemList"])
        assert list(data["ItemList"][0])[:2] == ["ItemNo", "SlNo"]


# --- IRN ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seller, doc_date, doc_type, doc_no, expected", [
    ("01AMBPG7773M002", "16/09/2022", "INV", "SINV-CFY-00067",
     "706daeccda0ef6f818da78f3a2a05a1288731057373002289b46c3229289a2e7"),
    ("02AMBPG7773M002", "02/10/2023", "INV", "9sQ5E2",
     "2ecc42a8e81dcbbb56923e4bd046c861ce7374060bd31875ce35447e922c9399"),
    ("01AMBPG7773M002", "17/09/2022", "INV", "g2qxhY",
     "68fb4fab44aee99fb23292478c4bd838e664837c9f1b04e3d9134ffed0b40b60"),
    ("29AAFCC9980M1ZR", "15/01/2020", "INV", "2019-20/KA/1",
     "23f498ee41441ecad30f72ba5b9907506c3df70a17b0e0dff46b76a786400662"),
])
def test_irn_vectors_of_the_protocol_notes(seller, doc_date, doc_type, doc_no, expected):
    assert crypto.irn_hash(seller, doc_date, doc_type, doc_no) == expected


def test_irn_of_every_dated_genuine_token_recomputes(nic_tokens):
    """46 IRNs issued by NIC: SHA-256 of GSTIN + FY + type + number, case kept."""
    for token in _dated(nic_tokens):
        data = crypto.signed_data(token["jwt"])
        if token["kind"] == "SignedQRCode":
            parts = data["SellerGstin"], data["DocDt"], data["DocTyp"], data["DocNo"]
        else:
            doc = data["DocDtls"]
            parts = data["SellerDtls"]["Gstin"], doc["Dt"], doc["Typ"], doc["No"]
        assert crypto.irn_hash(*parts) == data["Irn"] == token["irn"]


def test_irn_keeps_the_case_of_the_document_number():
    lower = crypto.irn_hash("01AMBPG7773M002", "17/09/2022", "INV", "g2qxhY")
    upper = crypto.irn_hash("01AMBPG7773M002", "17/09/2022", "INV", "G2QXHY")
    assert lower != upper


@pytest.mark.parametrize("doc_date, year", [
    ("31/03/2024", "2023-24"), ("01/04/2024", "2024-25"), (date(2020, 3, 31), "2019-20"),
    (date(2020, 4, 1), "2020-21"), (datetime(2026, 1, 1, 12, 0), "2025-26"), ("31/12/2099", "2099-00"),
    ("03/01/2020", "2019-20"),
])
def test_financial_year_boundaries(doc_date, year):
    assert crypto.financial_year(doc_date) == year


def test_irn_changes_across_the_financial_year_boundary():
    march = crypto.irn_hash("29AAFCC9980M1ZR", "31/03/2024", "INV", "A/1")
    april = crypto.irn_hash("29AAFCC9980M1ZR", "01/04/2024", "INV", "A/1")
    assert march != april
    # same FY, different day: same IRN (that is why a document number is unique per FY)
    assert crypto.irn_hash("29AAFCC9980M1ZR", "01/04/2024", "INV", "A/1") == \
        crypto.irn_hash("29AAFCC9980M1ZR", "31/03/2025", "INV", "A/1")


def test_financial_year_rejects_other_date_formats():
    with pytest.raises(ValueError):
        crypto.financial_year("2024-03-31")


# --- AES / SEK ------------------------------------------------------------------------------------------

def test_aes_256_ecb_known_answer():
    """FIPS-197 C.3: the first ciphertext block is the standard's vector, the second the padding block."""
    key = bytes(range(32))
    plaintext = bytes.fromhex("00112233445566778899aabbccddeeff")
    ciphertext = crypto.aes_encrypt(key, plaintext)
    assert len(ciphertext) == 32
    assert ciphertext[:16].hex() == "8ea2b7ca516745bfeafc49904b496089"
    assert crypto.aes_decrypt(key, ciphertext) == plaintext


def test_sek_round_trip_has_the_nic_sizes():
    app_key, sek = crypto.new_app_key(), crypto.new_app_key()
    assert len(app_key) == 32 and app_key != sek
    encrypted = crypto.encrypt_sek(app_key, sek)
    assert len(base64.b64decode(encrypted)) == 48 and len(encrypted) == 64  # §3 step 7
    assert crypto.decrypt_sek(app_key, encrypted) == sek


def test_sek_with_the_wrong_app_key_fails():
    app_key, sek = bytes(32), bytes(range(32))
    encrypted = crypto.encrypt_sek(app_key, sek)
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_sek(bytes([1] * 32), encrypted)


def test_json_payload_round_trip_keeps_unicode_and_numbers():
    sek = crypto.new_app_key()
    payload = {"DocDtls": {"No": "INV/1", "Dt": "01/04/2025"}, "LglNm": "Traders — சென்னை", "Qty": 1.0,
               "TotInvVal": 118000.5, "ItemList": [{"SlNo": "1"}]}
    encrypted = crypto.encrypt_json(sek, payload)
    assert crypto.decrypt_json(sek, encrypted) == payload
    # compact UTF-8 JSON is what is encrypted (no ASCII escapes, no spaces)
    raw = crypto.aes_decrypt(sek, base64.b64decode(encrypted))
    assert raw == crypto.dumps(payload).encode() and "சென்னை".encode() in raw and b", " not in raw


def test_pkcs7_failures_are_crypto_errors():
    sek = bytes(range(32))
    good = base64.b64decode(crypto.encrypt_json(sek, {"a": 1}))
    with pytest.raises(crypto.CryptoError, match="whole number of AES blocks"):
        crypto.aes_decrypt(sek, good[:-1])
    with pytest.raises(crypto.CryptoError, match="whole number of AES blocks"):
        crypto.aes_decrypt(sek, b"")
    # a block whose last byte is 0 (invalid PKCS#7) encrypted without padding
    encryptor = Cipher(algorithms.AES(sek), modes.ECB()).encryptor()
    bad_padding = encryptor.update(b"A" * 15 + b"\x00") + encryptor.finalize()
    with pytest.raises(crypto.CryptoError, match="PKCS#7"):
        crypto.aes_decrypt(sek, bad_padding)
    # padding bytes that disagree with each other (..\x01\x02)
    encryptor = Cipher(algorithms.AES(sek), modes.ECB()).encryptor()
    inconsistent = encryptor.update(b"A" * 14 + b"\x01\x02") + encryptor.finalize()
    with pytest.raises(crypto.CryptoError, match="PKCS#7"):
        crypto.aes_decrypt(sek, inconsistent)
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_json(sek, "not base64 at all!")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_json(bytes(32), base64.b64encode(good).decode())  # wrong key
    with pytest.raises(crypto.CryptoError, match="32 bytes"):
        crypto.aes_encrypt(bytes(16), b"x")


# --- authentication payload ----------------------------------------------------------------------------

def test_auth_payload_round_trip(rsa_key):
    app_key = crypto.new_app_key()
    data = crypto.build_auth_data(rsa_key.public_key(), "API_User1", "Secret@123", app_key, force_refresh=True)
    assert len(data) == 344 and len(base64.b64decode(data)) == 256  # §3 step 5
    opened = crypto.open_auth_data(rsa_key, data)
    assert opened == {"UserName": "API_User1", "Password": "Secret@123",
                      "AppKey": base64.b64encode(app_key).decode(), "ForceRefreshAccessToken": True}
    assert len(opened["AppKey"]) == 44
    with pytest.raises(crypto.CryptoError):
        crypto.open_auth_data(_new_rsa_key(), data)  # another key


def test_auth_payload_encrypts_with_the_real_nic_encryption_keys(nic_keys):
    for name in ("einv_sandbox.pem", PRODUCTION_ENCRYPTION_KEY):
        key = crypto.load_public_key(nic_keys[name])
        assert key.key_size == 2048
        data = crypto.build_auth_data(key, "user", "password", crypto.new_app_key())
        assert len(base64.b64decode(data)) == 256


def _auth_json_length(user, password):
    return len(json.dumps({"UserName": user, "Password": password, "AppKey": "x" * 44,
                           "ForceRefreshAccessToken": False}, separators=(",", ":")))


def test_auth_payload_limit_is_245_bytes_of_base64(rsa_key):
    user = "API_USER"
    base = _auth_json_length(user, "")
    longest = "p" * (183 - base)  # 183 bytes of JSON -> 244 of base64, the most that fits
    assert _auth_json_length(user, longest) == 183
    data = crypto.build_auth_data(rsa_key.public_key(), user, longest, crypto.new_app_key())
    assert crypto.open_auth_data(rsa_key, data)["Password"] == longest
    with pytest.raises(crypto.CryptoError, match=r"248 bytes.*at most 245.*shorten the API user name or password"):
        crypto.build_auth_data(rsa_key.public_key(), user, longest + "p", crypto.new_app_key())


# --- keys and our own signed tokens ---------------------------------------------------------------------

def test_load_public_key_accepts_pem_certificate_der_and_base64(rsa_key):
    certificate = _self_signed(rsa_key)
    pem_key = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    der_cert = certificate.public_bytes(serialization.Encoding.DER)
    forms = [pem_key, pem_key.decode(), certificate.public_bytes(serialization.Encoding.PEM), der_cert,
             base64.b64encode(der_cert)]
    for form in forms:
        assert crypto.load_public_key(form).public_numbers() == rsa_key.public_key().public_numbers()
    with pytest.raises(crypto.CryptoError):
        crypto.load_public_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_sign_jwt_is_shaped_like_the_irp_and_verifies_by_kid(rsa_key):
    certificate = _self_signed(rsa_key)
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    data = {"Irn": "a" * 64, "DocNo": "INV/1", "TotInvVal": 118.0}
    token = crypto.sign_jwt(rsa_key, certificate, data, issuer="NIC Sandbox")
    header = _b64url_json(token.split(".")[0])
    assert header == {"alg": "RS256", "kid": crypto.kid_of(certificate), "typ": "JWT",
                      "x5t": crypto.x5t_of(certificate)}
    assert len(token.split(".")[2]) == 342  # RSA-2048 signature in base64url
    ring = crypto.SigningKeyring.from_pems(cert_pem)
    assert crypto.signed_data(token, ring) == data
    # a ring holding another certificate refuses it, and so does an empty ring
    other = crypto.SigningKeyring.from_pems(_self_signed(_new_rsa_key()).public_bytes(serialization.Encoding.PEM))
    with pytest.raises(crypto.SignatureError):
        crypto.signed_data(token, other)
    with pytest.raises(crypto.SignatureError):
        crypto.signed_data(token, crypto.SigningKeyring())
    # a bundle with both certificates accepts it (rotation)
    both = crypto.SigningKeyring.from_pems(
        cert_pem + _self_signed(_new_rsa_key()).public_bytes(serialization.Encoding.PEM))
    assert crypto.signed_data(token, both)["Irn"] == "a" * 64


def test_malformed_tokens_raise_signature_error():
    ring = crypto.SigningKeyring()
    for token in ("", "a.b", "not a token", "a.b.c.d", None):
        with pytest.raises(crypto.SignatureError):
            crypto.verify_signed_jwt(token, ring)
