"""Free texts as NIC takes them: one line, no double quote or backslash, at most so many
characters, shortened at a word boundary and never silently.

Plain Python (no Odoo): the mapping fits every length-limited text through here and the
Odoo layer words a warning from what `fit` and `split_address` report as not sent.
"""
from dataclasses import dataclass

ADDRESS_LINE_LENGTH = 100  # Addr1 and Addr2 (nic-irp-api.md §7.4)
ADDRESS_LINE2_MIN = 3  # Addr2 has 3-100 characters
_TRAILING = " ,;:"  # what may end a shortened text without meaning anything


@dataclass(frozen=True)
class Fitted:
    """A text as sent, and what of the (cleaned) original was not sent ('' if nothing)."""
    text: str
    dropped: str = ""
    original: str = ""

    @property
    def cut(self):
        return bool(self.dropped)


@dataclass(frozen=True)
class FittedAddress:
    """Addr1/Addr2 from a street and a second street line, and what of them was not sent."""
    line1: str
    line2: str
    dropped: str = ""
    original: str = ""

    @property
    def cut(self):
        return bool(self.dropped)


def clean(value):
    """One line of text NIC accepts: blanks collapsed, '"' becomes "'" and '\\' becomes '/'
    (NIC refuses both characters in every free-text field)."""
    return " ".join(str(value or "").replace('"', "'").replace("\\", "/").split())


def _cut_point(text, limit):
    """Where to cut `text` (longer than limit) so that the kept part ends at a word boundary.

    The word crossing the limit moves out whole; only when that word alone is longer than
    the limit (nothing sensible fits before it) is it cut hard at the limit."""
    if text[limit] == " ":
        return limit
    start = text.rfind(" ", 0, limit) + 1  # first character of the word crossing the limit
    end = text.find(" ", limit)
    end = len(text) if end < 0 else end
    if start == 0 or end - start > limit:
        return limit
    return start


def fit(value, limit):
    """`value` cleaned and shortened to at most `limit` characters at a word boundary."""
    text = clean(value)
    if len(text) <= limit:
        return Fitted(text, "", text)
    point = _cut_point(text, limit)
    kept = text[:point].rstrip(_TRAILING)
    if not kept:  # only separators before the cut: cut hard
        kept, point = text[:limit], limit
    return Fitted(kept, text[point:].strip(_TRAILING), text)


def _join(*parts):
    return ", ".join(part for part in parts if part)


def split_address(street, street2, limit=ADDRESS_LINE_LENGTH, line2_min=ADDRESS_LINE2_MIN):
    """Addr1 and Addr2 from a street and its second line.

    A street longer than one line continues in Addr2 (at a word boundary) before the
    second street line, so that both lines' room is used before anything is dropped; what
    still does not fit is dropped at a word boundary and reported. A second line too short
    for Addr2 (fewer than line2_min characters) is kept on Addr1 when it fits there."""
    first, second = clean(street), clean(street2)
    original = _join(first, second)
    if not first:
        first, second = second, ""
    head = fit(first, limit)
    rest = _join(head.dropped, second)
    line2 = fit(rest, limit)
    line1 = head.text
    if line2.text and len(line2.text) < line2_min:
        if len(_join(line1, line2.text)) <= limit:
            line1, line2 = _join(line1, line2.text), Fitted("", line2.dropped, line2.original)
    return FittedAddress(line1, line2.text, line2.dropped, original)
