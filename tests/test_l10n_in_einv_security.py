from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import L10nInEinvoiceCommon


@tagged("post_install", "-at_install")
class TestEinvoiceSecurity(L10nInEinvoiceCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = cls.env["res.users"].with_context(no_reset_password=True)
        common = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.billing_user = users.create({
            "name": "Billing clerk", "login": "einv_billing", **common,
            "groups_id": [Command.set([cls.env.ref("account.group_account_invoice").id])]})
        cls.accountant = users.create({
            "name": "Chief accountant", "login": "einv_manager", **common,
            "groups_id": [Command.set([cls.env.ref("account.group_account_manager").id])]})

    def test_groups_follow_the_accounting_roles(self):
        self.assertTrue(self.billing_user.has_group("l10n_in_einvoice.group_l10n_in_einvoice_user"))
        self.assertFalse(self.billing_user.has_group("l10n_in_einvoice.group_l10n_in_einvoice_manager"))
        self.assertTrue(self.accountant.has_group("l10n_in_einvoice.group_l10n_in_einvoice_manager"))

    def test_only_managers_see_credentials(self):
        with self.assertRaises(AccessError):
            self.credential.with_user(self.billing_user).read(["client_id"])
        as_manager = self.credential.with_user(self.accountant)
        self.assertEqual(as_manager.read(["client_id"])[0]["client_id"], self.sandbox.client_id)
        self.assertEqual(as_manager.client_secret, "********", "secrets are never shown back")
        with self.assertRaises(AccessError):
            as_manager.read(["password_encrypted"])

    def test_credentials_are_per_company(self):
        other_company = self.env["res.company"].create({"name": "Other Indian Co"})
        other_credential = self.env["l10n_in.einvoice.credential"].create({
            "company_id": other_company.id, "gstin": "27AABCS8834G1Z5", "client_id": "x", "user_name": "y"})
        visible = self.env["l10n_in.einvoice.credential"].with_user(self.accountant).search([])
        self.assertIn(self.credential, visible)
        self.assertNotIn(other_credential, visible)

    def test_billing_user_generates_and_reads_the_log_read_only(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 5000.0)])
        move.with_user(self.billing_user).action_l10n_in_einv_generate()
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        logs = move.with_user(self.billing_user).l10n_in_einv_api_log_ids
        self.assertTrue(logs)
        for user in (self.billing_user, self.accountant):
            with self.assertRaises(AccessError):
                logs.with_user(user).write({"ok": False})
            with self.assertRaises(AccessError):
                logs.with_user(user).unlink()

    def test_rpc_callers_need_the_einvoice_group(self):
        auditor = self.env["res.users"].with_context(no_reset_password=True).create({
            "name": "Auditor", "login": "einv_auditor", "company_id": self.company.id,
            "company_ids": [Command.set(self.company.ids)],
            "groups_id": [Command.set([self.env.ref("account.group_account_readonly").id])]})
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 5100.0)])
        with self.assertRaises(AccessError):
            move.with_user(auditor).action_l10n_in_einv_generate()
        self.assertFalse(move.l10n_in_einv_api_log_ids, "nothing reached the IRP")


    # --- what the IRP said is written by the addon only --------------------------------------

    def test_nobody_can_write_an_irn(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 5200.0)])
        forged = {"l10n_in_einv_state": "generated", "l10n_in_einv_irn": "f" * 64}
        for env_move in (move.with_user(self.billing_user), move.with_user(self.accountant), move.sudo(),
                         move.sudo().with_context(l10n_in_einv_trusted_write=True)):
            with self.assertRaisesRegex(AccessError, "can only be set by the e-invoicing"):
                env_move.write(forged)
        with self.assertRaises(AccessError):
            move.sudo().l10n_in_einv_ack_no = "112010000000001"
        with self.assertRaises(AccessError):
            move.sudo().copy({"l10n_in_einv_irn": "f" * 64})
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        self.assertFalse(move.l10n_in_einv_irn)
        # ordinary edits of the invoice still work
        move.with_user(self.accountant).write({"ref": "PO 4711"})

    def test_nobody_can_create_an_invoice_with_an_irn(self):
        with self.assertRaises(AccessError):
            self.env["account.move"].sudo().create({
                "move_type": "out_invoice", "partner_id": self.partner_intra.id,
                "l10n_in_einv_state": "generated", "l10n_in_einv_irn": "e" * 64})

    def test_credential_secrets_and_session_are_written_by_the_addon_only(self):
        as_admin = self.credential.sudo()
        for field in ("password_encrypted", "session_encrypted", "token_expiry", "paused_until", "attention"):
            with self.assertRaises(AccessError, msg=field):
                as_admin.write({field: False})
        # the form's own way is allowed: the secret is encrypted by the addon
        self.credential.with_user(self.accountant).write({"password": "a-new-password"})
        self.assertNotEqual(as_admin.password_encrypted, "a-new-password")

    def test_sandbox_keys_are_fetched_into_the_credential(self):
        self.credential.write({"encryption_public_key": False, "signing_certificate": False})
        self.credential.with_user(self.accountant).action_fetch_sandbox_keys()
        self.assertIn("BEGIN", self.credential.encryption_public_key)
        self.assertIn("BEGIN CERTIFICATE", self.credential.signing_certificate)
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 5400.0)])
        self._generate(move)
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
