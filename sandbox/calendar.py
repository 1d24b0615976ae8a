"""NIC's dated rules of 2023-2026, as the sandbox applies them (nic-rules-2025-26.md).

Plain data and small predicates; the checks that walk an invoice live in
rules.py / rules_ewb.py and ask this module whether a rule is in force on the
IRP's today (the sandbox clock). Each rule has a switch: "on" means NIC's
change applies from its start date, "off" means the IRP behaves as before it.
Switches and AATO bands live in memory only, like the clock offset: a
restarted sandbox starts from the defaults below plus its command line.

Source tags [Rn] are those of nic-rules-2025-26.md §10.
"""
import threading
from datetime import date, timedelta

# --- the rules -----------------------------------------------------------------------------

class Rule:
    def __init__(self, name, title, start, codes, source, on=True, note=""):
        self.name, self.title, self.start, self.codes = name, title, start, tuple(codes)
        self.source, self.default_on, self.note = source, on, note

    def as_dict(self, on, today):
        return {"name": self.name, "title": self.title, "start": self.start.isoformat(), "codes": list(self.codes),
                "source": self.source, "on": on, "in_force": on and today >= self.start, "note": self.note}


REPORTING_LIMIT_DAYS = 30
REPORTING_100_CR_START = date(2023, 11, 1)
REPORTING_10_CR_START = date(2025, 4, 1)
EWB_MAX_DOC_AGE_DAYS = 180
EWB_MAX_EXTENSION_DAYS = 360

RULES = {rule.name: rule for rule in (
    Rule("reporting_30_days", "IRN refused when the document date is 30 days or more before the IRP's today "
         "(AATO >= 100 cr from 01/11/2023, >= 10 cr from 01/04/2025); INV, CRN and DBN alike",
         REPORTING_100_CR_START, ("2305",),
         "GSTN advisories 13/09/2023 and 05/11/2024 [R1][R2][R3][R4]; code 2305 [R7]",
         note="advisory example: dated 01/04/2025, cannot be reported after 30/04/2025 (day 29 is the last)"),
    Rule("hsn_six_digits", "HSN of at least 6 digits when the supplier's AATO is 5 cr or more (4 otherwise)",
         date(2023, 12, 15), ("2176",), "e-invoice system update, notification 78/2020 [R12][R13]",
         note="NIC publishes no dedicated code: 2176 (invalid HSN) is the generic one [U]"),
    Rule("ewb_doc_age_180_days", "E-way bill (by/with IRN, or through the e-way bill API) refused when the document "
         "date is more than 180 days before its generation (180 allowed, 181 refused)",
         date(2025, 1, 1), ("4043", "820"), "EWB system advisory of Nov/Dec 2024 [R5][R6]; codes 4043, 820 [R14][R15]"),
    Rule("ewb_extension_360_days", "E-way bill validity not extended once 360 days have passed since generation; "
         "a new validity past day 360 is capped at day 360",
         date(2025, 1, 1), ("821",), "EWB system advisory of Nov/Dec 2024 [R5][R6]; code 821 [R14]",
         note="generated 28/12/2023, extended 17/12/2024: valid only to 22/12/2024"),
    Rule("doc_no_case_insensitive", "DocDtls.No upper-cased before IRN generation: 'abc1' and 'ABC1' are the "
         "same document (2150); the IRN hashes the upper-cased number",
         date(2025, 6, 1), ("2150",), "e-invoice advisory of April 2025 [R17][R18]",
         note="hashing the upper-cased number is an inference [U]"),
    Rule("gst_rate_40", "GstRt 40 accepted (GST 2.0 slabs 5/18/40; 28 stays accepted for older documents); "
         "before the date 40 is refused with 2240",
         date(2025, 9, 22), ("2240",), "GST rate rationalisation, 56th GST Council [R21]",
         note="IRP handling of 40 % is not confirmed by NIC [U]"),
    Rule("ship_to_gstin", "Ship-to GSTIN when an e-way bill is made with the IRN (ShipDtls.Gstin, 5002) or by "
         "IRN (ExpShipDtls.Gstin, 5001); bill-to != ship-to (2323 / 4073); ship-to state = its GSTIN's state "
         "(2325 / 4074); URP for unregistered and export; B2B/SEZ ship-to of the IRN final at EWB time",
         date(2026, 8, 1), ("5002", "5001", "2323", "4073", "2325", "4074"),
         "GSTN advisories 661 (20/05/2026), 663 (09/06/2026), API advisory 17/06/2026 [R8][R26][R27][R28]; "
         "held by advisory 668 (~30/07/2026) [R9][R10]",
         on=False, note="on hold since ~30/07/2026: off unless switched on"),
    Rule("ewb_voluntary_closure", "Voluntary closure of an e-way bill through the e-way bill API (action CLOSEEWB "
         "in the sandbox: NIC's action name and keys are not confirmed)",
         date(2026, 8, 1), ("239",), "GSTN advisories 661, 663; FAQ of 02/07/2026 [R8][R29]; held by advisory 668 [R9]",
         on=False, note="on hold since ~30/07/2026 with the ship-to change: off unless switched on; "
         "while off, CLOSEEWB is an invalid action (239)"),
)}

# --- AATO bands (the IRP reads them from GSTN data, never from the payload) -------------------

