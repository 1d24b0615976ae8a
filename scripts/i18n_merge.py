"""Merge a freshly exported .pot into the shipped one and into each language's .po.

Used by scripts/i18n; plain Python with polib (a requirement of Odoo 18 itself).

    python scripts/i18n_merge.py NEW_POT SHIPPED_POT PO [PO...]

- SHIPPED_POT is replaced by NEW_POT only when its terms changed (msgids, comments or
  references): the export stamps the current time in the header, which alone is no
  reason for a diff.
- every PO gets msgmerge's semantics: one entry per msgid of the .pot, in the .pot's
  order, with the .pot's comments and references; a translation is kept when its msgid
  is unchanged; a new msgid close to a msgid that went away (difflib ratio >= 0.75) gets
  that old translation flagged fuzzy (a translator must check it: the tests refuse fuzzy
  entries); msgids that went away are kept at the end as obsolete (#~) entries, dropped
  on the next merge. The header is the PO's own (language, plural forms), with the
  .pot's POT-Creation-Date.
- prints, per PO, how many entries are translated, fuzzy and untranslated, and lists
  the fuzzy and untranslated msgids. Exits 0 (listing is not failing: the tests do).
"""
import difflib
import os
import sys

import polib

FUZZY_RATIO = 0.75
WRAP = 78  # polib's default, as Odoo writes its files


def entry_key(entry):
    return (entry.msgctxt or None, entry.msgid)


def terms(pofile):
    """What of a .pot matters: every entry with its comments and references."""
    return [(e.msgctxt, e.msgid, e.msgid_plural, e.comment, tuple(e.occurrences), tuple(e.flags))
            for e in pofile]


def update_pot(new_path, shipped_path):
    new = polib.pofile(new_path, wrapwidth=WRAP)
    try:
        shipped = polib.pofile(shipped_path, wrapwidth=WRAP)
    except (OSError, ValueError):
        shipped = None
    if shipped is not None and terms(shipped) == terms(new):
        print(f"{shipped_path}: unchanged ({len(shipped)} msgids)")
        return shipped
    before = {entry_key(e) for e in shipped} if shipped is not None else set()
    after = {entry_key(e) for e in new}
    new.save(shipped_path)
    print(f"{shipped_path}: {len(new)} msgids ({len(after - before)} new, "
          f"{len(before - after)} gone)")
    return new


def closest(msgid, candidates):
    """The old msgid most like msgid (ratio >= FUZZY_RATIO), or None."""
    best, best_ratio = None, FUZZY_RATIO
    for candidate in difflib.get_close_matches(msgid, list(candidates), n=3, cutoff=FUZZY_RATIO):
        ratio = difflib.SequenceMatcher(None, msgid, candidate).ratio()
        if ratio >= best_ratio:
            best, best_ratio = candidate, ratio
    return best


LANGUAGE_TEAMS = {"hi": "Hindi"}


def new_po(pot, po_path):
    """An empty translation of pot for the language the file is named after (hi.po: hi)."""
    lang = os.path.splitext(os.path.basename(po_path))[0]
    po = polib.POFile(wrapwidth=WRAP)
    po.header = pot.header
    po.metadata = dict(pot.metadata)
    po.metadata.update({
        "Language-Team": LANGUAGE_TEAMS.get(lang, lang),
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Language": lang,
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    })
    return po


def merge_po(pot, po_path):
    old = polib.pofile(po_path, wrapwidth=WRAP) if os.path.exists(po_path) else new_po(pot, po_path)
    old_by_key = {entry_key(e): e for e in old if not e.obsolete}
    pot_keys = {entry_key(e) for e in pot}
    # translations whose msgid went away: candidates for a fuzzy match
    gone = {e.msgid: e for key, e in old_by_key.items() if key not in pot_keys and e.msgstr}

    merged = polib.POFile(wrapwidth=WRAP)
    merged.header = old.header or pot.header
    merged.metadata = dict(old.metadata)
    merged.metadata["POT-Creation-Date"] = pot.metadata.get("POT-Creation-Date", "")
    fuzzy_sources = set()
    for pot_entry in pot:
        entry = polib.POEntry(msgid=pot_entry.msgid, msgctxt=pot_entry.msgctxt,
                              msgid_plural=pot_entry.msgid_plural, comment=pot_entry.comment,
                              tcomment="", occurrences=list(pot_entry.occurrences),
                              flags=[f for f in pot_entry.flags if f != "fuzzy"])
        previous = old_by_key.get(entry_key(pot_entry))
        if previous is not None:
            entry.msgstr = previous.msgstr
            entry.msgstr_plural = dict(previous.msgstr_plural)
            entry.tcomment = previous.tcomment
            if "fuzzy" in previous.flags:
                entry.flags.append("fuzzy")
        else:
            match = closest(pot_entry.msgid, gone)
            if match is not None:
                entry.msgstr = gone[match].msgstr
                entry.previous_msgid = match
                entry.flags.append("fuzzy")
                fuzzy_sources.add(match)
        merged.append(entry)
    for msgid, previous in gone.items():
        if msgid not in fuzzy_sources:
            obsolete = polib.POEntry(msgid=msgid, msgstr=previous.msgstr,
                                     msgctxt=previous.msgctxt, obsolete=True)
            merged.append(obsolete)
    merged.save(po_path)

    live = [e for e in merged if not e.obsolete]
    fuzzy = [e for e in live if "fuzzy" in e.flags]
    untranslated = [e for e in live if not e.msgstr and "fuzzy" not in e.flags]
    translated = len(live) - len(fuzzy) - len(untranslated)
    print(f"{po_path}: {translated} translated, {len(fuzzy)} fuzzy, "
          f"{len(untranslated)} untranslated, {len(merged) - len(live)} obsolete")
    for label, entries in (("fuzzy", fuzzy), ("untranslated", untranslated)):
        for e in entries:
            print(f"  {label}: {e.msgid!r}")
    return translated, len(fuzzy), len(untranslated)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    new_pot, shipped_pot, *pos = argv
    pot = update_pot(new_pot, shipped_pot)
    for po_path in pos:
        merge_po(pot, po_path)


if __name__ == "__main__":
    main(sys.argv[1:])
