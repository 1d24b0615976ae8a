"""GSTIN shape and check character (nic-irp-api.md §7, §15). Plain Python, no I/O.

A GSTIN is 2 digits of state code, the holder's PAN (10), an entity number, a
14th character ('Z' for regular taxpayers, 'C' for e-commerce TCS, 'D' for TDS)
and a mod-36 check character. NIC's schema only asks for 2 digits + 13
alphanumerics, and NIC's public sandbox GSTINs (e.g. '01AMBPG7773M002') break the
stricter PAN layout and the check character, so the shape test follows NIC and
the check character is a separate, switchable test.
"""
import re

from .masters import STATE_CODES

# NIC schema pattern for SellerDtls.Gstin / BuyerDtls.Gstin / EcmGstin / TransId.
GSTIN_PATTERN = re.compile(r"^[0-9]{2}[0-9A-Z]{13}$")

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}

# '99' = Centre jurisdiction (OIDAR / non-resident online service providers).
GSTIN_STATE_PREFIXES = frozenset(code for code in STATE_CODES if code != "96") | {"99"}

# 14th character of an e-commerce operator's TCS registration.
TCS_MARKER = "C"


def check_char(first14):
    """Check character for the first 14 characters of a GSTIN (§15).

    Weights 1, 2, 1, 2... from the left; each product contributes quotient plus
    remainder of its division by 36; check = (36 - sum mod 36) mod 36.
    """
    if len(first14) != 14:
        raise ValueError("check_char needs exactly 14 characters, got %d" % len(first14))
    total = 0
    for position, char in enumerate(first14.upper()):
        if char not in _VALUE:
            raise ValueError("character %r is not allowed in a GSTIN" % char)
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


def validate_gstin(gstin, *, require_check_digit=True):
    """None when `gstin` is acceptable, else a sentence saying what is wrong with it.

    require_check_digit=False accepts a wrong check character, as NIC's sandbox does
    with its own test GSTINs (§15).
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
    return None
