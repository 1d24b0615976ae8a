"""Typed results of e-way bill system calls (nic-ewb-api.md §5).

The e-way bill system writes date-times as IST text 'dd/MM/yyyy hh:mm:ss AM|PM' and
dates as 'dd/MM/yyyy'; results carry aware datetimes in UTC (what Odoo stores) and
dates. E-way bill numbers are exact digit strings. The decrypted data stays in `data`.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from .ist import parse_ist
from .results import distance_from, number_text, parse_date

ACTIVE = "ACT"
CANCELLED = "CNL"


def moment(value):
    """IST text -> aware UTC datetime; None when empty or unreadable (the raw text stays in data)."""
    try:
        return parse_ist(value)
    except ValueError:
        return None


def day(value):
    try:
        return parse_date(value)
    except ValueError:
        return None


def get(data, *names):
    """First present key, compared case-insensitively."""
    if not isinstance(data, dict):
        return None
    for name in names:
        if name in data:
            return data[name]
    lowered = {str(key).lower(): value for key, value in data.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _int(value):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value):
    if value in (None, ""):
        return None
    return str(value).strip()


def normalise_vehicle(value):
    """'ka 01 ab-1234' -> 'KA01AB1234' (how the e-way bill system compares vehicle numbers)."""
    return "".join(ch for ch in str(value or "").upper() if ch.isalnum())


@dataclass(frozen=True)
class EwbGenerated:
    """GENEWAYBILL's reply. valid_until is None for a Part-A-only e-way bill (no vehicle yet)."""
    ewb_no: str
    ewb_date: datetime
    valid_until: datetime = None
    alert: str = None
    distance: int = None  # the PIN-to-PIN distance NIC computed, when its alert states one
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data, alert=None):
        alert = get(data, "alert") or alert
        return cls(ewb_no=number_text(get(data, "ewayBillNo", "ewbNo")),
                   ewb_date=moment(get(data, "ewayBillDate", "ewbDate")),
                   valid_until=moment(get(data, "validUpto")),
                   alert=_text(alert), distance=distance_from(None, alert), data=dict(data or {}))


@dataclass(frozen=True)
class PartBEntry:
    """One row of an e-way bill's Part-B history (VehiclListDetails)."""
    vehicle_no: str = None
    from_place: str = None
    from_state: str = None
    trans_mode: str = None
    trans_doc_no: str = None
    trans_doc_date: date = None
    entered_at: datetime = None
    entered_by: str = None  # userGSTINTransin
    update_mode: str = None
    trip_sheet_no: str = None
    group_no: str = None
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, row):
        return cls(
            vehicle_no=_text(get(row, "vehicleNo")), from_place=_text(get(row, "fromPlace")),
            from_state=number_text(get(row, "fromState")), trans_mode=number_text(get(row, "transMode")),
            trans_doc_no=_text(get(row, "transDocNo")), trans_doc_date=day(get(row, "transDocDate")),
            entered_at=moment(get(row, "enteredDate")), entered_by=_text(get(row, "userGSTINTransin")),
            update_mode=_text(get(row, "updMode")), trip_sheet_no=number_text(get(row, "tripshtNo")),
            group_no=number_text(get(row, "groupNo")), data=dict(row))

    def describes(self, vehicle_no=None, trans_doc_no=None, trans_mode=None):
        """True when this entry carries what an update sent (vehicle compared without spaces or case)."""
        if vehicle_no and normalise_vehicle(vehicle_no) != normalise_vehicle(self.vehicle_no):
            return False
        if trans_doc_no and str(trans_doc_no).strip().upper() != str(self.trans_doc_no or "").upper():
            return False
        if trans_mode not in (None, "") and self.trans_mode and str(trans_mode) != self.trans_mode:
            return False
        return bool(vehicle_no or trans_doc_no)


