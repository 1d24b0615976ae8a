"""Import of what Odoo's own Indian e-invoicing (l10n_in_edi, l10n_in_edi_ewaybill,
through Odoo's IAP service) registered, so that a company moving to this addon keeps
printing, cancelling and making e-way bills for its existing invoices.

Their replies are read where they keep them (JSON attachments of the move) and go
through irp/odoo_edi, which verifies an IRN's signed invoice and QR code with the
company's IRP certificates: what does not verify is reported and left alone."""
import logging

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from ..irp import odoo_edi
from ..irp.crypto import SignatureError
from ..tools import write_guard
from .account_move import CANCEL_REASONS, _utc_naive

_logger = logging.getLogger(__name__)

EINVOICE_CODE = "in_einvoice_1_03"
EWAYBILL_CODE = "in_ewaybill_1_03"
IMPORTED_STATES = ("sent", "to_cancel", "cancelled")
# Names l10n_in_edi(_ewaybill) give their attachments: "<move name with / as _><suffix>".
EINVOICE_SUFFIXES = ("_einvoice.json",)
EINVOICE_CANCEL_SUFFIXES = ("_cancel_einvoice.json",)
EWAYBILL_SUFFIXES = ("_irn_ewaybill.json", "_ewaybill.json")


class AccountMove(models.Model):
    _inherit = "account.move"

    def _get_l10n_in_edi_response_json(self):
        # l10n_in_edi prints its own IRN block and QR code from its stored reply: once this
        # addon holds the IRN, only its block prints (one QR, marked when cancelled here).
        # This addon loads after l10n_in_edi (same depth, name order), so this override wins.
        if self.l10n_in_einv_irn:
            return {}
        return super()._get_l10n_in_edi_response_json()

    def button_cancel_posted_moves(self):
        # 'Request EDI cancellation' would queue a document their scheduled action never
        # processes for such a company (see account.edi.document): say what to do instead.
        taken = self.filtered(lambda m: m.company_id.l10n_in_einv_enabled and m.edi_document_ids.filtered(
            lambda doc: doc.edi_format_id.code in (EINVOICE_CODE, EWAYBILL_CODE) and doc.state == "sent"))
        if taken:
            raise UserError(_(
                "%(moves)s: Odoo's e-invoicing no longer sends for %(company)s, which uses Indian GST E-invoicing "
                "(IRP direct). Cancel the IRN with Cancel IRN on the invoice (import it first from the settings if "
                "it has no IRN there), and an e-way bill from the E-invoice tab or on the e-way bill portal.",
                moves=", ".join(taken.mapped("name")), company=taken.company_id[:1].name))
        return super().button_cancel_posted_moves()

    @api.model
    def _l10n_in_einv_import_odoo_edi(self, company):
        """Import the IRNs and e-way bills Odoo's e-invoicing registered for `company`'s
        invoices that have none of this addon's yet. Idempotent; never raises for a
        stored reply. Returns {'irns': [names], 'ewaybills': [names],
        'problems': [(name, text)], 'blocked': text or False}."""
        report = {"irns": [], "ewaybills": [], "problems": [], "blocked": False}
        documents = self.env["account.edi.document"].sudo().search([
            ("edi_format_id.code", "in", (EINVOICE_CODE, EWAYBILL_CODE)), ("state", "in", IMPORTED_STATES),
            ("move_id.company_id", "=", company.id), ("move_id.state", "in", ("posted", "cancel")),
        ], order="move_id, id")
        moves = documents.move_id.filtered(
            lambda m: not m.l10n_in_einv_irn and m._l10n_in_einv_odoo_edi_document(EINVOICE_CODE)
            or not m.l10n_in_einv_ewb_no and m._l10n_in_einv_odoo_edi_document(EWAYBILL_CODE))
        if not moves:
            return report
        credential = company._l10n_in_einv_credential()
        certificates = [credential.signing_certificate] if credential and credential.signing_certificate else []
        if not certificates and moves.filtered(lambda m: m._l10n_in_einv_odoo_edi_document(EINVOICE_CODE)):
            report["blocked"] = _(
                "No IRP signing certificate for GSTIN %(gstin)s: the IRNs Odoo's e-invoicing registered cannot be "
                "verified, so none was imported. Add the e-invoicing credentials of this GSTIN (with the IRP's "
                "signing certificate), then press Import IRNs from Odoo's e-invoicing.", gstin=company.vat or "?")
            certificates = None
        locked = moves._l10n_in_einv_try_lock()
        for move in moves:
            if move not in locked or move.l10n_in_einv_in_flight_since:
                report["problems"].append((move.name, _("being sent to the IRP right now; import it again later")))
                continue
            move._l10n_in_einv_import_odoo_edi_move(certificates, report)
        _logger.info("E-invoice import from Odoo's e-invoicing for %s: %s IRNs, %s e-way bills, %s problems",
                     company.name, len(report["irns"]), len(report["ewaybills"]), len(report["problems"]))
        return report

    def _l10n_in_einv_odoo_edi_document(self, code):
        return self.edi_document_ids.sudo().filtered(
            lambda doc: doc.edi_format_id.code == code and doc.state in IMPORTED_STATES)[:1]

    def _l10n_in_einv_odoo_edi_stored(self, document, suffixes):
        """The stored reply: the document's attachment, or, once their cancellation has
        cleared it, the attachment they left on the move under its usual name."""
        attachment = document.sudo().attachment_id
        if not attachment or not attachment.name.endswith(suffixes):
            stem = (self.name or "").replace("/", "_")
            attachment = self.env["ir.attachment"].sudo().search([
                ("res_model", "=", "account.move"), ("res_id", "=", self.id),
                ("name", "in", [stem + suffix for suffix in suffixes])], order="id desc", limit=1)
        return attachment and odoo_edi.parse_stored(attachment.raw)

    def _l10n_in_einv_import_odoo_edi_move(self, certificates, report):
        self.ensure_one()
        irn_ok = True
        document = not self.l10n_in_einv_irn and self._l10n_in_einv_odoo_edi_document(EINVOICE_CODE)
        if document and certificates is not None:
            irn_ok = self._l10n_in_einv_import_odoo_edi_irn(document, certificates, report)
        elif document:
            irn_ok = False  # no certificate: reported once for the company
        bill = not self.l10n_in_einv_ewb_no and self._l10n_in_einv_odoo_edi_document(EWAYBILL_CODE)
        if bill and irn_ok:
            self._l10n_in_einv_import_odoo_edi_ewaybill(bill, report)

    def _l10n_in_einv_import_odoo_edi_irn(self, document, certificates, report):
        """Returns False when a stored IRN could not be imported (reported)."""
        try:
            data = self._l10n_in_einv_odoo_edi_stored(document, EINVOICE_SUFFIXES)
            if not data:
                if document.state != "cancelled":
                    raise odoo_edi.StoredDataError("Odoo's e-invoicing kept no reply for this invoice")
                return True  # cancelled before it was ever sent: nothing was registered
            result = odoo_edi.irn_result(
                data, certificates, seller_gstin=self.company_id.vat, doc_type=self._l10n_in_einv_document_type(),
                doc_no=self.name)
            cancelled = document.state == "cancelled"
            cancel_data = cancelled and self._l10n_in_einv_odoo_edi_stored(document, EINVOICE_CANCEL_SUFFIXES)
            cancel_date = odoo_edi.cancel_date(cancel_data) if cancel_data else None
        except (odoo_edi.StoredDataError, SignatureError) as exc:
            self._l10n_in_einv_odoo_edi_problem(_(
                "The IRN stored by Odoo's e-invoicing was NOT imported: %(error)s. Nothing was changed. If the IRP "
                "rotated its signing certificate since, add the certificate of that time to the e-invoicing "
                "credentials and import again.", error=exc), report)
            return False
        # l10n_in_edi asks for the same NIC reason codes (1-4) and a remark before cancelling
        reason = self["l10n_in_edi_cancel_reason"] if "l10n_in_edi_cancel_reason" in self._fields else False
        reason = reason if reason in dict(CANCEL_REASONS) else False
        vals = {
            "l10n_in_einv_state": "cancelled" if cancelled else "generated",
            "l10n_in_einv_irn": result.irn, "l10n_in_einv_ack_no": result.ack_no,
            "l10n_in_einv_ack_date": _utc_naive(result.ack_date),
            "l10n_in_einv_signed_invoice": result.signed_invoice, "l10n_in_einv_signed_qr": result.signed_qr_code,
            "l10n_in_einv_irp_status": "CNL" if cancelled else (result.status or False),
            "l10n_in_einv_error": False, "l10n_in_einv_error_codes": False, "l10n_in_einv_attempts": 0,
            "l10n_in_einv_outcome_unknown": False, "l10n_in_einv_unknown_since": False,
            "l10n_in_einv_next_attempt": False, "l10n_in_einv_queued": False, "l10n_in_einv_hold": False,
        }
        if cancelled:
            vals.update({"l10n_in_einv_cancel_date": _utc_naive(cancel_date), "l10n_in_einv_cancel_reason": reason,
                         "l10n_in_einv_cancel_remark": reason and self["l10n_in_edi_cancel_remarks"] or False})
        with write_guard.trusted():
            self.write(vals)
        if result.ewb_no:  # an e-way bill made with the IRN
            self._l10n_in_einv_ewaybill_record(result.ewb_no, "odoo_edi", result.ewb_date, result.ewb_valid_till)
        self._l10n_in_einv_close_activities()
        note = _("IRN %(irn)s (Ack No %(ack)s) imported from Odoo's e-invoicing; its signed invoice and QR code "
                 "verify with the IRP's certificate.", irn=result.irn, ack=result.ack_no)
        if cancelled:
            note += " " + _("Odoo's e-invoicing had cancelled it at the IRP.")
        elif document.state == "to_cancel":
            note += " " + _("Odoo's e-invoicing had a cancellation pending, which it will not send: use Cancel IRN.")
        self._l10n_in_einv_note(note)
        report["irns"].append(self.name)
        return True

    def _l10n_in_einv_import_odoo_edi_ewaybill(self, document, report):
        try:
            data = self._l10n_in_einv_odoo_edi_stored(document, EWAYBILL_SUFFIXES)
            if not data:
                if document.state != "cancelled":
                    raise odoo_edi.StoredDataError("Odoo's e-way bill kept no reply for this invoice")
                return
            bill = odoo_edi.ewaybill_result(data)
        except odoo_edi.StoredDataError as exc:
            self._l10n_in_einv_odoo_edi_problem(_(
                "The e-way bill stored by Odoo's e-way bill module was NOT imported: %(error)s.", error=exc), report)
            return
        status = "cancelled" if document.state == "cancelled" else "active"
        self._l10n_in_einv_ewaybill_record(bill.ewb_no, "odoo_edi", bill.ewb_date, bill.ewb_valid_till, state=status)
        self._l10n_in_einv_note(_("E-way bill %(number)s (%(status)s) imported from Odoo's e-way bill module.",
                                  number=bill.ewb_no, status=dict(self._fields["l10n_in_einv_ewb_status"]
                                                                  ._description_selection(self.env))[status]))
        report["ewaybills"].append(self.name)

    def _l10n_in_einv_odoo_edi_problem(self, message, report):
        """Reported each run; noted in the chatter once while it stays the same."""
        last = self.message_ids[:1]
        if not last or html2plaintext(last.body or "").strip() != message.strip():
            self._l10n_in_einv_note(message)
        report["problems"].append((self.name, message))

    @api.model
    def _l10n_in_einv_import_odoo_edi_notification(self, report):
        lines = []
        if report["blocked"]:
            lines.append(report["blocked"])
        if report["irns"]:
            lines.append(_("%(count)s IRNs imported: %(moves)s.", count=len(report["irns"]),
                           moves=", ".join(report["irns"])))
        if report["ewaybills"]:
            lines.append(_("%(count)s e-way bills imported: %(moves)s.", count=len(report["ewaybills"]),
                           moves=", ".join(report["ewaybills"])))
        lines += [f"{name}: {problem}" for name, problem in report["problems"]]
        troubled = report["blocked"] or report["problems"]
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "title": _("Import from Odoo's e-invoicing"),
                "message": "\n".join(lines) or _("Nothing to import: no invoice has an IRN or e-way bill of Odoo's "
                                                 "e-invoicing that is not here already."),
                "type": "warning" if troubled else "success", "sticky": bool(troubled),
            },
        }
