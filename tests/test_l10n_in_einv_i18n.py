"""Translations in Odoo: the shipped .pot holds every term Odoo finds in the addon, and the
Hindi translation (i18n/hi.po) reaches a user whose language is Hindi (hi_IN): field labels,
selection values and the errors of the addon's actions.

The file-level checks (every msgid translated, placeholders kept, nothing fuzzy) are the
pure test irp/tests/test_i18n_po.py; scripts/i18n regenerates the .pot and merges hi.po.
"""
import os
from unittest.mock import patch

import polib

from odoo import Command
from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools import translate
from odoo.tools.translate import TranslationModuleReader

MODULE = "l10n_in_einvoice"


def _pot_path():
    return os.path.join(get_module_path(MODULE), "i18n", f"{MODULE}.pot")


def _walk_without_local(real_walk):
    """os.walk that never enters .local/ (the git-ignored local state beside the addon, which
    links back to the addon), as scripts/i18n exports from a copy without it."""
    def walk(top, *args, **kwargs):
        for root, dirs, files in real_walk(top, *args, **kwargs):
            dirs[:] = [d for d in dirs if d != ".local"]
            yield root, dirs, files
    return walk


@tagged("post_install", "-at_install")
class TestL10nInEinvPotInSync(TransactionCase):
    """The .pot is what Odoo's own export gives for the code as it is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A file babel cannot parse (e.g. an f-string among the arguments of _()) is logged and
        # skipped from there on by Odoo: its terms would silently be missing from the .pot.
        cls.unreadable = []

        def extraction_failed(message, *args, **kwargs):
            cls.unreadable.append(message % args)

        with patch("os.walk", _walk_without_local(os.walk)), \
                patch.object(translate._logger, "exception", side_effect=extraction_failed):
            reader = TranslationModuleReader(cls.env.cr, modules=[MODULE])
            cls.code_terms = {}
            for module, kind, name, _res_id, source, _value, _comments in reader:
                if module == MODULE and source:
                    cls.code_terms.setdefault(source, f"{kind}:{name}")
        cls.pot_terms = {entry.msgid for entry in polib.pofile(_pot_path())}

    def test_every_file_readable_by_the_export(self):
        self.assertFalse(self.unreadable, "Odoo's term export cannot read these files, so their terms after the "
                         "failing _() call are missing from the .pot (an f-string in the call?): %s" % self.unreadable)

    def test_every_term_of_the_code_is_in_the_pot(self):
        self.assertGreater(len(self.code_terms), 100)
        missing = sorted(set(self.code_terms) - self.pot_terms)
        self.assertFalse(missing, "%d translatable terms of the code are not in i18n/%s.pot: run scripts/i18n "
                         "(then translate the new msgids in i18n/hi.po):\n%s" % (
                             len(missing), MODULE,
                             "\n".join(f"  {term!r} ({self.code_terms[term]})" for term in missing[:50])))

    def test_no_term_of_the_pot_is_gone_from_the_code(self):
        gone = sorted(self.pot_terms - set(self.code_terms))
        self.assertFalse(gone, "%d msgids of i18n/%s.pot are no longer in the code: run scripts/i18n:\n%s" % (
            len(gone), MODULE, "\n".join(f"  {term!r}" for term in gone[:50])))


@tagged("post_install", "-at_install")
class TestL10nInEinvHindi(TransactionCase):
    """A Hindi-speaking user sees the addon in Hindi."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("hi_IN")
        cls.env["ir.module.module"]._load_module_terms([MODULE], ["hi_IN"], overwrite=True)
        company = cls.env.company
        cls.user = cls.env["res.users"].with_context(no_reset_password=True).create({
            "name": "Sunita Verma", "login": "einv_i18n_hindi", "lang": "hi_IN",
            "company_id": company.id, "company_ids": [Command.set(company.ids)],
            "groups_id": [Command.set([cls.env.ref("base.group_user").id,
                                       cls.env.ref("account.group_account_invoice").id,
                                       cls.env.ref("l10n_in_einvoice.group_l10n_in_einvoice_user").id])],
        })
        cls.partner = cls.env["res.partner"].create({"name": "Sharma Traders", "vat": False})

    def _hindi(self, records):
        return records.with_user(self.user).with_context(lang=self.user.lang)

    def test_field_labels(self):
        move_fields = self._hindi(self.env["account.move"]).fields_get(
            ["l10n_in_einv_state", "l10n_in_einv_ack_no"], ["string"])
        self.assertEqual(move_fields["l10n_in_einv_state"]["string"], "ई-इनवॉइस")
        self.assertEqual(move_fields["l10n_in_einv_ack_no"]["string"], "पावती संख्या")
        partner_fields = self._hindi(self.env["res.partner"]).fields_get(["l10n_in_einv_gstin_status_label"], ["string"])
        self.assertEqual(partner_fields["l10n_in_einv_gstin_status_label"]["string"], "GSTIN स्थिति")
        # English stays English
        self.assertEqual(self.env["account.move"].with_context(lang="en_US").fields_get(
            ["l10n_in_einv_state"], ["string"])["l10n_in_einv_state"]["string"], "E-invoice")

    def test_selection_values(self):
        selection = dict(self._hindi(self.env["account.move"]).fields_get(
            ["l10n_in_einv_state"], ["selection"])["l10n_in_einv_state"]["selection"])
        self.assertEqual(selection["to_send"], "भेजना है")
        self.assertEqual(selection["generated"], "जनरेट हुआ")
        self.assertEqual(selection["retry"], "पुनः प्रयास हो रहा है")

    def test_view_texts(self):
        """The invoice form in Hindi: a button label (an attribute) and a sentence with markup (text)."""
        arch = self._hindi(self.env["account.move"]).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('string="IRN जनरेट करें"', arch)
        self.assertIn("<strong>IRP से रोका गया।</strong>", arch)
        self.assertNotIn("<strong>Held back from the IRP.</strong>", arch)

    def test_action_error_in_hindi(self):
        with self.assertRaises(UserError) as caught:
            self._hindi(self.partner).action_l10n_in_einv_verify_gstin()
        self.assertEqual(str(caught.exception), "Sharma Traders का जाँचने के लिए कोई GSTIN नहीं है।")
        # the same action in English
        with self.assertRaises(UserError) as caught:
            self.partner.with_user(self.user).with_context(lang="en_US").action_l10n_in_einv_verify_gstin()
        self.assertEqual(str(caught.exception), "Sharma Traders has no GSTIN to check.")
