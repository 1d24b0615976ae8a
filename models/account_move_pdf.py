"""What the invoice PDF carries of the IRP: the signed QR image (only when it
describes the document, irp/qr.py), and the stored PDF kept in step with the IRN."""
import base64
import io
import logging

import qrcode

from odoo import _, api, fields, models

from ..irp import qr

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_in_einv_qr_preview = fields.Binary(
        string="Signed QR", compute="_compute_l10n_in_einv_qr_preview",
        help="The IRP-signed QR code as it prints (only while the IRN is active and describes this invoice).")

    @api.depends("l10n_in_einv_signed_qr", "l10n_in_einv_state")
    def _compute_l10n_in_einv_qr_preview(self):
        for move in self:
            image = move._l10n_in_einv_qr_printable() and move._l10n_in_einv_qr_image()
            move.l10n_in_einv_qr_preview = image and image.split(",", 1)[1]

    def _l10n_in_einv_qr_printable(self):
        """True when the signed QR may be printed on this document now."""
        self.ensure_one()
        if self.l10n_in_einv_state != "generated" or not self.l10n_in_einv_signed_qr:
            return False
        try:
            payload = self._l10n_in_einv_build_payload()
        except Exception:  # noqa: BLE001 - a document we cannot describe gets no QR, never a failed print
            _logger.warning("E-invoice: %s cannot be described for its QR check", self.name, exc_info=True)
            return False
        return qr.printable(self.l10n_in_einv_state, self.l10n_in_einv_signed_qr, payload)

    def _l10n_in_einv_qr_image(self):
        """PNG data URI of the IRP-signed QR string (the whole SignedQRCode JWS)."""
        self.ensure_one()
        if not self.l10n_in_einv_signed_qr:
            return False
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, box_size=4, border=2)
        code.add_data(self.l10n_in_einv_signed_qr)
        code.make(fit=True)
        buffer = io.BytesIO()
        code.make_image().save(buffer, format="PNG")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()

    def _l10n_in_einv_refresh_pdf(self):
        """Re-render the stored invoice PDF (the one Send & Print keeps and reuses for
        e-mail and the portal) of those moves that have one, so it carries the current
        IRN, Ack, QR, cancellation mark and e-way bill. Copies already e-mailed stay as
        they were sent, on their messages."""
        moves = self.filtered("invoice_pdf_report_id")
        if not moves:
            return
        send = self.env["account.move.send"]
        for company, company_moves in moves.grouped("company_id").items():
            data = {move: {"pdf_report": send._get_default_pdf_report_id(move)} for move in company_moves}
            send.with_company(company)._prepare_invoice_pdf_report(data)
            for move, values in data.items():
                old = move.invoice_pdf_report_id
                old.sudo().unlink()
                self.env["ir.attachment"].sudo().create(values["pdf_attachment_values"])
                move.invalidate_recordset(fnames=["invoice_pdf_report_id", "invoice_pdf_report_file"])
                move.message_main_attachment_id = move.invoice_pdf_report_id
                move._l10n_in_einv_note(_("The stored invoice PDF was regenerated so that it shows the invoice as "
                                          "registered at the IRP now (e-mail and portal use it)."))
