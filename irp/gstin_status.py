"""What a GSTIN check against the IRP master says about sending a document.

Plain Python, no I/O. `GstinStatus` is what is kept about a GSTIN after Get GSTIN
details / Sync GSTIN (nic-irp-api.md §5.4, §9.4); `judge` says, for one document
date and one role of the GSTIN on the document (buyer or ship-to), which facts stop
the IRP from registering it (with the NIC code it answers) and which only deserve a
warning. The words are in TEMPLATES (English, "%(name)s" style, like
irp.validation_problems.TEMPLATES); the Odoo layer words the same keys itself.

What the IRP does with the master record of a party GSTIN (NIC's published error
list, einvoice1.gst.gov.in/others/geterrorcodes: 3029, 3074-3079; sandbox/rules.py
follows it). Ship-to GSTINs are checked like buyers' (india-compliance issue #3617:
an inactive ship-to GSTIN got 3029 in August 2025).
- Status ACT: accepted, unless the document date is before the registration date
  (3079 "for active GSTINs the document date should not be earlier than
  registration date").
- Status CNL: the IRP checks the dates: refused when the document date is later
  than the de-registration date (3074) or earlier than the registration date
  (3077), or when either date is missing (3078 / 3075); a document dated within the
  registration period is registered, so that is only a warning.
- INA inactive, PRO provisional and any other status: refused with 3029 ("GSTIN is
  inactive or cancelled", the code seen in a genuine envelope; NIC also lists 3076
  "GSTIN - {0} is inactive").
- SUS suspended: a warning (SUSPENDED_BLOCKS). No IRP code names suspension; 3029
  speaks of inactive or cancelled GSTINs; rule 21A(3) forbids the suspended person
  to make taxable supplies, not to receive them; and the e-way bill system
  announced (release notes, June 2021) that a suspended GSTIN may be the recipient
  or transporter of an e-way bill, only not its generator.
- BlkStatus B: blocked from e-way bills for returns not filed (rule 138E). Since
  CBIC notification 15/2021-Central Tax (18 May 2021) rule 138E restricts only
  "any outward movement of goods of a registered person": a blocked BUYER or
  SHIP-TO no longer stops an e-way bill; only the supplier's block does. So for
  the roles judged here it is a warning, with or without an e-way bill
  (RECIPIENT_BLOCK_STOPS_EWAYBILL switches back to the pre-2021 rule, where it
  blocks when an e-way bill goes with the document, answered 4015).
- An empty or unknown status in the record is not judged.
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

# NIC TxpType codes of the IRP master (Get GSTIN details). Confirmed: REG (every
# published response: NIC-format samples of MasterGST, Masters India and
# india-compliance's test fixture), SED (IRP error 2300 "Supplier GSTIN should be
# of type Regular or SED", india-compliance issue #3498) and SEZ (the IRP tells SEZ
# recipients apart, 2246/2247, and refuses SEZ suppliers, 2231). NIC publishes no
# list of the others; they are the GST portal's registration types under the
# codes GSPs show, kept so that a label can be shown when they appear.
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
}
ROLE_LABELS = {"buyer": "buyer", "ship_to": "ship-to"}

# A suspended buyer / ship-to: warning only (see the module docstring).
SUSPENDED_BLOCKS = False
# A buyer / ship-to blocked for e-way bills: warning only since notification 15/2021-CT.
RECIPIENT_BLOCK_STOPS_EWAYBILL = False


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

    role: 'buyer' or 'ship_to'; with_ewaybill: an e-way bill goes with the IRN
    (EwbDtls) or is to be made by IRN for this document.
    """
    if role not in ROLE_PATHS:
        raise ValueError("role must be one of %s, not %r" % (", ".join(ROLE_PATHS), role))
    blocking, warnings = [], []
    code = (status.status or "").strip().upper()
    registered, deregistered = status.registered_on, status.deregistered_on
    label = status.status_label
    dated = doc_date is not None

    if code == CANCELLED:
        if registered is None:
            blocking.append(_problem(status, role, "3078", "gstin_cancelled", status_label=label,
                                     deregistered_on=deregistered))
        elif deregistered is None:
            blocking.append(_problem(status, role, "3075", "gstin_cancelled", status_label=label,
                                     deregistered_on=None))
        elif dated and doc_date > deregistered:
            blocking.append(_problem(status, role, "3074", "gstin_deregistered_before", doc_date=doc_date,
                                     deregistered_on=deregistered))
        elif dated and doc_date < registered:
            blocking.append(_problem(status, role, "3077", "gstin_not_yet_registered", doc_date=doc_date,
                                     registered_on=registered))
        else:  # dated within the registration period: the IRP registers it
            warnings.append(_problem(status, role, LOCAL_CODE, "gstin_cancelled", status_label=label,
                                     deregistered_on=deregistered))
    elif code in (ACTIVE, SUSPENDED):
        if code == SUSPENDED:
            problem = _problem(status, role, "3029" if SUSPENDED_BLOCKS else LOCAL_CODE, "gstin_suspended",
                               status_label=label)
            (blocking if SUSPENDED_BLOCKS else warnings).append(problem)
        if dated and registered and doc_date < registered:
            blocking.append(_problem(status, role, "3079", "gstin_not_yet_registered", doc_date=doc_date,
                                     registered_on=registered))
    elif code:  # INA, PRO, anything else the portal may say
        blocking.append(_problem(status, role, "3029", "gstin_inactive", status_label=label))

    if status.is_blocked:
        stops = with_ewaybill and RECIPIENT_BLOCK_STOPS_EWAYBILL
        problem = _problem(status, role, "4015" if stops else LOCAL_CODE, "gstin_blocked",
                           with_ewaybill=bool(with_ewaybill))
        (blocking if stops else warnings).append(problem)
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
    "gstin_cancelled": "the %(role_label)s GSTIN %(gstin)s is cancelled on the GST portal (checked on %(checked_on)s)",
    "gstin_inactive": "the %(role_label)s GSTIN %(gstin)s is %(status_label)s on the GST portal "
                      "(checked on %(checked_on)s): the IRP refuses documents for it",
    "gstin_suspended": "the %(role_label)s GSTIN %(gstin)s is suspended on the GST portal "
                       "(checked on %(checked_on)s)",
    "gstin_blocked": "the %(role_label)s GSTIN %(gstin)s is blocked for e-way bills because its returns are not "
                     "filed (checked on %(checked_on)s)",
    "gstin_not_yet_registered": "the document date %(doc_date)s is before the registration of the "
                                "%(role_label)s GSTIN %(gstin)s on %(registered_on)s",
    "gstin_deregistered_before": "the document date %(doc_date)s is after the de-registration of the "
                                 "%(role_label)s GSTIN %(gstin)s on %(deregistered_on)s",
    "gstin_treatment_mismatch": "the GST treatment '%(treatment)s' does not fit GSTIN %(gstin)s, registered as "
                                "%(txp_label)s: '%(expected)s' was expected",
}
