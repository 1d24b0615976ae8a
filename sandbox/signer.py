"""The sandbox's own keys: an RSA key pair for the authentication handshake and
an RSA key with a self-signed X.509 certificate for signing invoices and QR
codes (§5.5). Generated on first start, kept in the database (table meta), and
held in memory as key objects so that no request parses a PEM.
"""
import json
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ._irp import crypto

ISSUER = "NIC Sandbox"  # the iss claim of the NIC sandbox's tokens (§5.5)
CERT_SUBJECT = "l10n_in_einvoice local IRP sandbox (signing)"


def _new_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _self_signed_certificate(key):
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "l10n_in_einvoice"),
        x509.NameAttribute(NameOID.COMMON_NAME, CERT_SUBJECT),
    ])
    start = datetime.now(timezone.utc) - timedelta(days=1)
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))


class Keys:

    def __init__(self, encryption_pem, signing_pem, certificate_pem):
        self.encryption_key = serialization.load_pem_private_key(encryption_pem.encode(), password=None)
        self.signing_key = serialization.load_pem_private_key(signing_pem.encode(), password=None)
        self.certificate = crypto.load_certificate(certificate_pem)
        self.encryption_public_pem = self.encryption_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.signing_certificate_pem = certificate_pem.encode()
        self.kid = crypto.kid_of(self.certificate)

    @classmethod
    def load_or_create(cls, store):
        """The keys stored in the database, generated and stored first if there are none.

        All three PEMs go in one row, so two processes starting on a new file
        cannot end up with a key from one and a certificate from the other.
        """
        stored = store.get_meta("keys")
        if stored is None:
            encryption_key, signing_key = _new_private_key(), _new_private_key()
            certificate = _self_signed_certificate(signing_key).public_bytes(serialization.Encoding.PEM).decode()
            stored = store.set_meta_if_absent("keys", json.dumps({
                "encryption_key": _private_pem(encryption_key),
                "signing_key": _private_pem(signing_key),
                "signing_certificate": certificate,
            }))
        pems = json.loads(stored)
        return cls(pems["encryption_key"], pems["signing_key"], pems["signing_certificate"])

    def open_auth_data(self, data_b64):
        return crypto.open_auth_data(self.encryption_key, data_b64)

    def sign(self, data):
        return crypto.sign_jwt(self.signing_key, self.certificate, data, issuer=ISSUER)
