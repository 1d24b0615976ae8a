"""Send & Print: the IRN is registered before the PDF is made, and the stored PDF (the
one e-mail and the portal reuse) follows the IRN, its cancellation and a sending that
waits for the IRN. Real wkhtmltopdf PDFs, their QR decoded from the rendered page."""
from datetime import timedelta

import pypdfium2
import zxingcpp

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from ..models.account_move_send import EDI_KEY
from ..tools import write_guard
from .common import L10nInEinvoiceCommon


def _qr_codes(raw):
    """The QR codes decoded from a PDF's first page, rendered as an image."""
    image = pypdfium2.PdfDocument(raw)[0].render(scale=4).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


@tagged("post_install", "-at_install")
class TestEinvoiceSendAndPrint(L10nInEinvoiceCommon, HttpCase):

    def setUp(self):
        super().setUp()
        self.company.l10n_in_einv_sending_mode = "manual"
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    def _invoice_here(self, *args, **kwargs):
        """An invoice in this test's environment (real PDF rendering)."""
        return self._invoice(*args, **kwargs).with_env(self.env)

    def _wizard(self, move, **values):
        return self.env["account.move.send.wizard"].with_context(
            active_model="account.move", active_ids=move.ids).create({"sending_methods": ["manual"], **values})

    def _html(self, move):
        return self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", move.ids)[0].decode()

    def _stored_qr(self, move):
        move.invalidate_recordset(["invoice_pdf_report_id"])
        self.assertTrue(move.invoice_pdf_report_id, "Send & Print stores the invoice PDF")
        return _qr_codes(move.invoice_pdf_report_id.raw)

    def test_send_and_print_registers_the_irn_before_the_pdf(self):
        move = self._invoice_here(self.partner_intra, [(self.product_laptop, 1, 5600.0)])
        wizard = self._wizard(move)
        self.assertIn(EDI_KEY, wizard.extra_edis, "on by default for an invoice that needs an IRN")
        wizard.action_send_and_print()
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        codes = self._stored_qr(move)
        self.assertEqual(codes, [move.l10n_in_einv_signed_qr], "the stored PDF's QR is the IRP-signed QR")
        self.assertIn(move.l10n_in_einv_ack_no, self._html(move))

    def test_a_pdf_stored_before_the_irn_is_made_again_with_it(self):
        move = self._invoice_here(self.partner_intra, [(self.product_laptop, 1, 5700.0)])
        wizard = self._wizard(move)
        wizard.extra_edis = []
        self.assertIn("l10n_in_einv_without_irn", wizard.alerts, "warned: sent without an IRN")
        wizard.action_send_and_print()
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        self.assertEqual(self._stored_qr(move), [], "no IRN yet, no QR")
        move.action_l10n_in_einv_generate()
        codes = self._stored_qr(move)
        self.assertEqual(codes, [move.l10n_in_einv_signed_qr])
        self.assertTrue(any("regenerated" in m.body for m in move.message_ids))

    def test_after_cancelling_the_stored_pdf_says_so_and_has_no_qr(self):
        move = self._invoice_here(self.partner_intra, [(self.product_laptop, 1, 5800.0)])
        self._wizard(move).action_send_and_print()
        self.assertEqual(len(self._stored_qr(move)), 1)
        before = move.invoice_pdf_report_id
        cancelled, message = move._l10n_in_einv_cancel("2", "Wrong rate")
        self.assertTrue(cancelled, message)
        codes = self._stored_qr(move)
        self.assertNotEqual(move.invoice_pdf_report_id, before, "the stored PDF was made again")
        self.assertEqual(codes, [], "a cancelled IRN's QR is never printed")
        # wkhtmltopdf's embedded fonts carry no text layer to read back: the words are
        # checked on the same report rendered as HTML
        self.assertIn("IRN CANCELLED", self._html(move))

    def test_preflight_problems_block_the_wizard_before_any_call(self):
        self.product_rice.l10n_in_hsn_code = "12"
        move = self._invoice_here(self.partner_intra, [(self.product_rice, 1, 100.0)])
        wizard = self._wizard(move)
        self.assertEqual(wizard.alerts["l10n_in_einv_preflight"]["level"], "danger")
        calls = self.sandbox.request_counts().get("generate_irn", 0)
        with self.assertRaisesRegex(UserError, "HSN"):
            wizard.action_send_and_print()
        self.assertEqual(self.sandbox.request_counts().get("generate_irn", 0), calls)
        self.assertFalse(move.invoice_pdf_report_id)

    def test_an_irn_that_fails_keeps_its_record_and_nothing_is_printed(self):
        self.sandbox.set_faults([{"kind": "http_error", "status": 500, "endpoint": "generate_irn", "times": 1}])
        move = self._invoice_here(self.partner_intra, [(self.product_laptop, 1, 5900.0)])
        result = self._wizard(move).action_send_and_print()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("without its IRN", result["params"]["message"])
        self.assertEqual(move.l10n_in_einv_state, "retry", "recorded, not rolled back")
        self.assertTrue(move.l10n_in_einv_api_log_ids)
        self.assertFalse(move.invoice_pdf_report_id)

    def test_batch_sending_waits_for_a_retried_irn_then_sends_by_itself(self):
        moves = self.env["account.move"].browse(
            [self._invoice(self.partner_intra, [(self.product_laptop, 1, 6000.0 + i)]).id for i in range(2)]).with_env(self.env)
        self.sandbox.set_faults([{"kind": "http_error", "status": 500, "endpoint": "generate_irn", "times": 1}])
        wizard = self.env["account.move.send.batch.wizard"].with_context(
            active_model="account.move", active_ids=moves.ids).create({})
        wizard.action_send_and_print()
        self.env["account.move"]._cron_account_move_send()
        waiting = moves.filtered(lambda m: m.l10n_in_einv_state == "retry")
        sent = moves - waiting
        self.assertEqual(len(waiting), 1)
        self.assertEqual(self._stored_qr(sent), [sent.l10n_in_einv_signed_qr])
        self.assertFalse(waiting.invoice_pdf_report_id, "never sent without its IRN")
        self.assertTrue(waiting.l10n_in_einv_sending_after_irn)
        with write_guard.trusted():  # its next attempt has come
            waiting.l10n_in_einv_next_attempt = fields.Datetime.now() - timedelta(seconds=1)
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertEqual(waiting.l10n_in_einv_state, "generated")
        self.assertTrue(waiting.sending_data, "the waiting Send & Print is queued again")
        self.env["account.move"]._cron_account_move_send()
        self.assertEqual(self._stored_qr(waiting), [waiting.l10n_in_einv_signed_qr])
        self.assertFalse(waiting.l10n_in_einv_sending_after_irn)
