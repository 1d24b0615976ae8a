"""GSTIN shape, forms and check character (nic-irp-api.md §7, §15). Plain Python, no I/O.

A GSTIN is 2 digits of state code, the holder's PAN (10), an entity number, a
14th character ('Z' for regular taxpayers, 'C' for e-commerce TCS, 'D' for TDS)
and a mod-36 check character. NIC's schema only asks for 2 digits + 13
alphanumerics, and NIC's public sandbox GSTINs (e.g. '01AMBPG7773M002') break the
stricter PAN layout and the check character, so the shape test follows NIC and
the check character is a separate, switchable test.

The forms (GSTN's API portal patterns, as used by india-compliance's
GSTIN_FORMATS and Odoo's base_vat `check_vat_in`):

    regular  SS PPPPP9999P E Z/1-9/A-J C   PAN-based; also the TAN-based
                                           government-department form SS AAAA99999A 9 Z 9
    tcs      SS PPPPP9999P E C C           e-commerce operator collecting tax (rule 2195)
    tds      SS AAAA[A9]9999A E D C        tax deductor, PAN- or TAN-based ('K' is also
                                           accepted, as Odoo does)
    uin      SS YY CCC 99999 UN/ON C       UN bodies, embassies, other notified persons
    nrtp     SS YY CCC 99999 NR C          non-resident taxable person
    oidar    99 YY CCC 99999 OS C          online services from abroad (Centre, code 99)

(SS state code, YY year, CCC country, E entity number, C check character.) Every
form carries the same mod-36 check character: published OIDAR and UIN numbers
satisfy it (e.g. 9917USA29005OS9). python-stdnum computes it (`stdnum.luhn`
with the 36-character alphabet) for every form; its `stdnum.in_.gstin.validate`
cannot be used as a whole because it refuses valid special forms (it wants 'Z'
as 14th character, a PAN in places 3-12 and a state code from its own list,
which lacks 38 Ladakh, 97 Other Territory and 99 Centre).
"""
import re

from .masters import STATE_CODES

try:  # python-stdnum ships with Odoo; irp/ still works without it
    from stdnum import luhn as _luhn
except ImportError:  # pragma: no cover - exercised only where stdnum is missing
    _luhn = None

# NIC schema pattern for SellerDtls.Gstin / BuyerDtls.Gstin / EcmGstin / TransId.
GSTIN_PATTERN = re.compile(r"^[0-9]{2}[0-9A-Z]{13}$")

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}

# '99' = Centre jurisdiction (OIDAR / non-resident online service providers).
GSTIN_STATE_PREFIXES = frozenset(code for code in STATE_CODES if code != "96") | {"99"}

# 14th character of an e-commerce operator's TCS registration.
TCS_MARKER = "C"

REGULAR, TCS, TDS, UIN, NRTP, OIDAR, UNKNOWN = "regular", "tcs", "tds", "uin", "nrtp", "oidar", "unknown"
KINDS = (REGULAR, TCS, TDS, UIN, NRTP, OIDAR, UNKNOWN)

# Checked in this order; the first that matches names the kind.
GSTIN_FORMS = (
    (TCS, re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]C[0-9A-Z]$")),
    (TDS, re.compile(r"^[0-9]{2}[A-Z]{4}[A-Z0-9][0-9]{4}[A-Z][1-9A-Z][DK][0-9A-Z]$")),
    (REGULAR, re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][Z1-9ABE-J][0-9A-Z]$")),
    (REGULAR, re.compile(r"^[0-9]{2}[A-Z]{4}[0-9]{5}[A-Z][0-9]Z[0-9A-Z]$")),  # government department (TAN)
    (OIDAR, re.compile(r"^99[0-9]{2}[A-Z]{3}[0-9]{5}OS[0-9A-Z]$")),
    (NRTP, re.compile(r"^[0-9]{4}[A-Z]{3}[0-9]{5}NR[0-9A-Z]$")),
    (UIN, re.compile(r"^[0-9]{4}[A-Z]{3}[0-9]{5}[UO]N[0-9A-Z]$")),
)