BANDS = ("lt5", "5to10", "10to100", "ge100")   # < 5 cr, 5-10 cr, 10-100 cr, >= 100 cr
DEFAULT_BAND = "lt5"
# The demo sellers of master.py. "lt5" keeps the demo and the other suites' data (4-digit HSNs,
# back-dated invoices) valid; set a band per test or with --aato to exercise the AATO rules.
DEFAULT_AATO = {
    "29AAACK4521F1ZS": "lt5",   # Kaveri Demo Industries (SELLER_KA)
    "27AABCS8834G1Z5": "lt5",   # Sahyadri Demo Exports (SELLER_MH)
}


def _at_least(band, floor):
    return BANDS.index(band) >= BANDS.index(floor)


def reporting_limit_applies(band, today):
    """Whether the 30-day limit binds a supplier of that AATO band on `today` (rule switch aside)."""
    if today >= REPORTING_10_CR_START:
        return _at_least(band, "10to100")
    if today >= REPORTING_100_CR_START:
        return band == "ge100"
    return False


def reporting_too_late(doc_date, today):
    """Advisory: 'dated 1st April 2025, it cannot be reported after 30th April 2025': the document date
    plus 29 days is the last day, so 30 days of difference is already refused."""
    return (today - doc_date).days >= REPORTING_LIMIT_DAYS


def reporting_limit_errors(doc_date, band, today, in_force):
    """[("2305", ...)] when the supplier's band is bound by the limit on `today` and the document is too old."""
    if not (in_force and reporting_limit_applies(band, today) and reporting_too_late(doc_date, today)):
        return []
    floor = "10" if today >= REPORTING_10_CR_START else "100"
    last_day = doc_date + timedelta(days=REPORTING_LIMIT_DAYS - 1)
    return [("2305", f"IRN cannot be generated with document date prior to 30 days from today for suppliers with "
                     f"AATO of {floor} Cr and above: {doc_date:%d/%m/%Y} could be reported until {last_day:%d/%m/%Y}")]


def min_hsn_digits(band):
    return 6 if _at_least(band, "5to10") else 4


def ewb_doc_too_old(doc_date, today):
    return (today - doc_date).days > EWB_MAX_DOC_AGE_DAYS


def ewb_extension_refused(generated_on, today):
    """More than 360 days since generation on the day of extension (821)."""
    return (today - generated_on).days > EWB_MAX_EXTENSION_DAYS


def ewb_extension_cap(generated_on):
    """The last day an extended e-way bill may be valid: generation + 360 days."""
    return generated_on + timedelta(days=EWB_MAX_EXTENSION_DAYS)


# --- the switches of one running sandbox --------------------------------------------------------

class CalendarError(ValueError):
    """An unknown rule or band, or a switch value that is not on/off."""


def parse_switch(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off"):
        return False
    raise CalendarError(f"expected on or off, not {value!r}")


class Calendar:

    def __init__(self, switches=None, aato=None):
        self._lock = threading.Lock()
        self._switches = {}
        self._aato = {}
        self.reset()
        self.set_switches(switches or {})
        for gstin, band in (aato or {}).items():
            self.set_aato(gstin, band)

    def reset(self):
        with self._lock:
            self._switches = {name: rule.default_on for name, rule in RULES.items()}
            self._aato = dict(DEFAULT_AATO)

    def set_switches(self, switches):
        """{rule name: on/off}; all or nothing."""
        parsed = {}
        for name, value in switches.items():
            if name not in RULES:
                raise CalendarError(f"unknown rule {name!r}: one of {', '.join(RULES)}")
            parsed[name] = parse_switch(value)
        with self._lock:
            self._switches.update(parsed)

    def is_on(self, name):
        return self._switches[name]

    def in_force(self, name, today):
        return self._switches[name] and today >= RULES[name].start

    def set_aato(self, gstin, band):
        gstin = str(gstin or "").strip().upper()
        if len(gstin) != 15:
            raise CalendarError(f"GSTIN {gstin!r} must have 15 characters")
        if band not in BANDS:
            raise CalendarError(f"unknown AATO band {band!r}: one of {', '.join(BANDS)}")
        with self._lock:
            self._aato[gstin] = band

    def aato(self, gstin):
        return self._aato.get(gstin, DEFAULT_BAND)

    def listing(self, today):
        with self._lock:
            switches, aato = dict(self._switches), dict(self._aato)
        return {"today": today.isoformat(),
                "rules": [rule.as_dict(switches[name], today) for name, rule in RULES.items()],
                "aato": aato, "aato_default": DEFAULT_BAND, "bands": list(BANDS)}


def parse_cli_pair(text, what):
    """'name=value' of --rule / --aato."""
    name, sep, value = str(text).partition("=")
    if not sep or not name.strip() or not value.strip():
        raise CalendarError(f"{what} expects NAME=VALUE, not {text!r}")
    return name.strip(), value.strip()


__all__ = [
    "BANDS",
    "DEFAULT_AATO",
    "DEFAULT_BAND",
    "RULES",
    "Calendar",
    "CalendarError",
    "Rule",
    "ewb_doc_too_old",
    "ewb_extension_cap",
    "ewb_extension_refused",
    "min_hsn_digits",
    "parse_cli_pair",
    "parse_switch",
    "reporting_limit_applies",
    "reporting_limit_errors",
    "reporting_too_late",
]
