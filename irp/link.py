"""Linking an IRN registered outside this system to its document.

A document registered by hand on the NIC portal, or a duplicate the IRP no longer
serves (2150 + 2283), gets its IRN from a person. `decide` checks it before anything
is stored and returns a typed outcome:

- Linked: the IRN's signed data describes this document (seller GSTIN, buyer GSTIN,
  document type, number (any letter case) and date, total within ±₹1). `source` says
  where the signed data came from: the IRP ("irp", get IRN by IRN, signatures checked by
  the client), or the signed QR code the person pasted from the portal ("signed_qr",
  signature checked here with the IRP signing certificates) when the IRP no longer
  serves the IRN;
- Mismatch: the signed data (or, without any, the IRN itself) describes another
  document; `problems` names each difference;
- NotServed: the IRP serves no signed data for this IRN (too old: 2283, or unknown to
  it) and nothing was pasted: only a person's explicit confirmation can link it;
- Unreachable: the IRP could not be asked now (outage, credentials, untrusted reply);
  nothing is known, try again;
- Invalid: what was typed or pasted cannot be used (IRN format, a QR code that is not
  the IRP's, a QR code of another IRN, an IRN of another GSTIN).

Plain Python; no Odoo.
"""
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from . import crypto, errors, policy
from .errors import IrpError, ResponseSignatureError
from .ist import date_of, format_ist, parse_ist, utc_now
from .results import IrnResult, parse_date

IRN_PATTERN = re.compile(r"[0-9a-f]{64}")
ACK_NO_PATTERN = re.compile(r"\d{10,20}")  # NIC's are 15 digits; leave room for other IRPs
# The portal rounds Ack Dates to the minute, and clocks differ: "future" starts after this.
FUTURE_TOLERANCE = timedelta(minutes=5)

SOURCE_IRP = "irp"
SOURCE_SIGNED_QR = "signed_qr"

# Reasons of NotServed.
TOO_OLD = "too_old"  # 2283: generated more than 2 days ago
NOT_AVAILABLE = "not_available"  # 2148 and other refusals to serve: the IRP will not give it
OLD_IRN_CODE = policy.OLD_IRN_CODE
OTHER_GSTIN_CODE = "2143"

# Reasons of Invalid.
IRN_FORMAT = "irn_format"
QR_UNREADABLE = "qr_unreadable"
QR_OTHER_IRN = "qr_other_irn"
OTHER_GSTIN = "other_gstin"

# Keys of a Difference, and of a confirmation problem, with their English wording.
TEMPLATES = {
    "irn": "the IRN %(held)s is not the one NIC computes for this document (%(expected)s, from the seller "
           "GSTIN, financial year, document type and number)",
    "seller_gstin": "seller GSTIN: %(held)s at the IRP, %(expected)s on this document",
    "buyer_gstin": "buyer GSTIN: %(held)s at the IRP, %(expected)s on this document",
    "doc_type": "document type: %(held)s at the IRP, %(expected)s on this document",
    "doc_no": "document number: %(held)s at the IRP, %(expected)s on this document",
    "doc_date": "document date: %(held)s at the IRP, %(expected)s on this document",
    "total": "total: %(held)s at the IRP, %(expected)s on this document (NIC allows ±1 rupee)",
    "ack_no_format": "the Ack No %(value)s is not an acknowledgement number (digits only, as the NIC portal "
                     "shows it)",
    "ack_date_future": "the Ack Date %(value)s is in the future",
    "ack_date_before_document": "the Ack Date %(value)s is before the document date %(doc_date)s",
}


@dataclass(frozen=True)
class Difference:
    """One way the IRP's signed data differs from the document."""
    key: str  # see TEMPLATES
    held: object  # what the IRP signed (or the IRN typed)
    expected: object  # what the document says

    @property
    def params(self):
        return {"held": self.held, "expected": self.expected}

    def describe(self):
        return TEMPLATES[self.key] % self.params


@dataclass(frozen=True)
class Linked:
    result: IrnResult
    source: str  # SOURCE_IRP or SOURCE_SIGNED_QR


@dataclass(frozen=True)
class Mismatch:
    irn: str
    problems: tuple  # Differences
    source: str = None  # whose signed data differs; None when only the IRN itself was checked

    @property
    def params(self):
        return {problem.key: problem.params for problem in self.problems}


@dataclass(frozen=True)
class NotServed:
    reason: str  # TOO_OLD or NOT_AVAILABLE
    error: IrpError
    irn: str = None