def check_char(first14):
    """Check character for the first 14 characters of a GSTIN (§15).

    Weights 1, 2, 1, 2... from the left; each product contributes quotient plus
    remainder of its division by 36; check = (36 - sum mod 36) mod 36. This is
    Luhn mod N over the 36-character alphabet, so python-stdnum computes it.
    """
    if len(first14) != 14:
        raise ValueError("check_char needs exactly 14 characters, got %d" % len(first14))
    first14 = first14.upper()
    for char in first14:
        if char not in _VALUE:
            raise ValueError("character %r is not allowed in a GSTIN" % char)
    if _luhn is not None:
        return _luhn.calc_check_digit(first14, ALPHABET)
    return _check_char_by_hand(first14)


def _check_char_by_hand(first14):
    """The same computation without python-stdnum."""
    total = 0
    for position, char in enumerate(first14):
        product = _VALUE[char] * (1 if position % 2 == 0 else 2)
        total += product // 36 + product % 36
    return ALPHABET[(36 - total % 36) % 36]


def is_well_formed(gstin):
    """True when `gstin` has NIC's GSTIN shape (pattern only, no check character)."""
    return isinstance(gstin, str) and bool(GSTIN_PATTERN.match(gstin))


def has_valid_check_digit(gstin):
    """True when `gstin` is well formed and its 15th character is the right check character."""
    return is_well_formed(gstin) and check_char(gstin[:14]) == gstin[14]


def state_code(gstin):
    """The 2-digit state code a GSTIN is registered in (its first two characters)."""
    return gstin[:2]


def is_tcs_gstin(gstin):
    """True for an e-commerce operator's TCS registration (14th character 'C'), rule 2195."""
    return is_well_formed(gstin) and gstin[13] == TCS_MARKER


def gstin_kind(gstin):
    """'regular', 'tcs', 'tds', 'uin', 'nrtp', 'oidar' by the form of `gstin`, else 'unknown'.

    The form only (no check character, no state code): NIC's own sandbox GSTINs
    such as '01AMBPG7773M002' are 'unknown'.
    """
    if not isinstance(gstin, str):
        return UNKNOWN
    value = gstin.strip().upper()
    for kind, pattern in GSTIN_FORMS:
        if pattern.match(value):
            return kind
    return UNKNOWN


def validate_gstin(gstin, *, require_check_digit=True, kinds=None):
    """None when `gstin` is acceptable, else a sentence saying what is wrong with it.

    Every form (regular, TCS, TDS, UIN, NRTP, OIDAR) is acceptable; the form itself
    is only required when `kinds` names the acceptable ones (e.g. ('tcs',) for an
    e-commerce operator). require_check_digit=False accepts a wrong check character
    (and an unknown form), as NIC's sandbox does with its own test GSTINs (§15).
    """
    if not isinstance(gstin, str) or not gstin:
        return "GSTIN is missing"
    if len(gstin) != 15:
        return "GSTIN '%s' must be 15 characters long (it has %d)" % (gstin, len(gstin))
    if not GSTIN_PATTERN.match(gstin):
        if GSTIN_PATTERN.match(gstin.upper()):
            return "GSTIN '%s' must be written in capital letters" % gstin
        return "GSTIN '%s' must be 2 digits followed by 13 capital letters or digits" % gstin
    if gstin[:2] not in GSTIN_STATE_PREFIXES:
        return "GSTIN '%s' starts with '%s', which is not an Indian state code" % (gstin, gstin[:2])
    if require_check_digit and check_char(gstin[:14]) != gstin[14]:
        return "GSTIN '%s' fails the check-character test: one of its characters is mistyped" % gstin
    if kinds is not None:
        kind = gstin_kind(gstin)
        if kind not in kinds:
            return "GSTIN '%s' is not of the expected kind (%s): it reads as %s" % (
                gstin, ", ".join(KIND_LABELS.get(item, item) for item in kinds), KIND_LABELS[kind])
    return None


KIND_LABELS = {
    REGULAR: "a regular registration",
    TCS: "an e-commerce operator's TCS registration",
    TDS: "a tax deductor's TDS registration",
    UIN: "a UN body's or embassy's UIN",
    NRTP: "a non-resident taxable person's registration",
    OIDAR: "an OIDAR registration (online services from abroad)",
    UNKNOWN: "no known GSTIN form",
}
