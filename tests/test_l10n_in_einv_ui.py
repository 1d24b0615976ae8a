import xmlrpc.client

from odoo.tests import HttpCase, tagged

from .common import L10nInEinvoiceCommon


@tagged("post_install", "-at_install")
class TestEinvoiceTour(L10nInEinvoiceCommon, HttpCase):
    """Browser and PDF: an HttpCase, so that Chromium and wkhtmltopdf reach a server
    that shares the test's transaction."""

    def test_generate_irn_from_the_form(self):
        self.env.user.write({"company_id": self.company.id, "company_ids": [(4, self.company.id)]})
        before = self.env["account.move"].search([("company_id", "=", self.company.id)])
        # /web with a hash: the web client's oldest, stable entry point; a new invoice
        self.start_tour("/web#action=account.action_move_out_invoice_type&model=account.move&view_type=form",
                        "l10n_in_einvoice_generate_irn", login=self.env.user.login)
        move = self.env["account.move"].search([("company_id", "=", self.company.id)]) - before
        self.assertEqual(len(move), 1, "one invoice made, and no blank one after Generate IRN")
        self.assertEqual(move.partner_id, self.partner_intra)
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        self.assertTrue(move.l10n_in_einv_irn)

    def test_invoice_pdf_carries_the_signed_qr(self):
        import pypdfium2
        import zxingcpp

        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 9400.0)]))
        pdf, kind = self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(
            "account.account_invoices", move.ids)
        self.assertEqual(kind, "pdf")
        html = self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", move.ids)[0].decode()
        for printed in (move.l10n_in_einv_irn, move.l10n_in_einv_ack_no, "Ack Date"):
            self.assertIn(printed, html)
        document = pypdfium2.PdfDocument(pdf)
        image = document[0].render(scale=4).to_pil()
        decoded = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        self.assertIn(move.l10n_in_einv_signed_qr, decoded)

    def test_documented_rpc_entry_points(self):
        """The README's XML-RPC example, as an integrator would run it."""
        moves = self.env["account.move"].browse([
            self._invoice(self.partner_intra, [(self.product_laptop, 1, 1000.0 * i)]).id for i in (1, 2)])
        db, login = self.env.cr.dbname, "accountman"
        uid = self.xmlrpc_common.authenticate(db, login, login, {})
        ids = self.xmlrpc_object.execute_kw(db, uid, login, "account.move", "search", [[
            ("id", "in", moves.ids), ("l10n_in_einv_state", "in", ["to_send", "retry"])]])
        self.assertEqual(sorted(ids), sorted(moves.ids))
        result = self.xmlrpc_object.execute_kw(db, uid, login, "account.move", "action_l10n_in_einv_generate", [ids])
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        rows = self.xmlrpc_object.execute_kw(db, uid, login, "account.move", "read", [ids], {"fields": [
            "l10n_in_einv_state", "l10n_in_einv_irn", "l10n_in_einv_ack_no", "l10n_in_einv_ack_date",
            "l10n_in_einv_signed_invoice", "l10n_in_einv_signed_qr"]})
        for row in rows:
            self.assertEqual(row["l10n_in_einv_state"], "generated")
            self.assertEqual(len(row["l10n_in_einv_irn"]), 64)
            self.assertTrue(row["l10n_in_einv_ack_no"] and row["l10n_in_einv_ack_date"])
            self.assertEqual(row["l10n_in_einv_signed_qr"].count("."), 2, "a compact JWS")

    def test_rpc_cannot_forge_an_irn(self):
        """Over real XML-RPC: an e-invoicing user writing an IRN, even with a context key, is refused."""
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1500.0)])
        db, login = self.env.cr.dbname, "accountman"
        uid = self.xmlrpc_common.authenticate(db, login, login, {})
        for context in ({}, {"l10n_in_einv_trusted_write": True}):
            with self.assertRaisesRegex(xmlrpc.client.Fault, "can only be set by the e-invoicing"):
                self.xmlrpc_object.execute_kw(db, uid, login, "account.move", "write", [
                    move.ids, {"l10n_in_einv_state": "generated", "l10n_in_einv_irn": "f" * 64}],
                    {"context": context})
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        self.assertFalse(move.l10n_in_einv_irn)