@dataclass(frozen=True)
class Unreachable:
    error: Exception
    reason: str = "transient"  # or "untrusted_signature": the reply failed the signature check


@dataclass(frozen=True)
class Invalid:
    reason: str  # IRN_FORMAT, QR_UNREADABLE, QR_OTHER_IRN, OTHER_GSTIN
    detail: str = ""
    params: dict = field(default_factory=dict)


OUTCOMES = (Linked, Mismatch, NotServed, Unreachable, Invalid)


# --- input ----------------------------------------------------------------------------------------

def normalise_irn(text):
    """The IRN as the IRP writes it: 64 lower-case hex characters (spaces and line breaks
    of a copy from the portal dropped). The text unchanged when it is not one."""
    compact = re.sub(r"\s+", "", str(text or ""))
    return compact.lower() if IRN_PATTERN.fullmatch(compact.lower()) else compact


def is_irn(text):
    return bool(IRN_PATTERN.fullmatch(str(text or "")))


def document_irns(payload):
    """The IRNs NIC computes for this document (nic-irp-api.md §6): the number as sent,
    and in upper and lower case (a number typed on the portal may differ in case only)."""
    doc = payload.get("DocDtls") or {}
    seller = (payload.get("SellerDtls") or {}).get("Gstin")
    number = str(doc.get("No") or "")
    try:
        return {variant: crypto.irn_hash(seller, doc.get("Dt"), doc.get("Typ"), variant)
                for variant in dict.fromkeys((number, number.upper(), number.lower()))}
    except (TypeError, ValueError):
        return {}


def keyring_of(client):
    """The IRP signing keys the client trusts, for checking what a person pasted."""
    certificates = client.config.signing_certificates or ()
    if isinstance(certificates, (str, bytes)):
        certificates = [certificates]
    return crypto.SigningKeyring.from_pems(*certificates)


def read_signed_qr(text, keyring, irn):
    """IrnResult of a signed QR code pasted from the portal (whole JWS text), or Invalid.

    The signature is checked with the IRP signing keys; the QR must speak of `irn`, and
    its IRN must be the one NIC computes from its own document details."""
    token = re.sub(r"\s+", "", str(text or ""))
    if not keyring:
        return Invalid(QR_UNREADABLE, "no IRP signing certificate is configured")
    try:
        data = crypto.signed_data(token, keyring)
    except crypto.SignatureError as exc:
        return Invalid(QR_UNREADABLE, str(exc))
    if not isinstance(data, dict) or not data.get("Irn"):
        return Invalid(QR_UNREADABLE, "the signed data is not an e-invoice QR code")
    held_irn = str(data["Irn"]).lower()
    try:
        computed = crypto.irn_hash(data.get("SellerGstin"), data.get("DocDt"), data.get("DocTyp"), data.get("DocNo"))
    except (TypeError, ValueError):
        computed = None
    if computed != held_irn:
        return Invalid(QR_UNREADABLE, "its IRN does not match its own document details")
    if held_irn != irn:
        return Invalid(QR_OTHER_IRN, f"the QR code is for IRN {held_irn}", params={"held": held_irn, "irn": irn})
    try:
        irn_date = parse_ist(data.get("IrnDt"))
    except ValueError:
        irn_date = None
    return IrnResult(irn=held_irn, ack_no=None, ack_date=irn_date, signed_invoice=None, signed_qr_code=token,
                     status=None, qr_data=data)


# --- comparison -----------------------------------------------------------------------------------

def _held_document(result):
    """(seller GSTIN, type, number, date) in the signed data: the signed invoice's, else the QR's."""
    invoice = result.invoice_data or {}
    doc = invoice.get("DocDtls") or {}
    qr = result.qr_data or {}
    return ((invoice.get("SellerDtls") or {}).get("Gstin") or qr.get("SellerGstin"),
            doc.get("Typ") or qr.get("DocTyp"), doc.get("No") or qr.get("DocNo"), doc.get("Dt") or qr.get("DocDt"))


def _same_date(held, expected):
    try:
        return parse_date(held) == parse_date(expected)
    except ValueError:
        return False


def _within_tolerance(held, expected):
    try:
        return abs(float(held) - float(expected)) <= policy.TOTAL_TOLERANCE
    except (TypeError, ValueError):
        return False


