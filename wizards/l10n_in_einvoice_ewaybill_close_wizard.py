"""Voluntary closure of an e-way bill after delivery (announced 2026, on hold: offered only when
the company's setting switches the rule on)."""
from odoo import fields, models


class L10nInEinvoiceEwaybillCloseWizard(models.TransientModel):
    _name = "l10n_in.einvoice.ewaybill.close.wizard"
    _description = "Close an e-way bill after delivery"

    ewaybill_id = fields.Many2one("l10n_in.einvoice.ewaybill", string="E-way bill", required=True, readonly=True)
    move_id = fields.Many2one(string="Invoice", related="ewaybill_id.move_id")
    closure_date = fields.Date(string="Delivered on", required=True, default=fields.Date.context_today)
    remarks = fields.Char(string="Remarks", size=50, required=True,
                          help="Sent to the e-way bill system with the closure (at most 50 characters).")

    def action_close(self):
        self.ensure_one()
        kind, message = self.ewaybill_id._l10n_in_einv_ewb_close(self.closure_date, (self.remarks or "").strip())
        return self.ewaybill_id._l10n_in_einv_ewb_notify(kind, message)
