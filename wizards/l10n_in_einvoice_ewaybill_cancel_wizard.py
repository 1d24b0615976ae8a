"""Cancel an e-way bill: NIC's reason code (1-4) and a remark of at most 50 characters; through the
e-way bill system's API when the GSTIN has its credentials (always in production), else by the IRP."""
from odoo import _, api, fields, models

from ..models.l10n_in_einvoice_ewaybill import CANCEL_WINDOW, EWB_CANCEL_REASONS


class L10nInEinvoiceEwaybillCancelWizard(models.TransientModel):
    _name = "l10n_in.einvoice.ewaybill.cancel.wizard"
    _description = "Cancel an e-way bill"

    ewaybill_id = fields.Many2one("l10n_in.einvoice.ewaybill", string="E-way bill", required=True, readonly=True)
    move_id = fields.Many2one(string="Invoice", related="ewaybill_id.move_id")
    reason = fields.Selection(EWB_CANCEL_REASONS, string="Reason", required=True, default="2")
    remark = fields.Char(string="Remark",
                         size=50, help="Why it is cancelled, as the IRP records it (at most 50 characters).")
    within_window = fields.Boolean(string="Within 24 hours", compute="_compute_window",
                                   help="An e-way bill can be cancelled only within 24 hours of its generation.")
    deadline = fields.Datetime(compute="_compute_window", string="Cancellable until")
    via_ewb_system = fields.Boolean(related="ewaybill_id.ewb_api_ready", string="Through the e-way bill system")

    @api.depends("ewaybill_id")
    def _compute_window(self):
        for wizard in self:
            wizard.within_window = wizard.ewaybill_id.cancellable
            date = wizard.ewaybill_id.ewb_date
            wizard.deadline = date and date + CANCEL_WINDOW

    def action_cancel_ewaybill(self):
        self.ensure_one()
        bill = self.ewaybill_id
        cancelled, message = bill.move_id._l10n_in_einv_ewaybill_cancel(bill, self.reason, (self.remark or "").strip())
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-way bill cancelled") if cancelled else _("E-way bill not cancelled"),
                           "type": "success" if cancelled else "danger", "sticky": not cancelled,
                           "message": message, "next": {"type": "ir.actions.act_window_close"}}}