def differences(result, payload, irn=None):
    """The Differences between the IRP's signed data and this payload (empty: it describes it)."""
    found = []
    if irn and result.irn and result.irn.lower() != irn:
        found.append(Difference("irn", result.irn, irn))
    doc = payload.get("DocDtls") or {}
    seller = (payload.get("SellerDtls") or {}).get("Gstin")
    held_seller, held_type, held_no, held_date = _held_document(result)
    if str(held_seller or "").upper() != str(seller or "").upper():
        found.append(Difference("seller_gstin", held_seller, seller))
    if str(held_type or "").upper() != str(doc.get("Typ") or "").upper():
        found.append(Difference("doc_type", held_type, doc.get("Typ")))
    if str(held_no or "").casefold() != str(doc.get("No") or "").casefold():
        found.append(Difference("doc_no", held_no, doc.get("No")))
    if not _same_date(held_date, doc.get("Dt")):
        found.append(Difference("doc_date", held_date, doc.get("Dt")))
    verdict = policy.matches(result, payload)  # buyer GSTIN and total, as adopting a duplicate does
    if verdict:
        if verdict["held_buyer"] != verdict["buyer"]:
            found.append(Difference("buyer_gstin", verdict["held_buyer"], verdict["buyer"]))
        if not _within_tolerance(verdict["held_total"], verdict["total"]):
            found.append(Difference("total", verdict["held_total"], verdict["total"]))
    return tuple(found)


def _judge(result, payload, irn, source):
    found = differences(result, payload, irn)
    return Mismatch(irn, found, source) if found else Linked(result, source)


# --- the decision ---------------------------------------------------------------------------------

def decide(client, irn, payload, signed_qr=None, *, keyring=None):
    """Whether `irn` may be linked to the document of `payload`; one of OUTCOMES.

    Asks the IRP for the IRN (one get-IRN call); the pasted `signed_qr` is used only
    when the IRP serves nothing, but is always checked first (offline) so that a wrong
    paste is said before any call. Never raises for what the IRP or the network does.
    """
    irn = normalise_irn(irn)
    if not is_irn(irn):
        return Invalid(IRN_FORMAT, "an IRN is 64 hexadecimal characters", params={"irn": irn, "length": len(irn)})
    pasted = None
    if signed_qr and str(signed_qr).strip():
        pasted = read_signed_qr(signed_qr, keyring if keyring is not None else keyring_of(client), irn)
        if isinstance(pasted, Invalid):
            return pasted
    try:
        result = client.get_irn(irn)
    except ResponseSignatureError as exc:
        return Unreachable(exc, "untrusted_signature")
    except IrpError as exc:
        if OTHER_GSTIN_CODE in exc.codes:
            return Invalid(OTHER_GSTIN, str(exc), params={"gstin": client.config.gstin})
        if exc.kind in (errors.TRANSIENT, errors.UNKNOWN_OUTCOME, errors.AUTH) or policy.is_configuration_error(exc):
            return Unreachable(exc)
        if pasted is not None:  # genuine signed data the IRP no longer serves itself
            return _judge(pasted, payload, irn, SOURCE_SIGNED_QR)
        computed = document_irns(payload)
        if irn not in computed.values():
            # without signed data the IRN itself is the only evidence: it must be this document's
            expected = next(iter(computed.values()), None)
            return Mismatch(irn, (Difference("irn", irn, expected),))
        return NotServed(TOO_OLD if OLD_IRN_CODE in exc.codes else NOT_AVAILABLE, exc, irn)
    return _judge(result, payload, irn, SOURCE_IRP)


def normalise_ack_no(text):
    return re.sub(r"\s+", "", str(text or ""))


def confirmation_problems(payload, ack_no, ack_date, now=None):
    """What is wrong with the Ack No and Ack Date a person confirms without signed data,
    as [(key, params)] (see TEMPLATES). ack_date: aware datetime (naive means UTC)."""
    problems = []
    if not ACK_NO_PATTERN.fullmatch(normalise_ack_no(ack_no)):
        problems.append(("ack_no_format", {"value": ack_no or ""}))
    if ack_date is not None:
        moment = ack_date if ack_date.tzinfo else ack_date.replace(tzinfo=timezone.utc)
        shown = format_ist(moment) + " IST"
        if moment > (now or utc_now()) + FUTURE_TOLERANCE:
            problems.append(("ack_date_future", {"value": shown}))
        doc_date = (payload.get("DocDtls") or {}).get("Dt")
        try:
            document_day = parse_date(doc_date)
        except ValueError:
            document_day = None
        if document_day and date_of(moment) < document_day:
            problems.append(("ack_date_before_document", {"value": shown, "doc_date": doc_date}))
    return problems


def describe(key, params):
    """English words of a Difference or confirmation problem key."""
    return TEMPLATES[key] % params
