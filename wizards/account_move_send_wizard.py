from odoo import _, models

from ..models.account_move_send import EDI_KEY


class AccountMoveSendWizard(models.TransientModel):
    _inherit = "account.move.send.wizard"

    def action_send_and_print(self, allow_fallback_pdf=False):
        # EXTENDS 'account': the IRN first, in its own step. A failure after the IRP was
        # called is reported without raising, so its record (state, API log, chatter) is
        # kept; only what needs no call (pre-flight problems) raises.
        self.ensure_one()
        move = self.move_id
        if EDI_KEY in (self.extra_edis or []) and self.env["account.move.send"]._l10n_in_einv_needs_irn(move):
            if self.alerts:
                self._raise_danger_alerts(self.alerts)
            result = move.action_l10n_in_einv_generate()
            if move.l10n_in_einv_state != "generated":
                result["params"].update(
                    title=_("Not sent: no IRN"), type="danger", sticky=True,
                    message=_("Nothing was sent or printed, so that the customer never gets %(move)s without its "
                              "IRN.\n%(outcome)s", move=move.name, outcome=result["params"]["message"]),
                    next={"type": "ir.actions.act_window_close"})
                return result
        return super().action_send_and_print(allow_fallback_pdf=allow_fallback_pdf)
