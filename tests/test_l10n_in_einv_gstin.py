from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..irp import gstin as gstin_rules
from ..irp import gstin_status
from ..sandbox import master
from ..tools import write_guard
from .common import L10nInEinvoiceCommon


class GstinCommon(L10nInEinvoiceCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.state_gj = cls.env.ref("base.state_in_gj")
        users = cls.env["res.users"].with_context(no_reset_password=True)
        common = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        einv_user = cls.env.ref("l10n_in_einvoice.group_l10n_in_einvoice_user")
        cls.editor = users.create({
            "name": "Anita Rao", "login": "einv_gstin_editor", "email": "anita@example.com", **common,
            "groups_id": [Command.set([cls.env.ref("base.group_user").id, cls.env.ref("base.group_partner_manager").id,
                                       einv_user.id])]})
        cls.verifier = users.create({
            "name": "Ravi Kumar", "login": "einv_gstin_verifier", **common,
            "groups_id": [Command.set([cls.env.ref("base.group_user").id, einv_user.id])]})
        cls.outsider = users.create({
            "name": "Sales assistant", "login": "einv_gstin_outsider", **common,
            "groups_id": [Command.set([cls.env.ref("base.group_user").id,
                                       cls.env.ref("base.group_partner_manager").id])]})

    def _partner(self, entry, state, **values):
        return self._partner_from_master(entry, state, **values)

    def _calls(self, endpoint, gstin):
        return self.env["l10n_in.einvoice.api.log"].search([
            ("endpoint", "=", endpoint), ("url_path", "like", gstin)])

    def _verify(self, partner, user=None):
        action = partner.with_user(user or self.editor).action_l10n_in_einv_verify_gstin()
        self.assertEqual(action["res_model"], "l10n_in.einvoice.gstin.wizard")
        return self.env[action["res_model"]].with_user(user or self.editor).browse(action["res_id"])

    def _age(self, partners, days):
        with write_guard.trusted():
            partners.write({"l10n_in_einv_gstin_checked_at": fields.Datetime.now() - timedelta(days=days)})


@tagged("post_install", "-at_install")
class TestEinvoiceGstin(GstinCommon):
    """Customers' GSTINs checked against the IRP (sandbox over real HTTP)."""

    def test_verify_shows_what_would_change_then_updates_the_partner(self):
        partner = self._partner(master.BUYER_MH, self.state_mh, l10n_in_gst_treatment="composition")
        partner.write({"name": "Ratnagiri Foods", "city": "Bombay", "street": "Andheri"})
        wizard = self._verify(partner)
        self.assertTrue(wizard.found, wizard.message)
        self.assertEqual((wizard.legal_name, wizard.status, wizard.txp_type), (
            master.BUYER_MH["legal_name"], "ACT", "REG"))
        self.assertEqual(wizard.state_id, self.state_mh)
        self.assertEqual(wizard.pin, str(master.BUYER_MH["pin"]))
        self.assertEqual(set(wizard.changes), {"name", "street", "city", "l10n_in_gst_treatment"})
        for shown in ("Bombay", "Mumbai", "Ratnagiri Foods", master.BUYER_MH["legal_name"], "Composition"):
            self.assertIn(shown, wizard.changes_html)
        self.assertTrue(wizard.can_update)
        # verifying alone changed nothing but the kept status
        self.assertEqual((partner.name, partner.city), ("Ratnagiri Foods", "Bombay"))
        self.assertEqual((partner.l10n_in_einv_gstin_status, partner.l10n_in_einv_gstin_txp_type), ("ACT", "REG"))
        self.assertEqual(partner.l10n_in_einv_gstin_legal_name, master.BUYER_MH["legal_name"])
        self.assertTrue(partner.l10n_in_einv_gstin_checked_at)
        self.assertEqual(len(self._calls("get_gstin", master.BUYER_MH["gstin"])), 1)

        wizard.action_update_partner()
        self.assertEqual(partner.name, master.BUYER_MH["legal_name"])
        self.assertEqual(partner.city, "Mumbai")
        self.assertEqual(partner.street, "Unit 3, Sunrise Estate, Andheri Kurla Road")
        self.assertEqual(partner.l10n_in_gst_treatment, "regular")
        self.assertEqual(partner.zip, str(master.BUYER_MH["pin"]), "unchanged: it already matched")
        note = partner.message_ids.filtered(lambda m: "Updated from the GST portal" in (m.body or "")).body
        self.assertIn("Anita Rao", note)
        self.assertIn("Bombay → Mumbai", note)
        self.assertFalse(self._verify(partner).changes, "nothing left to change")

    def test_kept_status_is_written_only_by_the_addon(self):
        partner = self._partner(master.BUYER_TN, self.state_tn)
        for user in (self.env.user, self.editor):
            with self.assertRaisesRegex(AccessError, "can only be set by the e-invoicing"):
                partner.with_user(user).write({"l10n_in_einv_gstin_status": "ACT"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].create({"name": "Forged", "l10n_in_einv_gstin_status": "ACT"})

    def test_stale_or_missing_status_is_refreshed_before_sending_once_per_gstin(self):
        twin = self._partner(master.BUYER_MH, self.state_mh, name="Ratnagiri Foods (Pune office)")
        self._verify(self.partner_inter)
        self._verify(twin)
        self._age(self.partner_inter | twin, 10)
        stale_before = self.partner_inter.l10n_in_einv_gstin_checked_at
        moves = self._invoice(self.partner_inter, [(self.product_laptop, 1, 2100.0, self.igst_18)]) \
            | self._invoice(twin, [(self.product_laptop, 1, 2200.0, self.igst_18)]) \
            | self._invoice(self.partner_intra, [(self.product_laptop, 1, 2300.0)])
        mh_calls = len(self._calls("get_gstin", master.BUYER_MH["gstin"]))
        ka_calls = len(self._calls("get_gstin", master.BUYER_KA["gstin"]))
        self.assertFalse(self.partner_intra.l10n_in_einv_gstin_checked_at, "never checked so far")
        moves._l10n_in_einv_send(commit=False)
        self.assertEqual(moves.mapped("l10n_in_einv_state"), ["generated"] * 3, moves.mapped("l10n_in_einv_error"))
        self.assertEqual(len(self._calls("get_gstin", master.BUYER_MH["gstin"])), mh_calls + 1, "one call per GSTIN")
        self.assertEqual(len(self._calls("get_gstin", master.BUYER_KA["gstin"])), ka_calls + 1,
                         "a customer never checked is checked before the first invoice")
        self.assertGreater(self.partner_inter.l10n_in_einv_gstin_checked_at, stale_before)
        self.assertEqual(twin.l10n_in_einv_gstin_checked_at, self.partner_inter.l10n_in_einv_gstin_checked_at)
        self.assertEqual(self.partner_intra.l10n_in_einv_gstin_status, "ACT")
        self.assertIn("get_gstin", moves[0].l10n_in_einv_api_log_ids.mapped("endpoint"), "logged on the invoice")
        # fresh now: the next invoice goes without asking again
        again = self._generate(self._invoice(self.partner_inter, [(self.product_laptop, 1, 2400.0, self.igst_18)]))
        self.assertEqual(again.l10n_in_einv_state, "generated")
        self.assertEqual(len(self._calls("get_gstin", master.BUYER_MH["gstin"])), mh_calls + 1)

    def test_an_invoice_stopped_by_its_own_problems_checks_no_gstin(self):
        partner = self._partner(master.BUYER_TN, self.state_tn, zip="6000")
        move = self._invoice(partner, [(self.product_laptop, 1, 2450.0, self.igst_18)])
        move._l10n_in_einv_send(commit=False)
        self.assertEqual(move.l10n_in_einv_state, "error")
        self.assertFalse(move.l10n_in_einv_api_log_ids, "nothing reaches the IRP, not even a GSTIN check")
        self.assertFalse(partner.l10n_in_einv_gstin_checked_at)

    def test_a_failing_check_never_blocks_sending(self):
        self.sandbox.set_faults([{"kind": "http_error", "status": 503, "endpoint": "get_gstin", "times": 5}])
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 2500.0)]))
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        self.assertFalse(self.partner_intra.l10n_in_einv_gstin_checked_at)

    def test_cancelled_and_inactive_buyers_are_refused_before_any_generate_call(self):
        for entry, state, code in ((master.BUYER_CANCELLED, self.state_ka, "3074"),
                                   (master.BUYER_INACTIVE, self.state_mh, "3029")):
            with self.subTest(gstin=entry["gstin"]):
                partner = self._partner(entry, state)
                taxes = self.gst_18 if state == self.state_ka else self.igst_18
                move = self._invoice(partner, [(self.product_laptop, 1, 3100.0, taxes)])
                registered = self.sandbox.count_irns(self.company.vat)
                self._generate(move)
                self.assertEqual(move.l10n_in_einv_state, "error")
                self.assertIn(entry["gstin"], move.l10n_in_einv_error)
                self.assertIn(f"[{code}]", move.l10n_in_einv_error)
                self.assertIn("checked on", move.l10n_in_einv_error)
                endpoints = move.l10n_in_einv_api_log_ids.mapped("endpoint")
                self.assertIn("get_gstin", endpoints, "checked first (never checked before)")
                self.assertNotIn("generate_irn", endpoints)
                self.assertEqual(self.sandbox.count_irns(self.company.vat), registered)

    def test_blocked_buyer_follows_the_rule_on_ewaybills(self):
        """Since notification 15/2021 a blocked buyer stops no e-way bill (a warning, as irp's
        judge says); with irp's switch back to the former rule, an e-way bill in the call is
        refused before any generate call."""
        partner = self._partner(master.BUYER_BLOCKED, self.state_tn)
        self._verify(partner)
        self.assertTrue(partner.l10n_in_einv_gstin_blocked)
        move = self._invoice(partner, [(self.product_laptop, 1, 3300.0, self.igst_18)])
        self.assertIn("blocked for e-way bills", "\n".join(move._l10n_in_einv_warnings()))
        self.assertFalse([p for p in move._l10n_in_einv_preflight() if partner.vat in p])

        build = type(move)._l10n_in_einv_build

        def build_with_ewaybill(record):
            payload, items, problems = build(record)
            payload["EwbDtls"] = {"TransMode": "1", "Distance": 0, "VehNo": "TN38AB1234", "VehType": "R"}
            return payload, items, problems

        with patch.object(type(move), "_l10n_in_einv_build", build_with_ewaybill):
            self.assertFalse([p for p in move._l10n_in_einv_preflight() if partner.vat in p])
            self.assertIn("blocked for e-way bills", "\n".join(move._l10n_in_einv_warnings()))
            with patch.object(gstin_status, "RECIPIENT_BLOCK_STOPS_EWAYBILL", True):
                with self.assertRaisesRegex(UserError, r"blocked for e-way bills.*\[4015\]"):
                    self._generate(move)
                move._l10n_in_einv_send(commit=False)
        self.assertEqual(move.l10n_in_einv_state, "error")
        self.assertIn("[4015]", move.l10n_in_einv_error)
        self.assertNotIn("generate_irn", self.env["l10n_in.einvoice.api.log"].search([
            ("move_id", "=", move.id)]).mapped("endpoint"))

    def test_document_date_against_the_deregistration_date(self):
        partner = self._partner(master.BUYER_CANCELLED, self.state_ka)
        self._verify(partner)
        self.assertEqual(partner.l10n_in_einv_gstin_deregistered_on, date(2024, 3, 31))
        move = self._invoice(partner, [(self.product_laptop, 1, 3500.0)], post=False)
        payload = {"BuyerDtls": {"Gstin": partner.vat}}
        move.invoice_date = date(2024, 3, 15)  # within the registration period: the IRP registers it
        self.assertEqual(move._l10n_in_einv_extra_problems(payload, []), [])
        warnings = [w for role, _blocking, found in move._l10n_in_einv_gstin_judgements(payload)
                    for w in found]
        self.assertEqual([w.key for w in warnings], ["gstin_cancelled"])
        self.assertIn("Cancelled", move._l10n_in_einv_gstin_words(warnings[0], "buyer"))
        move.invoice_date = date(2024, 4, 2)
        problems = move._l10n_in_einv_extra_problems(payload, [])
        self.assertEqual(len(problems), 1)
        self.assertIn("[3074]", problems[0])
        self.assertIn(partner.name, problems[0])
        move.invoice_date = date(2018, 6, 1)
        self.assertIn("[3077]", move._l10n_in_einv_extra_problems(payload, [])[0])

    def test_treatment_disagreeing_with_the_taxpayer_type_is_a_warning(self):
        partner = self._partner(master.BUYER_SEZ_TN, self.state_tn, name="SEZ Electronics")
        self._verify(partner)
        move = self._invoice(partner, [(self.product_laptop, 1, 3700.0, self.igst_18)])
        warnings = "\n".join(move._l10n_in_einv_warnings())
        self.assertIn("Special Economic Zone", warnings)
        self.assertIn(master.BUYER_SEZ_TN["gstin"], warnings)
        self.assertIn("GST treatment", move.l10n_in_einv_warnings)

    def test_gstin_not_in_the_irp_master_is_synced(self):
        partner = self._partner(master.BUYER_NOT_IN_MASTER, self.state_gj)
        wizard = self._verify(partner)
        self.assertFalse(wizard.found)
        self.assertEqual(wizard.error_code, "3028")
        self.assertIn("Sync from GST portal", wizard.message)
        self.assertTrue(wizard.can_sync)
        self.assertFalse(partner.l10n_in_einv_gstin_checked_at)
        action = wizard.action_sync()
        self.assertEqual((action["res_model"], action["res_id"]), (wizard._name, wizard.id))
        self.assertTrue(wizard.found, wizard.message)
        self.assertEqual(wizard.status, "ACT")
        self.assertEqual(partner.l10n_in_einv_gstin_status, "ACT")
        self.assertEqual(len(self._calls("sync_gstin", partner.vat)), 1)

    def test_bulk_verify_updates_statuses_only_and_reports_per_partner(self):
        twin = self._partner(master.BUYER_MH, self.state_mh, name="Ratnagiri Foods (Pune office)")
        cancelled = self._partner(master.BUYER_CANCELLED, self.state_ka, name="Chamundi (old name)")
        partners = self.partner_inter | twin | cancelled | self.partner_unregistered
        before = len(self._calls("get_gstin", master.BUYER_MH["gstin"]))
        result = partners.with_user(self.verifier).action_l10n_in_einv_verify_gstins()
        params = result["params"]
        self.assertEqual(params["type"], "warning")
        for partner in partners:
            self.assertIn(partner.display_name, params["message"])
        self.assertIn("Cancelled", params["message"])
        self.assertIn("no GSTIN", params["message"])
        self.assertEqual(len(self._calls("get_gstin", master.BUYER_MH["gstin"])), before + 1)
        self.assertEqual((self.partner_inter.l10n_in_einv_gstin_status, twin.l10n_in_einv_gstin_status),
                         ("ACT", "ACT"))
        self.assertEqual(cancelled.l10n_in_einv_gstin_status, "CNL")
        self.assertEqual(cancelled.name, "Chamundi (old name)", "names and addresses never change in bulk")

    def test_rights_verify_and_update(self):
        partner = self._partner(master.BUYER_TN, self.state_tn, name="Thanjavur Textiles")
        wizard = self._verify(partner, self.verifier)
        self.assertTrue(wizard.found)
        self.assertTrue(wizard.changes)
        self.assertFalse(wizard.can_update, "may verify, may not change partners")
        with self.assertRaises(AccessError):
            wizard.action_update_partner()
        self.assertEqual(partner.name, "Thanjavur Textiles")
        self.assertEqual(partner.l10n_in_einv_gstin_status, "ACT", "the kept status is the addon's to write")
        with self.assertRaises(AccessError):
            partner.with_user(self.outsider).action_l10n_in_einv_verify_gstin()
        with self.assertRaises(AccessError):
            partner.with_user(self.outsider).action_l10n_in_einv_verify_gstins()
        with self.assertRaises(AccessError):
            self.env["l10n_in.einvoice.gstin.wizard"].with_user(self.outsider).create({"partner_id": partner.id})

    def test_invoice_buttons_verify_buyer_and_delivery_address(self):
        ship = self._partner(master.BUYER_TN, self.state_tn, name="Thanjavur warehouse")
        move = self._invoice(self.partner_inter, [(self.product_laptop, 1, 3900.0, self.igst_18)],
                             partner_shipping_id=ship.id)
        self.assertEqual(move.l10n_in_einv_buyer_gstin_partner_id, self.partner_inter)
        self.assertFalse(move.l10n_in_einv_buyer_gstin_status, "not checked yet")
        self.assertEqual(move.l10n_in_einv_ship_gstin_partner_id, ship)
        action = move.with_user(self.editor).action_l10n_in_einv_verify_ship_gstin()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual((wizard.partner_id, wizard.gstin), (ship, master.BUYER_TN["gstin"]))
        action = move.with_user(self.editor).action_l10n_in_einv_verify_buyer_gstin()
        self.assertEqual(self.env[action["res_model"]].browse(action["res_id"]).partner_id, self.partner_inter)
        self.assertEqual(move.l10n_in_einv_buyer_gstin_status, "Active")
        self.assertEqual(move.l10n_in_einv_buyer_gstin_checked_at, self.partner_inter.l10n_in_einv_gstin_checked_at)
        same = self._invoice(self.partner_inter, [(self.product_laptop, 1, 4000.0, self.igst_18)])
        self.assertFalse(same.l10n_in_einv_ship_gstin_partner_id)

    def test_typed_gstin_warnings(self):
        partner = self.env["res.partner"].new({"name": "Typed", "country_id": self.country_in.id})
        cases = {
            "27AAECR4512K1Z": "15 characters",
            "27aaecr4512k1zb": "capital letters",
            master.BUYER_MH["gstin"]: None,
            master.ECOM_TCS["gstin"]: None,  # an e-commerce operator's TCS GSTIN is no typo
            "27AAECR4512K1ZC": None,  # wrong check character: NIC's sandbox GSTINs have them
        }
        for vat, expected in cases.items():
            with self.subTest(vat=vat):
                partner.vat = vat
                result = partner._onchange_l10n_in_einv_gstin_vat()
                if expected is None:
                    self.assertFalse(result)
                else:
                    self.assertIn(expected, result["warning"]["message"])
        self.credential.write({"environment": "production", "base_url": "https://api.einvoice1.gst.gov.in"})
        partner.vat = "27AAECR4512K1ZC"
        self.assertIn("check-character", partner._onchange_l10n_in_einv_gstin_vat()["warning"]["message"])
        uin = "0717UNO00157UN" + gstin_rules.check_char("0717UNO00157UN")
        nrtp = "2717USA12345NR" + gstin_rules.check_char("2717USA12345NR")
        for special in (master.ECOM_TCS["gstin"], "9917USA29005OS9", uin, nrtp):  # TCS, OIDAR, UIN, NRTP
            with self.subTest(special=special):
                partner.vat = special
                self.assertFalse(partner._onchange_l10n_in_einv_gstin_vat(), "a special form is no typo")

    def test_scheduled_refresh_of_recently_invoiced_customers(self):
        invoiced = self._partner(master.BUYER_TN, self.state_tn, name="Invoiced lately")
        idle = self._partner(master.BUYER_BLOCKED, self.state_tn, name="Not invoiced")
        self._verify(invoiced)
        self._verify(idle)
        self._age(invoiced | idle, 30)
        self._invoice(invoiced, [(self.product_laptop, 1, 4100.0, self.igst_18)])
        old = invoiced.l10n_in_einv_gstin_checked_at
        self.env["res.partner"]._cron_l10n_in_einv_refresh_gstins()
        self.assertGreater(invoiced.l10n_in_einv_gstin_checked_at, old)
        self.assertEqual(idle.l10n_in_einv_gstin_checked_at, old, "not invoiced within the last 30 days")

    def test_merging_contacts_keeps_one_status(self):
        checked = self._partner(master.BUYER_MH, self.state_mh, name="Ratnagiri (checked)")
        self._verify(checked)
        duplicate = self._partner(master.BUYER_MH, self.state_mh, name="Ratnagiri (duplicate)")
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((checked | duplicate).ids, duplicate)
        self.assertFalse(checked.exists())
        self.assertEqual(duplicate.l10n_in_einv_gstin_status, "ACT")
        self.assertEqual(duplicate.l10n_in_einv_gstin_checked, master.BUYER_MH["gstin"])

    def test_no_credential_says_so(self):
        self.credential.active = False
        with self.assertRaisesRegex(Exception, "has none"):
            self._verify(self.partner_inter)


@tagged("post_install", "-at_install")
class TestEinvoiceGstinTour(GstinCommon, HttpCase):

    def test_verify_gstin_from_the_partner_form(self):
        self.env.user.write({"company_id": self.company.id, "company_ids": [(4, self.company.id)]})
        partner = self._partner(master.BUYER_MH, self.state_mh, name="Ratnagiri Foods")
        partner.write({"city": "Bombay"})
        self.start_tour(f"/web#model=res.partner&id={partner.id}&view_type=form", "l10n_in_einvoice_gstin_verify",
                        login=self.env.user.login)
        self.assertEqual((partner.name, partner.city), (master.BUYER_MH["legal_name"], "Mumbai"))
        self.assertEqual(partner.l10n_in_einv_gstin_status, "ACT")
        notes = partner.message_ids.filtered(lambda m: "Updated from the GST portal" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("Bombay → Mumbai", notes.body)
