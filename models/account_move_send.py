"""Send & Print (Odoo 18's account.move.send): an "E-invoice (IRP)" option registers
the IRN before the PDF is rendered, so the PDF that is stored, e-mailed and shown on
the portal carries IRN, Ack and the signed QR. Failures are reported the way the
wizard reports its other problems; an invoice whose IRN is still being retried is
sent by itself as soon as the IRN is registered."""
from odoo import _, api, models

EDI_KEY = "l10n_in_einv_irp"
# Pre-flight alerts build every payload: past this many invoices the batch wizard
# leaves the check to the send itself (each failure is then reported per invoice).
ALERT_PREFLIGHT_LIMIT = 20


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _l10n_in_einv_needs_irn(self, move):
        return move.state == "posted" and bool(move._l10n_in_einv_pending())

    @api.model
    def _get_all_extra_edis(self):
        # EXTENDS 'account'
        res = super()._get_all_extra_edis()
        res[EDI_KEY] = {
            "label": _("E-invoice (IRP)"),
            "is_applicable": self._l10n_in_einv_needs_irn,
            "help": _("Generate the IRN at the IRP before the PDF is made, so that it carries the IRN, the Ack "
                      "and the signed QR code."),
        }
        return res

    @api.model
    def _get_alerts(self, moves, moves_data):
        # EXTENDS 'account'
        alerts = super()._get_alerts(moves, moves_data)
        pending = moves.filtered(self._l10n_in_einv_needs_irn)
        ticked = pending.filtered(lambda m: EDI_KEY in moves_data[m]["extra_edis"])
        if unticked := pending - ticked:
            alerts["l10n_in_einv_without_irn"] = {
                "level": "warning",
                "message": _("%(moves)s will be sent without an IRN: for this buyer an invoice without IRN is not a "
                             "valid tax invoice. Tick 'E-invoice (IRP)' to register it first.",
                             moves=", ".join(unticked.mapped("name"))),
            }
        if held := ticked.filtered("l10n_in_einv_hold"):
            alerts["l10n_in_einv_held"] = {
                "level": "info",
                "message": _("%(moves)s is held back from the IRP; sending it here registers its IRN.",
                             moves=", ".join(held.mapped("name"))),
            }
        if ticked and len(ticked) <= ALERT_PREFLIGHT_LIMIT:
            problems = {move: move._l10n_in_einv_prepare()[0] for move in ticked}
            if lines := [f"{move.name}: {p}" for move, found in problems.items() for p in found]:
                broken = ticked.filtered(lambda m: problems[m])
                alerts["l10n_in_einv_preflight"] = {
                    "level": "danger" if len(moves) == 1 else "warning",
                    "message": _("The IRP would refuse these; fix them first (nothing is sent for them):\n"
                                 "%(problems)s", problems="\n".join(lines)),
                    "action_text": _("View invoice(s)"),
                    "action": broken._get_records_action(name=_("Invoices to fix")),
                }
        if ticked and len(ticked) <= ALERT_PREFLIGHT_LIMIT:
            if lines := [f"{move.name}: {w}" for move in ticked for w in move._l10n_in_einv_warnings()]:
                alerts["l10n_in_einv_warnings"] = {
                    "level": "info",
                    "message": _("Sent to the IRP, but check:\n%(warnings)s", warnings="\n".join(lines)),
                }
        if stale := moves.filtered(lambda m: m.invoice_pdf_report_id and m in ticked):
            alerts.pop("account_pdf_exist", None)
            alerts["l10n_in_einv_pdf_refreshed"] = {
                "level": "info",
                "message": _("The stored PDF of %(moves)s was made before its IRN: it is made again with the IRN.",
                             moves=", ".join(stale.mapped("name"))),
            }
        return alerts

    @api.model
    def _call_web_service_before_invoice_pdf_render(self, invoices_data):
        # EXTENDS 'account'
        super()._call_web_service_before_invoice_pdf_render(invoices_data)
        moves = self.env["account.move"].browse(
            [move.id for move, data in invoices_data.items()
             if EDI_KEY in data["extra_edis"] and self._l10n_in_einv_needs_irn(move)])
        if not moves:
            return
        held = moves.filtered("l10n_in_einv_hold")
        if held:  # asked for explicitly here
            held._l10n_in_einv_set_hold(False)
        outcomes = dict(moves._l10n_in_einv_send(commit=self._can_commit()))
        for move in moves:
            if move.l10n_in_einv_state == "generated":
                continue
            data = invoices_data[move]
            if move.l10n_in_einv_state == "retry" and move.sending_data:
                # sent by itself once the IRN is registered (see _l10n_in_einv_store_result)
                move._l10n_in_einv_send_after_irn(move.sending_data)
                waiting = _("It is sent as soon as its IRN is registered.")
            else:
                waiting = _("Fix it and send it again.")
            data["error"] = {
                "error_title": _("%(move)s was not sent: its IRN is not registered.", move=move.name),
                "errors": [outcomes.get(move.name) or move.l10n_in_einv_error or "", waiting],
            }
