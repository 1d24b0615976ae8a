"""The dated rules of the IRP and the e-way bill system (nic-rules-2025-26.md): each rule
with its start, NIC codes, source and status, switchable where the law left a choice
(a rule on hold), and the questions the pre-flight asks of them. Plain Python, no I/O.

Rules are judged on the date the IRP judges a request by (the day of reporting, in
India), except where a rule reads the document's own date (the 30-day limit compares
both). The taxpayer's turnover band (AATO) is not in any payload: the IRP takes it
from GSTN's data, so the company says it here; unknown means "do not block, warn".
"""
from dataclasses import dataclass
from datetime import date, timedelta

# Aggregate annual turnover (AATO) bands, lowest first; the thresholds the rules use.
AATO_BANDS = ("below_5cr", "5cr_to_10cr", "10cr_to_100cr", "100cr_plus")
_BAND_RANK = {band: rank for rank, band in enumerate(AATO_BANDS)}

REPORTING_DAYS = 30  # a document dated D is reported at the latest on D + 29 (01.04 -> 30.04)
EWB_DOCUMENT_AGE_DAYS = 180  # 180 days old is allowed, 181 refused
EWB_EXTENSION_CAP_DAYS = 360


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    start: date
    codes: tuple
    source: str
    status: str  # 'in_force' or 'on_hold'
    default_on: bool = True
    switchable: bool = False


RULES = {rule.key: rule for rule in (
    Rule("reporting_limit_100cr", "IRN only within 30 days of the document date (AATO ₹100 crore and above)",
         date(2023, 11, 1), ("2305",), "GSTN advisory of 13.09.2023", "in_force"),
    Rule("reporting_limit_10cr", "IRN only within 30 days of the document date (AATO ₹10 crore and above)",
         date(2025, 4, 1), ("2305",), "GSTN advisory of 05.11.2024", "in_force"),
    Rule("hsn_six_digits", "HSN of at least 6 digits (AATO ₹5 crore and above)",
         date(2023, 12, 15), ("2176",), "GSTN advisory of 05.12.2023; notification 78/2020-CT", "in_force"),
    Rule("ewb_document_age", "E-way bill only for documents at most 180 days old",
         date(2025, 1, 1), ("4043", "820"), "GSTN advisory of 22.11.2024 (EWB system)", "in_force"),
    Rule("ewb_extension_cap", "E-way bill validity never beyond 360 days from its generation",
         date(2025, 1, 1), ("821",), "GSTN advisory of 22.11.2024 (EWB system)", "in_force"),
    Rule("doc_no_case_insensitive", "Document numbers compared without letter case (abc1 = ABC1)",
         date(2025, 6, 1), ("2150",), "GSTN advisory of April 2025 (e-invoice system)", "in_force"),
    Rule("gst_rate_40", "GST rate slabs 5 / 18 / 40 %",
         date(2025, 9, 22), (), "56th GST Council; rate notifications of 17.09.2025", "in_force"),
    Rule("ship_to_gstin", "Ship-to GSTIN (or URP) mandatory when an e-way bill is made with or by the IRN",
         date(2026, 8, 1), ("5002", "5001", "2323", "4073", "2325", "4074", "3039"),
         "GSTN advisories 661 (20.05.2026) and 663 (09.06.2026); on hold by advisory 668 (29.07.2026)",
         "on_hold", default_on=False, switchable=True),
    Rule("ewb_voluntary_closure", "Voluntary closure of e-way bills after delivery",
         date(2026, 8, 1), (), "GSTN advisory 661; on hold by advisory 668 (29.07.2026)",
         "on_hold", default_on=False, switchable=True),
)}


@dataclass(frozen=True)
class ReportingLimit:
    """The last day the IRP takes a document, for the turnover band that decided it."""
    rule: Rule
    last_day: date
    days_left: int  # from the judging day; negative once passed
    band_known: bool  # False: the limit holds only if the company's AATO is in the rule's band

    @property
    def passed(self):
        return self.days_left < 0


class Calendar:
    """The rules as one company applies them: defaults, plus its switches for rules on hold."""

    def __init__(self, switches=None):
        unknown = set(switches or ()) - set(RULES)
        if unknown:
            raise ValueError(f"unknown rules: {', '.join(sorted(unknown))}")
        self._switches = dict(switches or {})

    def is_on(self, key):
        return self._switches.get(key, RULES[key].default_on)

    def applies(self, key, on):
        """Rule `key` is switched on and in force on the date `on`."""
        return self.is_on(key) and on >= RULES[key].start

    def rules(self):
        """Every rule with whether it is on, for settings screens and notes."""
        return [(rule, self.is_on(rule.key)) for rule in RULES.values()]

    # --- the 30-day reporting limit ------------------------------------------------------

    def reporting_limit(self, doc_date, band, today):
        """The limit that applies to a document dated `doc_date` reported on `today` by a taxpayer
        in AATO `band` (None: unknown), or None when no limit applies. With an unknown band the
        widest limit in force is returned with band_known=False."""
        if doc_date is None:
            return None
        for key, threshold in (("reporting_limit_10cr", "10cr_to_100cr"), ("reporting_limit_100cr", "100cr_plus")):
            if not self.applies(key, today):
                continue
            if band is not None and _BAND_RANK[band] < _BAND_RANK[threshold]:
                continue
            last_day = doc_date + timedelta(days=REPORTING_DAYS - 1)
            return ReportingLimit(RULES[key], last_day, (last_day - today).days, band is not None)
        return None

    # --- HSN ----------------------------------------------------------------------------

    def min_hsn_digits(self, band, on):
        """4 or 6; None when it depends on a band the company has not given."""
        if not self.applies("hsn_six_digits", on):
            return 4
        if band is None:
            return None
        return 6 if _BAND_RANK[band] >= _BAND_RANK["5cr_to_10cr"] else 4

    # --- e-way bills --------------------------------------------------------------------

    def ewb_last_day(self, doc_date, on):
        """The last day an e-way bill may be made for a document dated `doc_date` (None: no limit)."""
        if doc_date is None or not self.applies("ewb_document_age", on):
            return None
        return doc_date + timedelta(days=EWB_DOCUMENT_AGE_DAYS)

    def ewb_validity_cap(self, generated_on, on):
        """The latest validity an extension may reach (None: no cap on `on`)."""
        if generated_on is None or not self.applies("ewb_extension_cap", on):
            return None
        return generated_on + timedelta(days=EWB_EXTENSION_CAP_DAYS)

    # --- document numbers ---------------------------------------------------------------

    def same_document_number(self, first, second, on):
        """Whether the IRP takes two document numbers for the same one on `on`."""
        first, second = str(first or "").strip(), str(second or "").strip()
        if self.applies("doc_no_case_insensitive", on):
            return first.upper() == second.upper()
        return first == second

    # --- rates --------------------------------------------------------------------------

    def gst_rate_allowed(self, rate, on):
        """40 % exists only from 22.09.2025; older documents may still carry 28 % and 12 %."""
        return not (abs(float(rate) - 40.0) < 0.001 and not self.applies("gst_rate_40", on))


DEFAULT = Calendar()