@dataclass(frozen=True)
class EwbBill:
    """An e-way bill as GetEwayBill returns it."""
    ewb_no: str
    status: str  # ACT / CNL (a "Closed" status is promised)
    ewb_date: datetime = None
    valid_until: datetime = None
    generator_gstin: str = None
    doc_type: str = None
    doc_no: str = None
    doc_date: date = None
    from_gstin: str = None
    to_gstin: str = None
    total_value: float = None  # totInvValue
    distance: int = None  # actualDist: the distance NIC holds (its own when 0 was sent)
    valid_days: int = None
    extended_times: int = 0
    rejected: bool = False
    vehicle_type: str = None
    transporter_id: str = None
    transporter_name: str = None
    part_b: tuple = ()  # PartBEntry, oldest first
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data):
        rows = get(data, "VehiclListDetails", "vehicleListDetails") or []
        # NIC lists the newest entry first (real GetEwayBill samples) with minute-precise dates:
        # reversed, then sorted by date (stable), ties stay in NIC's order; kept oldest first
        entries = [PartBEntry.from_data(row) for row in reversed(rows) if isinstance(row, dict)]
        entries.sort(key=lambda entry: entry.entered_at.timestamp() if entry.entered_at else float("-inf"))
        return cls(
            ewb_no=number_text(get(data, "ewbNo", "ewayBillNo")), status=_text(get(data, "status")),
            ewb_date=moment(get(data, "ewayBillDate", "ewbDate")), valid_until=moment(get(data, "validUpto")),
            generator_gstin=_text(get(data, "userGstin", "genGstin")), doc_type=_text(get(data, "docType")),
            doc_no=_text(get(data, "docNo")), doc_date=day(get(data, "docDate")),
            from_gstin=_text(get(data, "fromGstin")), to_gstin=_text(get(data, "toGstin")),
            total_value=_float(get(data, "totInvValue")), distance=_int(get(data, "actualDist")),
            valid_days=_int(get(data, "noValidDays")), extended_times=_int(get(data, "extendedTimes")) or 0,
            rejected=str(get(data, "rejectStatus") or "").upper() == "Y",
            vehicle_type=_text(get(data, "vehicleType")), transporter_id=_text(get(data, "transporterId")),
            transporter_name=_text(get(data, "transporterName")), part_b=tuple(entries), data=dict(data or {}))

    @property
    def is_active(self):
        return self.status == ACTIVE

    @property
    def is_cancelled(self):
        return self.status == CANCELLED

    @property
    def is_closed(self):
        """Voluntarily closed (§5.7: NIC promised a "Closed" status but published no field; a
        status other than ACT/CNL, a closed flag or a closure date is read as closed)."""
        if self.status not in (None, ACTIVE, CANCELLED):
            return True
        return str(get(self.data, "closed") or "").upper() in ("Y", "TRUE") or bool(get(self.data, "closureDate"))

    @property
    def current_part_b(self):
        """The latest Part-B entry, or None for a Part-A-only e-way bill."""
        return self.part_b[-1] if self.part_b else None


@dataclass(frozen=True)
class EwbRef:
    """What the by-document look-up returns: the number (and dates when given) of the
    e-way bill NIC holds for a document of the caller."""
    ewb_no: str
    ewb_date: datetime = None
    valid_until: datetime = None
    status: str = None
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data):
        return cls(ewb_no=number_text(get(data, "ewayBillNo", "ewbNo")),
                   ewb_date=moment(get(data, "ewayBillDate", "ewbDate")), valid_until=moment(get(data, "validUpto")),
                   status=_text(get(data, "status")), data=dict(data or {}))


@dataclass(frozen=True)
class PartBUpdated:
    ewb_no: str
    updated_at: datetime
    valid_until: datetime = None
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data, ewb_no):
        return cls(ewb_no=number_text(get(data, "ewbNo", "ewayBillNo")) or ewb_no,
                   updated_at=moment(get(data, "vehUpdDate")), valid_until=moment(get(data, "validUpto")),
                   data=dict(data or {}))


@dataclass(frozen=True)
class TransporterUpdated:
    ewb_no: str
    transporter_id: str
    updated_at: datetime = None
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data, ewb_no, transporter_id):
        return cls(ewb_no=number_text(get(data, "ewayBillNo", "ewbNo")) or ewb_no,
                   transporter_id=_text(get(data, "transporterId")) or transporter_id,
                   updated_at=moment(get(data, "transUpdateDate")), data=dict(data or {}))


@dataclass(frozen=True)
class EwbCancelled:
    ewb_no: str
    cancel_date: datetime = None
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data, ewb_no):
        return cls(ewb_no=number_text(get(data, "ewayBillNo", "ewbNo")) or ewb_no,
                   cancel_date=moment(get(data, "cancelDate")), data=dict(data or {}))


@dataclass(frozen=True)
class Extended:
    ewb_no: str
    updated_at: datetime = None
    valid_until: datetime = None
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data, ewb_no):
        return cls(ewb_no=number_text(get(data, "ewayBillNo", "ewbNo")) or ewb_no,
                   updated_at=moment(get(data, "updatedDate")), valid_until=moment(get(data, "validUpto")),
                   data=dict(data or {}))


@dataclass(frozen=True)
class Closed:
    ewb_no: str
    closed_at: datetime = None
    data: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data, ewb_no):
        return cls(ewb_no=number_text(get(data, "ewayBillNo", "ewbNo")) or ewb_no,
                   closed_at=moment(get(data, "closureDate", "closedDate", "updatedDate")), data=dict(data or {}))
