from odoo import _, api, fields, models

from ..models.account_move import CANCEL_REASONS, CANCEL_WINDOW


class L10nInEinvoiceCancelWizard(models.TransientModel):
    _name = "l10n_in.einvoice.cancel.wizard"
    _description = "Cancel an IRN at the IRP"

    move_id = fields.Many2one("account.move", required=True, readonly=True)
    irn = fields.Char(related="move_id.l10n_in_einv_irn")
    reason = fields.Selection(CANCEL_REASONS, required=True, default="2")
    remark = fields.Char(required=True, size=100,
                         help="Why the IRN is cancelled, as the IRP will record it (at most 100 characters).")
    within_window = fields.Boolean(compute="_compute_window")
    deadline = fields.Datetime(compute="_compute_window", string="Cancellable until")

    @api.depends("move_id")
    def _compute_window(self):
        for wizard in self:
            wizard.within_window = wizard.move_id.l10n_in_einv_cancellable
            ack = wizard.move_id.l10n_in_einv_ack_date
            wizard.deadline = ack and ack + CANCEL_WINDOW

    def action_cancel_irn(self):
        self.ensure_one()
        cancelled, message = self.move_id._l10n_in_einv_cancel(self.reason, self.remark.strip())
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("IRN cancelled") if cancelled else _("IRN not cancelled"),
                           "type": "success" if cancelled else "danger", "sticky": not cancelled,
                           "message": message if not cancelled else _(
                               "%(message)s The IRP never accepts this number again: use 'Cancel and make "
                               "corrected copy' on the invoice to issue it under a new number.", message=message),
                           "next": {"type": "ir.actions.act_window_close"}}}

    def action_credit_note(self):
        """After 24 hours the way out is a credit note."""
        self.ensure_one()
        return self.move_id.action_reverse()
