"""irp/odoo_edi: replies stored by Odoo's l10n_in_edi / l10n_in_edi_ewaybill, read back
and verified. The IRNs are genuine ones from the sandbox, stored as l10n_in_edi stores
them (json.dumps of the reply's data)."""
import base64
import json
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from irp import crypto, odoo_edi
from irp.errors import ResponseSignatureError
from sandbox import master


def _stored(data):
    """What l10n_in_edi writes in its attachment: json.dumps(response['data']).encode()."""
    return json.dumps(data).encode()


def _tamper(token, **changes):
    """The token with its data claim changed and the signature kept."""
    header, claims, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    data = json.loads(decoded["data"])
    data.update(changes)
    decoded["data"] = json.dumps(data)
    claims = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
    return f"{header}.{claims}.{signature}"


@pytest.fixture
def registered(make_client, invoice_for):
    payload = invoice_for()
    return payload, make_client().generate_irn(payload)


@pytest.fixture
def certificate(sandbox):
    return sandbox.signing_certificate_pem.decode()


def test_a_genuine_stored_reply_reads_back_as_the_result(registered, certificate):
    payload, result = registered
    data = odoo_edi.parse_stored(_stored(result.data))
    imported = odoo_edi.irn_result(data, [certificate], seller_gstin=master.SELLER_KA["gstin"],
                                   doc_type="INV", doc_no=payload["DocDtls"]["No"])
    assert (imported.irn, imported.ack_no, imported.ack_date) == (result.irn, result.ack_no, result.ack_date)
    assert imported.signed_invoice == result.signed_invoice
    assert imported.signed_qr_code == result.signed_qr_code
    assert imported.status == "ACT"
    assert imported.ack_date.tzinfo is not None  # aware UTC, from the IRP's IST text
    assert imported.buyer_gstin == master.BUYER_KA["gstin"]


def test_ack_no_stored_as_a_number_stays_exact(registered, certificate):
    _payload, result = registered
    data = dict(result.data, AckNo=int(result.ack_no))
    assert odoo_edi.irn_result(data, [certificate]).ack_no == result.ack_no


def test_the_certificate_list_may_hold_the_rotated_one_too(registered, certificate, kit):
    _payload, result = registered
    _key, other = kit.foreign_signer()
    other_pem = other.public_bytes(serialization.Encoding.PEM).decode()
    assert odoo_edi.irn_result(result.data, [other_pem + certificate]).irn == result.irn


@pytest.mark.parametrize("key", ["SignedInvoice", "SignedQRCode"])
def test_a_tampered_signed_token_is_refused(registered, certificate, key):
    _payload, result = registered
    data = dict(result.data)
    data[key] = _tamper(data[key], TotInvVal=1.0)
    with pytest.raises(ResponseSignatureError, match="signature"):
        odoo_edi.irn_result(data, [certificate])


def test_an_irn_swapped_in_the_stored_reply_is_refused(registered, certificate, make_client, invoice_for):
    _payload, result = registered
    other = make_client().generate_irn(invoice_for())
    with pytest.raises(ResponseSignatureError, match="another IRN"):
        odoo_edi.irn_result(dict(result.data, Irn=other.irn), [certificate])


def test_an_ack_no_changed_in_the_stored_reply_is_refused(registered, certificate):
    _payload, result = registered
    with pytest.raises(ResponseSignatureError, match="Ack No"):
        odoo_edi.irn_result(dict(result.data, AckNo="1" + result.ack_no), [certificate])


def test_a_reply_for_another_document_or_seller_is_refused(registered, certificate):
    payload, result = registered
    with pytest.raises(ResponseSignatureError, match="No"):
        odoo_edi.irn_result(result.data, [certificate], doc_no=payload["DocDtls"]["No"] + "X")
    with pytest.raises(ResponseSignatureError, match="Typ"):
        odoo_edi.irn_result(result.data, [certificate], doc_type="CRN")
    with pytest.raises(ResponseSignatureError, match="Gstin"):
        odoo_edi.irn_result(result.data, [certificate], seller_gstin=master.BUYER_KA["gstin"])


