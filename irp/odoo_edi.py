"""What Odoo's own Indian e-invoicing (l10n_in_edi, l10n_in_edi_ewaybill: Odoo's IAP
service) stored of the IRP's replies, read back as this package's results.

l10n_in_edi keeps the decrypted `data` of a generate call as a JSON attachment (Irn,
AckNo, AckDt, SignedInvoice, SignedQRCode, Status, EwbNo, EwbDt, EwbValidTill), and of
a cancel call {Irn, CancelDate}. l10n_in_edi_ewaybill keeps the e-way bill reply: in the
IRP's words (EwbNo, EwbDt, EwbValidTill) when made from the IRN, in the e-way bill
system's (ewayBillNo, ewayBillDate, validUpto) when made directly.

Nothing stored is trusted as such: an IRN comes back only once its signed invoice and
signed QR code verify with the IRP certificates given and speak of the document named.
"""
import json

from . import crypto
from .client import build_irn_result
from .errors import ResponseSignatureError
from .ist import parse_ist
from .results import EwbResult, number_text

ENDPOINT = "odoo_edi_import"


class StoredDataError(ValueError):
    """The stored reply cannot be read (not JSON, not an object, a key missing or garbled)."""


def _get(data, *names):
    """First value under one of `names`, matched case-insensitively (replies vary in case)."""
    lowered = {str(key).lower(): value for key, value in data.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, ""):
            return value
    return None


def parse_stored(raw):
    """The stored attachment's bytes or text -> the reply's data (a dict)."""
    if raw in (None, b"", ""):
        raise StoredDataError("the stored reply is empty")
    try:
        data = json.loads(raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise StoredDataError(f"the stored reply is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise StoredDataError("the stored reply is not a JSON object")
    return data


def _keyring(signing_certificates):
    pems = [pem for pem in signing_certificates or () if pem]
    if not pems:
        raise ResponseSignatureError("no IRP signing certificate to verify the stored reply with",
                                     endpoint=ENDPOINT)
    try:
        return crypto.SigningKeyring.from_pems(*pems)
    except (crypto.CryptoError, ValueError) as exc:
        raise ResponseSignatureError(f"the IRP signing certificate cannot be read: {exc}",
                                     endpoint=ENDPOINT) from exc


def irn_result(data, signing_certificates, seller_gstin=None, doc_type=None, doc_no=None):
    """IrnResult of a stored generate reply, verified like a fresh one: both signatures
    with the IRP certificates, the IRN against the signed document details, and (when
    given) the seller GSTIN, document type and number the invoice has. Raises
    ResponseSignatureError when anything fails: an unverified IRN is never returned."""
    if not isinstance(data, dict):
        raise StoredDataError("the stored reply is not a JSON object")
    return build_irn_result(data, [], _keyring(signing_certificates), ENDPOINT,
                            expect={"Typ": doc_type, "No": doc_no, "Gstin": seller_gstin})


def cancel_date(data):
    """CancelDate of a stored cancel reply (aware UTC), or None when it has none."""
    try:
        return parse_ist(_get(data or {}, "CancelDate", "cancelDate"))
    except ValueError as exc:
        raise StoredDataError(f"unreadable cancel date: {exc}") from exc


def ewaybill_result(data):
    """EwbResult of a stored e-way bill reply, in either system's words."""
    if not isinstance(data, dict):
        raise StoredDataError("the stored e-way bill reply is not a JSON object")
    ewb_no = number_text(_get(data, "EwbNo", "ewayBillNo"))
    if not ewb_no or not ewb_no.isdigit():
        raise StoredDataError(f"the stored e-way bill reply has no e-way bill number ({ewb_no!r})")
    try:
        ewb_date = parse_ist(_get(data, "EwbDt", "ewayBillDate"))
        valid_till = parse_ist(_get(data, "EwbValidTill", "validUpto"))
    except ValueError as exc:
        raise StoredDataError(f"e-way bill {ewb_no}: {exc}") from exc
    if ewb_date is None:
        raise StoredDataError(f"e-way bill {ewb_no}: the stored reply has no date")
    return EwbResult(ewb_no=ewb_no, ewb_date=ewb_date, ewb_valid_till=valid_till,
                     remarks=_get(data, "Remarks", "alert"), data=data)
