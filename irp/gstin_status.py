"""What a GSTIN check against the IRP master says about sending a document.

Plain Python, no I/O. `GstinStatus` is what is kept about a GSTIN after Get GSTIN
details / Sync GSTIN (nic-irp-api.md §5.4, §9.4); `judge` says, for one document
date and one role of the GSTIN on the document, which facts stop the IRP from
registering it (with the NIC code it would answer) and which are only worth a
warning. The words are in TEMPLATES (English, "%(name)s" style, like
irp.validation_problems.TEMPLATES); the Odoo layer words the same keys itself.

What the IRP does with the master record (§7.13, §8.3, sandbox/rules.py follows it):
- Status ACT: accepted, unless the document date is before the registration date (3079).
- Status CNL: the IRP checks the dates, not the status: accepted when the document
  date lies within the registration period; refused when it is later than the
  de-registration date (3074) or earlier than the registration date (3077), or when
  either date is missing (3075 / 3078).
- Any other status (INA inactive, PRO provisional...): refused, 3029 ("inactive or
  cancelled"; NIC also lists 3076 "inactive", the sandbox answers 3029).
- SUS suspended: see SUSPENDED_BLOCKS below.
- BlkStatus B: the GSTIN is blocked from e-way bills for not filing returns (rule
  138E); the IRN itself is still generated, the e-way bill is refused (4015 at the
  IRP, 715-719 at the e-way bill system).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .validation_problems import LOCAL_CODE, Problem

ACTIVE = "ACT"
CANCELLED = "CNL"
INACTIVE = "INA"
SUSPENDED = "SUS"
PROVISIONAL = "PRO"
BLOCKED = "B"
UNBLOCKED = "U"

STATUS_LABELS = {
    ACTIVE: "Active",
    CANCELLED: "Cancelled",
    INACTIVE: "Inactive",
    SUSPENDED: "Suspended",
    PROVISIONAL: "Provisional",
}

BLK_STATUS_LABELS = {
    BLOCKED: "Blocked for e-way bills (returns not filed)",
    UNBLOCKED: "Not blocked",
}

# NIC TxpType codes of the IRP master (Get GSTIN details). REG is what every
# published sample shows; the others are the GST common portal's taxpayer types
# under the codes the IRP/EWB masters use (see the module's report for sources).
TAXPAYER_TYPES = {
    "REG": "Regular",
    "COM": "Composition",
    "SEZ": "SEZ unit",
    "SED": "SEZ developer",
    "ISD": "Input Service Distributor",
    "TDS": "Tax deductor (TDS)",
    "TCS": "E-commerce operator (TCS)",
    "NRT": "Non-resident taxable person",
    "UN": "UN body / embassy (UIN)",
    "EMB": "UN body / embassy (UIN)",
    "UIN": "UN body / embassy (UIN)",
    "ONP": "Other notified person (UIN)",
    "OID": "OIDAR",
    "OIDAR": "OIDAR",
    "CAS": "Casual taxable person",
    "GDI": "Government department (TDS)",
}

# Odoo 18 l10n_in `l10n_in_gst_treatment` that fits a taxpayer type, where it is certain.
_TREATMENTS = {
    "REG": "regular",
    "CAS": "regular",
    "COM": "composition",
    "SEZ": "special_economic_zone",
    "SED": "special_economic_zone",
    "UN": "uin_holders",
    "EMB": "uin_holders",
    "UIN": "uin_holders",
    "ONP": "uin_holders",
}

ROLE_PATHS = {
    "buyer": "BuyerDtls.Gstin",
    "ship_to": "ShipDtls.Gstin",
    "seller": "SellerDtls.Gstin",
    "dispatch": "DispDtls.Gstin",
}
ROLE_LABELS = {"buyer": "buyer", "ship_to": "ship-to", "seller": "seller", "dispatch": "dispatch-from"}

# Whether the IRP refuses a document whose buyer is suspended (rule 21A). Decided in
# the module docstring / report: False = warning only.
SUSPENDED_BLOCKS = False


def _to_date(value):
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class GstinStatus:
    """What is kept about a GSTIN after a check against the IRP master."""

    gstin: str
    status: str
    blk_status: str = None
    txp_type: str = None
    registered_on: date = None
    deregistered_on: date = None
    checked_at: datetime = None  # naive UTC

    @classmethod
    def from_details(cls, details, checked_at):
        """From an irp.results.GstinDetails (Get GSTIN details / Sync GSTIN)."""
        return cls(
            gstin=details.gstin,
            status=(details.status or "").strip().upper() or None,
            blk_status=(details.blk_status or "").strip().upper() or None,
            txp_type=(details.txp_type or "").strip().upper() or None,
            registered_on=_to_date(details.registered_on),
            deregistered_on=_to_date(details.deregistered_on),
            checked_at=checked_at,
        )

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status or "Unknown")

    @property
    def txp_label(self):
        return TAXPAYER_TYPES.get(self.txp_type, self.txp_type or "Unknown")

    @property
    def checked_on(self):
        return self.checked_at.date() if self.checked_at else None

    @property
    def is_active(self):
        return self.status == ACTIVE

    @property
    def is_blocked(self):
        return self.blk_status == BLOCKED


def needs_refresh(status, now, max_age_days):
    """True when there is no check yet, or the last one is older than max_age_days."""
    if status is None or status.checked_at is None:
        return True
    return now - status.checked_at > timedelta(days=max_age_days)


def _problem(status, role, code, key, **params):
    facts = {
        "gstin": status.gstin,
        "role": role,
        "role_label": ROLE_LABELS.get(role, role),
        "checked_on": status.checked_on,
    }
    facts.update(params)
    return Problem(ROLE_PATHS.get(role, ""), code, key, facts)


def judge(status, *, doc_date, role, with_ewaybill):
    """(problems that stop sending, warnings) for a document dated doc_date.

    role: 'buyer' or 'ship_to' (also 'seller', 'dispatch'); with_ewaybill: an e-way
    bill goes with the IRN (EwbDtls) or is about to be made by IRN.
    """
    if role not in ROLE_PATHS:
        raise ValueError("role must be one of %s, not %r" % (", ".join(ROLE_PATHS), role))
    blocking, warnings = [], []
    registered, deregistered = status.registered_on, status.deregistered_on
    label = status.status_label

    if status.status == CANCELLED:
        if registered is None:
            blocking.append(_problem(status, role, "3078", "gstin_cancelled", status_label=label,
                                     deregistered_on=deregistered))
        elif deregistered is None:
            blocking.append(_problem(status, role, "3075", "gstin_cancelled", status_label=label,
                                     deregistered_on=None))
        elif doc_date > deregistered:
            blocking.append(_problem(status, role, "3074", "gstin_deregistered_before", doc_date=doc_date,
                                     deregistered_on=deregistered))
        elif doc_date < registered:
            blocking.append(_problem(status, role, "3077", "gstin_not_yet_registered", doc_date=doc_date,
                                     registered_on=registered))
        else:
            # dated within the registration period: the IRP registers it
            warnings.append(_problem(status, role, LOCAL_CODE, "gstin_cancelled", status_label=label,
                                     deregistered_on=deregistered))
    elif status.status == SUSPENDED:
        problem = _problem(status, role, "3029" if SUSPENDED_BLOCKS else LOCAL_CODE, "gstin_suspended",
                           status_label=label)
        (blocking if SUSPENDED_BLOCKS else warnings).append(problem)
    elif status.status != ACTIVE:
        blocking.append(_problem(status, role, "3029", "gstin_inactive", status_label=label))

    if status.status != CANCELLED:
        if registered and doc_date < registered:
            blocking.append(_problem(status, role, "3079", "gstin_not_yet_registered", doc_date=doc_date,
                                     registered_on=registered))

    if status.is_blocked:
        if with_ewaybill:
            blocking.append(_problem(status, role, "4015", "gstin_blocked", with_ewaybill=True))
        else:
            warnings.append(_problem(status, role, LOCAL_CODE, "gstin_blocked", with_ewaybill=False))
    return blocking, warnings


def treatment_for(txp_type):
    """The Odoo l10n_in GST treatment that fits a NIC taxpayer type, or None when unsure."""
    return _TREATMENTS.get((txp_type or "").strip().upper())


def treatment_warning(status, treatment):
    """A 'gstin_treatment_mismatch' warning when the partner's treatment does not fit the taxpayer type."""
    expected = treatment_for(status.txp_type)
    if expected is None or not treatment or treatment == expected:
        return None
    return Problem("BuyerDtls.Gstin", LOCAL_CODE, "gstin_treatment_mismatch", {
        "gstin": status.gstin,
        "treatment": treatment,
        "expected": expected,
        "txp_type": status.txp_type,
        "txp_label": status.txp_label,
        "checked_on": status.checked_on,
    })


