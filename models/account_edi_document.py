from odoo import _, api, models
from odoo.exceptions import UserError

from .account_edi_format import ODOO_IN_EDI_CODES


class AccountEdiDocument(models.Model):
    """Odoo's e-invoice and e-way bill documents of companies that use this addon are
    never processed: guarded here, in account_edi's own methods, which neither
    l10n_in_edi nor l10n_in_edi_ewaybill override (their format methods win over ours
    depending on the load order)."""
    _inherit = "account.edi.document"

    def _l10n_in_einv_taken_over(self):
        return self.filtered(lambda doc: doc.edi_format_id.code in ODOO_IN_EDI_CODES
                             and doc.move_id.company_id.l10n_in_einv_enabled)

    def _prepare_jobs(self):
        # Their scheduled action and 'Process now' leave these documents as they are:
        # not sent, not cancelled, not marked done without a call.
        return super(AccountEdiDocument, self - self._l10n_in_einv_taken_over())._prepare_jobs()

    @api.model_create_multi
    def create(self, vals_list):
        # checked before creating: nothing half-made is left behind the error
        formats, moves = self.env["account.edi.format"], self.env["account.move"]
        self._l10n_in_einv_refuse_taken_over([
            (formats.browse(vals["edi_format_id"]), moves.browse(vals["move_id"])) for vals in vals_list
            if vals.get("state") == "to_send" and vals.get("edi_format_id") and vals.get("move_id")])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("state") == "to_send":
            self._l10n_in_einv_refuse_taken_over([(document.edi_format_id, document.move_id) for document in self])
        return super().write(vals)

    @api.model
    def _l10n_in_einv_refuse_taken_over(self, pairs):
        """Queueing Odoo's e-invoice or e-way bill for such a company (e.g. Odoo's Send
        E-waybill button) says what to use instead rather than waiting forever.
        `pairs`: (edi format, move) of the documents to be sent."""
        taken = [(edi_format, move) for edi_format, move in pairs if edi_format._l10n_in_einv_taken_over(move)]
        if taken:
            raise UserError(_(
                "%(company)s registers its invoices and e-way bills with the IRP through Indian GST E-invoicing "
                "(IRP direct), so Odoo's %(formats)s does not send for it (%(moves)s). Use Generate IRN and the "
                "E-invoice tab of the invoice instead, or turn E-invoicing (IRP) off in the settings to go back to "
                "Odoo's service.", company=taken[0][1].company_id.name,
                formats=", ".join(dict.fromkeys(edi_format.name for edi_format, _move in taken)),
                moves=", ".join(move.name for _format, move in taken)))
