from odoo.tests import HttpCase, tagged

from .common import L10nInEinvoiceCommon


@tagged("post_install", "-at_install")
class TestEinvoiceTour(L10nInEinvoiceCommon, HttpCase):
    """Browser and PDF: an HttpCase, so that Chromium and wkhtmltopdf reach a server
    that shares the test's transaction."""

    def test_generate_irn_from_the_form(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 45000.0)])
        self.env.user.write({"company_id": self.company.id, "company_ids": [(4, self.company.id)]})
        self.start_tour(f"/odoo/action-account.action_move_out_invoice_type/{move.id}",
                        "l10n_in_einvoice_generate_irn", login=self.env.user.login)
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        self.assertTrue(move.l10n_in_einv_irn)

    def test_invoice_pdf_carries_the_signed_qr(self):
        import pypdfium2
        import zxingcpp

        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 9400.0)]))
        pdf, kind = self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(
            "account.account_invoices", move.ids)
        self.assertEqual(kind, "pdf")
        document = pypdfium2.PdfDocument(pdf)
        text = document[0].get_textpage().get_text_range()
        self.assertIn(move.l10n_in_einv_irn[:20], text.replace("\n", "").replace(" ", ""))
        self.assertIn(move.l10n_in_einv_ack_no, text)
        image = document[0].render(scale=4).to_pil()
        decoded = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        self.assertIn(move.l10n_in_einv_signed_qr, decoded)
