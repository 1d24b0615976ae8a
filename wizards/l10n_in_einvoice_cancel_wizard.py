from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.account_move import CANCEL_REASONS, CANCEL_WINDOW


class L10nInEinvoiceCancelWizard(models.TransientModel):
    _name = "l10n_in.einvoice.cancel.wizard"
    _description = "Cancel an IRN at the IRP"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    irn = fields.Char(string="IRN", related="move_id.l10n_in_einv_irn")
    reason = fields.Selection(CANCEL_REASONS, string="Reason", required=True, default="2")
    remark = fields.Char(string="Remark", required=True, size=100,
                         help="Why the IRN is cancelled, as the IRP will record it (at most 100 characters).")
    within_window = fields.Boolean(string="Within 24 hours", compute="_compute_window",
                                   help="The IRP cancels an IRN only within 24 hours of its registration.")
    deadline = fields.Datetime(compute="_compute_window", string="Cancellable until")
    ewaybill_id = fields.Many2one(
        "l10n_in.einvoice.ewaybill", compute="_compute_ewaybill", string="Active e-way bill",
        help="The IRP does not cancel an IRN while its e-way bill is active (2230): cancel the e-way bill first.")

    @api.depends("move_id")
    def _compute_ewaybill(self):
        for wizard in self:
            wizard.ewaybill_id = wizard.move_id.l10n_in_einv_ewaybill_ids.filtered(lambda b: b.state == "active")[:1]

    @api.depends("move_id")
    def _compute_window(self):
        for wizard in self:
            wizard.within_window = wizard.move_id.l10n_in_einv_cancellable
            ack = wizard.move_id.l10n_in_einv_ack_date
            wizard.deadline = ack and ack + CANCEL_WINDOW

    def action_cancel_irn(self):
        self.ensure_one()
        if self.ewaybill_id:
            raise UserError(_("E-way bill %(number)s of this invoice is active: the IRP does not cancel the IRN "
                              "until it is cancelled (2230). Cancel the e-way bill first.",
                              number=self.ewaybill_id.name))
        cancelled, message = self.move_id._l10n_in_einv_cancel(self.reason, self.remark.strip())
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("IRN cancelled") if cancelled else _("IRN not cancelled"),
                           "type": "success" if cancelled else "danger", "sticky": not cancelled,
                           "message": message if not cancelled else _(
                               "%(message)s The IRP never accepts this number again: use 'Cancel and make "
                               "corrected copy' on the invoice to issue it under a new number.", message=message),
                           "next": {"type": "ir.actions.act_window_close"}}}

    def action_cancel_ewaybill(self):
        """One click from the refusal to the e-way bill's cancellation."""
        self.ensure_one()
        return self.move_id.with_context(l10n_in_einv_ewaybill_id=self.ewaybill_id.id) \
            .action_l10n_in_einv_ewaybill_cancel()

    def action_credit_note(self):
        """After 24 hours the way out is a credit note."""
        self.ensure_one()
        return self.move_id.action_reverse()
