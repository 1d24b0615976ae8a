from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..irp import crypto
from ..sandbox import master
from .common import L10nInEinvoiceCommon


@tagged("post_install", "-at_install")
class TestEinvoiceLink(L10nInEinvoiceCommon):
    """Link an IRN registered outside Odoo, against the sandbox over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = cls.env["res.users"].with_context(no_reset_password=True)
        common = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.manager = users.create({
            "name": "Meera Iyer", "login": "einv_link_manager", "email": "meera@example.com", **common,
            "groups_id": [Command.set([cls.env.ref("account.group_account_manager").id])]})
        cls.billing_user = users.create({
            "name": "Billing clerk", "login": "einv_link_billing", **common,
            "groups_id": [Command.set([cls.env.ref("account.group_account_invoice").id])]})

    def _registered_outside(self, move):
        """The document registered at the IRP by hand or another system: Odoo knows nothing of it."""
        return self.credential._l10n_in_einv_client().generate_irn(move._l10n_in_einv_build_payload())

    def _wizard(self, move, user=None, **values):
        wizard_model = self.env["l10n_in.einvoice.link.wizard"].with_user(user or self.manager)
        return wizard_model.with_context(active_model="account.move", active_id=move.id).create(values)

    def _ring(self):
        return crypto.SigningKeyring.from_pems(self.sandbox.signing_certificate_pem)

    def _html(self, move):
        return self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", move.ids)[0].decode()

    def test_irn_registered_outside_odoo_is_fetched_verified_and_linked(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6100.0)])
        held = self._registered_outside(move)
        registered = self.sandbox.count_irns(self.company.vat)
        action = self._wizard(move, irn=held.irn.upper()).action_link()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        self.assertEqual((move.l10n_in_einv_irn, move.l10n_in_einv_ack_no), (held.irn, held.ack_no))
        self.assertEqual(move.l10n_in_einv_signed_qr, held.signed_qr_code)
        signed = crypto.signed_data(move.l10n_in_einv_signed_invoice, self._ring())
        self.assertEqual((signed["Irn"], signed["DocDtls"]["No"]), (held.irn, move.name))
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered, "nothing registered again")
        self.assertIn("registered outside Odoo, linked", move.message_ids[0].body)
        logs = move.l10n_in_einv_api_log_ids
        self.assertIn("get_irn", logs.mapped("endpoint"))
        self.assertNotIn("generate_irn", logs.mapped("endpoint"))
        self.assertIn(held.irn, self._html(move))

    def test_pasted_signed_qr_links_an_irn_the_irp_no_longer_serves(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6200.0)])
        held = self._registered_outside(move)
        self.sandbox.advance_clock(days=3)  # 2283: the IRP serves it no more
        wizard = self._wizard(move, irn=held.irn, signed_qr=held.signed_qr_code)
        again = wizard.action_link()  # verified, but the QR code carries no Ack No: asked for
        self.assertEqual((again["res_model"], again["res_id"]), (wizard._name, wizard.id))
        self.assertTrue(wizard.need_ack_no)
        self.assertIn("Ack No", wizard.message)
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        self.assertIn("2283", move.l10n_in_einv_api_log_ids.mapped("error_codes"), "the call is in the log")
        wizard.ack_no = held.ack_no
        wizard.action_link()
        self.assertEqual(move.l10n_in_einv_state, "generated")
        self.assertEqual((move.l10n_in_einv_irn, move.l10n_in_einv_ack_no), (held.irn, held.ack_no))
        self.assertEqual(move.l10n_in_einv_signed_qr, held.signed_qr_code)
        self.assertFalse(move.l10n_in_einv_signed_invoice)
        self.assertAlmostEqual(move.l10n_in_einv_ack_date, held.ack_date.replace(tzinfo=None),
                               delta=timedelta(minutes=1))
        note = move.message_ids[0].body
        self.assertIn(self.manager.name, note)
        self.assertIn("signed QR code", note)
        self.assertIn("IRP signed QR code", self._html(move), "the verified QR code is printed")

    def _refused_after_asking(self, move, irn):
        """The IRP was asked and the link refused: the wizard stays open saying why, and the
        calls stay in the API log. Returns what it says."""
        wizard = self._wizard(move, irn=irn)
        self.assertEqual(wizard.action_link()["res_id"], wizard.id, "the wizard stays open, saying what differs")
        self.assertTrue(move.l10n_in_einv_api_log_ids, "the IRP's answer stays in the API log")
        return wizard.message

    def test_other_total_is_refused_naming_the_difference(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6300.0)])
        held = self._registered_outside(move)
        held_total = move._l10n_in_einv_build_payload()["ValDtls"]["TotInvVal"]
        move.button_draft()
        move.invoice_line_ids.price_unit = 6400.0
        move.action_post()
        message = self._refused_after_asking(move, held.irn)
        self.assertIn("NOT linked", message)
        total = move._l10n_in_einv_build_payload()["ValDtls"]["TotInvVal"]
        self.assertRegex(message, rf"total: {int(held_total)}(\.0+)? at the IRP, {int(total)}(\.0+)? on this invoice")
        self.assertNotIn("buyer", message)
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        self.assertFalse(move.l10n_in_einv_irn)

    def test_other_buyer_is_refused_naming_both_gstins(self):
        move = self._invoice(self.partner_inter, [(self.product_laptop, 1, 6500.0, self.igst_18)])
        held = self._registered_outside(move)
        move.button_draft()
        move.partner_id = self.partner_intra
        move.invoice_line_ids.tax_ids = [Command.set(self.gst_18.ids)]  # same total, CGST + SGST now
        move.action_post()
        message = self._refused_after_asking(move, held.irn)
        self.assertIn(f"buyer GSTIN: {master.BUYER_MH['gstin']} at the IRP, {master.BUYER_KA['gstin']}", message)
        self.assertNotIn("total:", message)
        self.assertFalse(move.l10n_in_einv_irn)

    def test_duplicate_no_longer_served_is_linked_on_explicit_confirmation(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6600.0)])
        held = self._registered_outside(move)
        self.sandbox.advance_clock(days=3)
        self._generate(move)  # 2150 + 2283: the IRP holds it but serves it no more
        self.assertEqual(move.l10n_in_einv_error_codes, "2150,2283")
        wizard = self._wizard(move)
        self.assertEqual(wizard.irn, held.irn, "the IRN the IRP named is offered")
        wizard.action_link()
        self.assertTrue(wizard.not_served)
        self.assertIn("2 days", wizard.message)
        self.assertEqual(move.l10n_in_einv_state, "error", "nothing stored without a confirmation")

        wizard.confirmed = True
        with self.assertRaisesRegex(UserError, "Ack No and Ack Date"):
            wizard.action_link()
        wizard.write({"ack_no": held.ack_no, "ack_date": fields.Datetime.now() + timedelta(days=1)})
        with self.assertRaisesRegex(UserError, "in the future"):
            wizard.action_link()
        wizard.ack_date = held.ack_date.replace(tzinfo=None)  # as the NIC portal shows it
        wizard.action_link()
        self.assertEqual(move.l10n_in_einv_state, "generated")
        self.assertEqual((move.l10n_in_einv_irn, move.l10n_in_einv_ack_no), (held.irn, held.ack_no))
        self.assertEqual(move.l10n_in_einv_ack_date, wizard.ack_date)
        self.assertFalse(move.l10n_in_einv_signed_qr or move.l10n_in_einv_signed_invoice)
        self.assertFalse(move.l10n_in_einv_error or move.l10n_in_einv_error_codes)
        note = move.message_ids[0].body
        self.assertIn(self.manager.name, note)
        self.assertIn("confirmed, without signed data", note)
        self.assertIn(held.irn, note)
        self.assertIn(master.BUYER_KA["gstin"], note)
        self.assertIn("2283", note)
        html = self._html(move)  # printed with its IRN, and no QR code
        self.assertIn(held.irn, html)
        self.assertNotIn("IRP signed QR code", html)

    def test_an_irn_the_irp_does_not_know_is_linked_only_on_confirmation(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6650.0)])
        irn = crypto.irn_hash(self.company.vat, move.invoice_date, "INV", move.name)  # registered on another IRP
        wizard = self._wizard(move, irn=irn)
        wizard.action_link()
        self.assertTrue(wizard.not_served)
        self.assertIn("2148", wizard.message)
        wizard.write({"confirmed": True, "ack_no": "112610000099999",
                      "ack_date": fields.Datetime.now() - timedelta(minutes=10)})
        wizard.action_link()
        self.assertEqual((move.l10n_in_einv_state, move.l10n_in_einv_irn), ("generated", irn))
        self.assertIn("2148", move.message_ids[0].body)
        asked = move.l10n_in_einv_api_log_ids.filtered(lambda log: log.endpoint == "get_irn")
        self.assertEqual(asked.mapped("error_codes"), ["2148", "2148"], "asked again before linking")

    def test_without_signed_data_a_mistyped_irn_is_refused(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6700.0)])
        held = self._registered_outside(move)
        typo = held.irn[:-1] + ("0" if held.irn[-1] != "0" else "1")  # unknown to the IRP (2148)
        wizard = self._wizard(move, irn=typo, confirmed=True, ack_no=held.ack_no,
                              ack_date=held.ack_date.replace(tzinfo=None))
        self.assertEqual(wizard.action_link()["res_id"], wizard.id, "the IRP was asked: the wizard stays open")
        self.assertIn("Check the IRN for a typo", wizard.message)
        self.assertFalse(move.l10n_in_einv_irn)
        with self.assertRaisesRegex(UserError, "not an IRN"):
            self._wizard(move, irn="12345").action_link()

    def test_unreachable_irp_keeps_the_wizard_open_and_the_log(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6800.0)])
        held = self._registered_outside(move)
        self.sandbox.set_faults([{"kind": "http_error", "status": 502, "endpoint": "get_irn"}])
        wizard = self._wizard(move, irn=held.irn)
        wizard.action_link()
        self.assertIn("try again", wizard.message)
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        self.assertIn(502, move.l10n_in_einv_api_log_ids.mapped("http_status"))
        self.sandbox.clear_faults()
        wizard.action_link()
        self.assertEqual(move.l10n_in_einv_state, "generated")

    def test_only_managers_link_and_never_over_a_generated_irn(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 6900.0)])
        held = self._registered_outside(move)
        with self.assertRaises(AccessError):
            self._wizard(move, user=self.billing_user, irn=held.irn)
        wizard = self._wizard(move, irn=held.irn)
        with self.assertRaisesRegex(AccessError, "Only e-invoicing managers"):  # an RPC caller reaching the method
            wizard.with_user(self.billing_user).action_link()
        self.assertFalse(move.l10n_in_einv_api_log_ids, "nothing reached the IRP")
        self.assertFalse(move.l10n_in_einv_irn)

        generated = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 7000.0)]))
        self.assertEqual(generated.l10n_in_einv_state, "generated", generated.l10n_in_einv_error)
        with self.assertRaisesRegex(UserError, "already has IRN"):
            self._wizard(generated, irn=held.irn).action_link()
        self.assertEqual(generated.l10n_in_einv_irn, crypto.irn_hash(
            self.company.vat, generated.invoice_date, "INV", generated.name))

    def test_the_button_is_for_managers_on_invoices_waiting_for_an_irn(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7100.0)])
        form = self.env["account.move"].with_user(self.manager).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("Link existing IRN", form)
        clerk_form = self.env["account.move"].with_user(self.billing_user).get_views(
            [(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("Link existing IRN", clerk_form)
        self.assertEqual(move.l10n_in_einv_state, "to_send")
