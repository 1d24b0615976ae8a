"""The shipped translations (no Odoo): i18n/l10n_in_einvoice.pot and every i18n/*.po.

Every msgid of the .pot is translated in each .po, nothing is fuzzy, and a translation
keeps the placeholders (%s, %(name)s, %.2f, %%, {name}) and the markup of its msgid, so
that formatting it never fails and views keep their tags. scripts/i18n regenerates the
.pot and merges the .po files; the Odoo test tests/test_l10n_in_einv_i18n.py checks that
the .pot holds every term of the code.
"""
import re
from collections import Counter
from pathlib import Path

import polib
import pytest

I18N_DIR = Path(__file__).resolve().parents[2] / "i18n"
POT_PATH = I18N_DIR / "l10n_in_einvoice.pot"
PO_PATHS = sorted(I18N_DIR.glob("*.po"))
LANGUAGES = {"hi": "Hindi"}

# printf-style conversions as Python's % operator reads them (without the space flag, so that
# "40 % GST" or "28 % ones" in a plain text is no conversion), {name} fields, HTML/XML tags
PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\-+]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[A-Za-z_][A-Za-z_0-9]*\}|\{\d*\}")
TAG = re.compile(r"</?[A-Za-z][^<>]*/?>")


def _load(path):
    return polib.pofile(str(path), wrapwidth=78)


@pytest.fixture(scope="module")
def pot():
    return _load(POT_PATH)


@pytest.fixture(scope="module", params=[p.name for p in PO_PATHS] or ["(none)"])
def po(request):
    if request.param == "(none)":
        pytest.fail(f"no translation (*.po) in {I18N_DIR}")
    return _load(I18N_DIR / request.param)


def _live(po):
    return [e for e in po if not e.obsolete]


def _format_args(text):
    """Arguments that the % operator accepts for text, or None when text is no format string."""
    named = re.findall(r"%\(([^)]*)\)", text)
    if named:
        args = dict.fromkeys(named, 1)
    else:
        args = (1,) * len([m for m in PRINTF.findall(text) if m != "%%"])
    try:
        _ = text % args
    except (TypeError, ValueError, KeyError):
        return None
    return args


def test_languages_shipped():
    assert {p.stem for p in PO_PATHS} >= set(LANGUAGES), "i18n/hi.po is missing"


def test_pot_parses_and_is_a_template(pot):
    assert len(pot) > 0
    assert all(e.msgid for e in pot), "an empty msgid in the .pot"
    assert not [e.msgid for e in pot if e.msgstr], "the .pot is a template: msgstr must be empty"
    assert len({(e.msgctxt, e.msgid) for e in pot}) == len(pot), "duplicate msgids in the .pot"


def test_po_header(po):
    lang = Path(po.fpath).stem
    meta = po.metadata
    assert meta.get("Language") == lang
    assert "charset=UTF-8" in meta.get("Content-Type", "")
    if lang == "hi":
        assert meta.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


def test_every_msgid_translated(pot, po):
    by_id = {(e.msgctxt, e.msgid): e for e in _live(po)}
    missing = [e.msgid for e in pot if (e.msgctxt, e.msgid) not in by_id]
    empty = [e.msgid for e in pot if (e.msgctxt, e.msgid) in by_id and not by_id[(e.msgctxt, e.msgid)].msgstr]
    assert not missing, f"{len(missing)} msgids of the .pot are not in {po.fpath} (run scripts/i18n): {missing[:20]}"
    assert not empty, f"{len(empty)} msgids untranslated in {po.fpath}: {empty[:20]}"


def test_no_stale_or_fuzzy_entry(pot, po):
    pot_ids = {(e.msgctxt, e.msgid) for e in pot}
    stale = [e.msgid for e in _live(po) if (e.msgctxt, e.msgid) not in pot_ids]
    fuzzy = [e.msgid for e in _live(po) if "fuzzy" in e.flags]
    assert not stale, f"{po.fpath} has msgids the .pot no longer has (run scripts/i18n): {stale[:20]}"
    assert not fuzzy, f"fuzzy entries in {po.fpath} (check the translation, drop the flag): {fuzzy[:20]}"


def test_placeholders_and_markup_kept(po):
    wrong = []
    for e in _live(po):
        if not e.msgstr:
            continue
        for name, pattern in (("placeholders", PRINTF), ("fields", BRACES), ("tags", TAG)):
            source, translated = Counter(pattern.findall(e.msgid)), Counter(pattern.findall(e.msgstr))
            if source != translated:
                wrong.append(f"{name} {sorted(source.elements())} != {sorted(translated.elements())} "
                             f"in {e.msgid!r}")
    assert not wrong, f"{len(wrong)} translations in {po.fpath} differ from their msgid:\n" + "\n".join(wrong[:20])


def test_translations_format_like_their_msgid(po):
    """A msgid that Python formats (with _(..., name=value) or %) formats its translation too."""
    failing = []
    for e in _live(po):
        args = _format_args(e.msgid) if "%" in e.msgid else None
        if args is None or not e.msgstr:
            continue
        try:
            e.msgstr % args
        except (TypeError, ValueError, KeyError) as error:
            failing.append(f"{e.msgid!r}: {error}")
    assert not failing, "\n".join(failing[:20])


def test_no_blank_edges_added(po):
    """A translation starts and ends like its msgid (a leading/trailing space or newline matters
    where texts are joined)."""
    wrong = [e.msgid for e in _live(po) if e.msgstr and (
        e.msgid[:1].isspace() != e.msgstr[:1].isspace() or e.msgid[-1:].isspace() != e.msgstr[-1:].isspace())]
    assert not wrong, wrong[:20]