def test_a_reply_signed_by_another_key_or_without_certificate_is_refused(registered, kit):
    _payload, result = registered
    _key, other = kit.foreign_signer()
    with pytest.raises(ResponseSignatureError, match="unknown IRP key"):
        odoo_edi.irn_result(result.data, [other.public_bytes(serialization.Encoding.PEM).decode()])
    with pytest.raises(ResponseSignatureError, match="no IRP signing certificate"):
        odoo_edi.irn_result(result.data, [])
    with pytest.raises(ResponseSignatureError, match="cannot be read"):
        odoo_edi.irn_result(result.data, ["-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n"])


def test_a_forged_token_under_the_irp_kid_is_refused(registered, certificate, kit):
    _payload, result = registered
    forger, forger_cert = kit.foreign_signer()
    claims = crypto.signed_data(result.signed_invoice)
    header = json.loads(base64.urlsafe_b64decode(result.signed_invoice.split(".")[0] + "=="))
    forged = crypto.sign_jwt(forger, forger_cert, dict(claims, TotInvVal=1.0))
    # the forger's token claims the IRP's kid
    forged_header = base64.urlsafe_b64encode(json.dumps(
        {"alg": "RS256", "kid": header["kid"], "typ": "JWT"}).encode()).decode().rstrip("=")
    forged = forged_header + forged[forged.index("."):]
    with pytest.raises(ResponseSignatureError, match="signature"):
        odoo_edi.irn_result(dict(result.data, SignedInvoice=forged), [certificate])


def test_a_reply_without_signed_data_is_refused(registered, certificate):
    _payload, result = registered
    data = {key: value for key, value in result.data.items() if key != "SignedQRCode"}
    with pytest.raises(ResponseSignatureError, match="lacks"):
        odoo_edi.irn_result(data, [certificate])


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", "\xff".encode("latin-1")])
def test_unreadable_stored_replies(raw):
    with pytest.raises(odoo_edi.StoredDataError):
        odoo_edi.parse_stored(raw)


def test_cancel_date_of_a_stored_cancel_reply():
    moment = odoo_edi.cancel_date({"Irn": "x", "CancelDate": "2026-12-02 15:30:00"})
    assert moment == datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    assert odoo_edi.cancel_date({}) is None
    with pytest.raises(odoo_edi.StoredDataError):
        odoo_edi.cancel_date({"CancelDate": "yesterday"})


def test_ewaybill_made_from_the_irn_in_the_irps_words(registered, make_client):
    _payload, result = registered
    bill = make_client().generate_ewaybill(
        {"Irn": result.irn, "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234", "VehType": "R"})
    stored = odoo_edi.ewaybill_result(odoo_edi.parse_stored(_stored(bill.data)))
    assert (stored.ewb_no, stored.ewb_date, stored.ewb_valid_till) == (bill.ewb_no, bill.ewb_date,
                                                                       bill.ewb_valid_till)


def test_ewaybill_made_directly_in_the_ewaybill_systems_words():
    stored = odoo_edi.ewaybill_result({"ewayBillNo": 331009876543, "ewayBillDate": "02/12/2026 10:15:00 AM",
                                       "validUpto": "03/12/2026 11:59:00 PM", "alert": ""})
    assert stored.ewb_no == "331009876543"
    assert stored.ewb_date == datetime(2026, 12, 2, 4, 45, tzinfo=timezone.utc)
    assert stored.ewb_valid_till == datetime(2026, 12, 3, 18, 29, tzinfo=timezone.utc)


@pytest.mark.parametrize("data", [{}, {"EwbNo": "abc", "EwbDt": "2026-12-02 10:00:00"},
                                  {"EwbNo": 331009876543}, {"EwbNo": 331009876543, "EwbDt": "someday"}])
def test_unusable_ewaybill_replies(data):
    with pytest.raises(odoo_edi.StoredDataError):
        odoo_edi.ewaybill_result(data)
