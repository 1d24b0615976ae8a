"""Typed results of IRP calls (nic-irp-api.md §5.3-§5.4).

The IRP writes date-times as IST text; results carry aware datetimes in UTC,
which is what Odoo stores. Raw decrypted data stays available in `data`.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .ist import IST, format_ist, parse_ist  # noqa: F401 - re-exported: results speak IST

_DISTANCE = re.compile(r"(?:distance[^0-9]{0,40}?)(\d+)\s*(?:km)?", re.IGNORECASE)


def parse_date(value):
    """'yyyy-MM-dd' or 'dd/MM/yyyy' -> date; None for empty values."""
    if value in (None, ""):
        return None
    text = str(value).strip()[:10]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised IRP date {value!r}")


def format_doc_date(value):
    """date/datetime or 'dd/mm/yyyy' -> 'dd/mm/yyyy' as the IRP wants it."""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    text = str(value).strip()
    datetime.strptime(text, "%d/%m/%Y")  # raises ValueError on anything else
    return text


def number_text(value):
    """AckNo / EwbNo come as JSON numbers; keep them as exact digit strings."""
    if value in (None, ""):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def info_codes(info):
    return [str(entry.get("InfCd") or entry.get("infCd") or "") for entry in info or () if isinstance(entry, dict)]


def distance_from(info, remarks=None):
    """The PIN-to-PIN distance the IRP computed (InfoDtls EWBPPD, or an alert/remark)."""
    texts = []
    for entry in info or ():
        if isinstance(entry, dict) and isinstance(entry.get("Desc"), str):
            texts.append(entry["Desc"])
    if remarks:
        texts.append(str(remarks))
    for text in texts:
        match = _DISTANCE.search(text)
        if match:
            return int(match.group(1))
    return None


@dataclass(frozen=True)
class IrnResult:
    irn: str
    ack_no: str
    ack_date: datetime
    signed_invoice: str
    signed_qr_code: str
    status: str = "ACT"
    ewb_no: str = None
    ewb_date: datetime = None
    ewb_valid_till: datetime = None
    remarks: str = None
    info: list = field(default_factory=list)
    invoice_data: dict = field(default_factory=dict)
    qr_data: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict, repr=False)

    @property
    def ewb_errors(self):
        """EWBERR entries: the IRN was generated but the e-way bill sent with it failed."""
        errors = []
        for entry in self.info:
            if isinstance(entry, dict) and entry.get("InfCd") == "EWBERR" and isinstance(entry.get("Desc"), list):
                errors += [{"code": str(e.get("ErrorCode", "")), "message": str(e.get("ErrorMessage", ""))}
                           for e in entry["Desc"] if isinstance(e, dict)]
        return errors

    @property
    def buyer_gstin(self):
        return (self.invoice_data.get("BuyerDtls") or {}).get("Gstin") or self.qr_data.get("BuyerGstin")

    @property
    def total_value(self):
        total = (self.invoice_data.get("ValDtls") or {}).get("TotInvVal")
        return total if total is not None else self.qr_data.get("TotInvVal")


@dataclass(frozen=True)
class CancelResult:
    irn: str
    cancel_date: datetime
    data: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class GstinDetails:
    gstin: str
    legal_name: str = None
    trade_name: str = None
    status: str = None
    blk_status: str = None
    txp_type: str = None
    state_code: str = None
    pin: str = None
    address_building_name: str = None
    address_building_no: str = None
    address_floor: str = None
    address_street: str = None
    address_location: str = None
    registered_on: date = None
    deregistered_on: date = None
    data: dict = field(default_factory=dict, repr=False)

    @property
    def is_active(self):
        return self.status == "ACT"

    @property
    def is_blocked(self):
        """Blocked for e-way bills (returns not filed)."""
        return self.blk_status == "B"

    @property
    def address_lines(self):
        first = ", ".join(p for p in (self.address_building_no, self.address_building_name, self.address_floor) if p)
        return [line for line in (first, self.address_street) if line]


@dataclass(frozen=True)
class EwbResult:
    ewb_no: str
    ewb_date: datetime
    ewb_valid_till: datetime = None
    remarks: str = None
    distance: int = None
    info: list = field(default_factory=list)
    data: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class EwbDetails:
    ewb_no: str
    status: str
    generator_gstin: str = None
    ewb_date: datetime = None
    ewb_valid_till: datetime = None
    info: list = field(default_factory=list)
    data: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class EwbCancelResult:
    ewb_no: str
    cancel_date: datetime
    data: dict = field(default_factory=dict, repr=False)