TEMPLATES = {
    "gstin_cancelled": "the %(role_label)s GSTIN %(gstin)s is %(status_label)s on the GST portal "
                       "(checked on %(checked_on)s; de-registered on %(deregistered_on)s)",
    "gstin_inactive": "the %(role_label)s GSTIN %(gstin)s is %(status_label)s on the GST portal "
                      "(checked on %(checked_on)s): the IRP refuses documents for it",
    "gstin_suspended": "the %(role_label)s GSTIN %(gstin)s is %(status_label)s on the GST portal "
                       "(checked on %(checked_on)s)",
    "gstin_blocked": "the %(role_label)s GSTIN %(gstin)s is blocked from e-way bills for not filing its "
                     "returns (checked on %(checked_on)s): the e-way bill will be refused",
    "gstin_not_yet_registered": "the document date %(doc_date)s is before the registration of the "
                                "%(role_label)s GSTIN %(gstin)s on %(registered_on)s",
    "gstin_deregistered_before": "the document date %(doc_date)s is after the de-registration of the "
                                 "%(role_label)s GSTIN %(gstin)s on %(deregistered_on)s",
    "gstin_treatment_mismatch": "the GST treatment '%(treatment)s' does not fit GSTIN %(gstin)s, registered as "
                                "%(txp_label)s: '%(expected)s' was expected",
}
