import logging
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime

from ..irp import crypto, policy
from ..irp.errors import IrpError
from ..tools import write_guard

_logger = logging.getLogger(__name__)

EINV_STATES = [
    ("not_applicable", "Not applicable"),
    ("to_send", "To send"),
    ("error", "Error"),
    ("retry", "Retrying"),
    ("generated", "Generated"),
    ("cancelled", "Cancelled"),
]
SENDABLE_STATES = ("to_send", "error", "retry")
CANCEL_REASONS = [("1", "Duplicate"), ("2", "Data entry mistake"), ("3", "Order cancelled"), ("4", "Others")]
CANCEL_WINDOW = policy.CANCEL_WINDOW


def _utc_naive(value):
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value else False


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_in_einv_state = fields.Selection(
        EINV_STATES, string="E-invoice", default="not_applicable", copy=False, readonly=True, index=True,
        tracking=True,
        help="Where the invoice stands with the IRP: to send, retrying after an outage, error (refused: fix and "
        "send again), generated (IRN registered) or cancelled. Not applicable for documents that need no IRN.")
    l10n_in_einv_irn = fields.Char(string="IRN", copy=False, readonly=True, index=True,
                                   help="Invoice Reference Number: the 64-character number the IRP gives a "
                                   "registered invoice.")
    l10n_in_einv_ack_no = fields.Char(string="Ack No", copy=False, readonly=True,
                                      help="Acknowledgement number the IRP gave when it registered the IRN.")
    l10n_in_einv_ack_date = fields.Datetime(string="Ack Date", copy=False, readonly=True,
                                            help="When the IRP registered the IRN.")
    l10n_in_einv_signed_invoice = fields.Text(string="Signed invoice", copy=False, readonly=True,
                                              help="The invoice as the IRP signed it (a JSON Web Token), kept as "
                                              "proof.")
    l10n_in_einv_signed_qr = fields.Text(string="Signed QR code", copy=False, readonly=True,
                                         help="The IRP-signed QR code data printed on the invoice.")
    l10n_in_einv_irp_status = fields.Char(string="IRP status", copy=False, readonly=True,
                                          help="ACT (active) or CNL (cancelled) as last reported by the IRP.")
    l10n_in_einv_error = fields.Text(string="Last e-invoice error", copy=False, readonly=True,
                                     help="What the IRP (or the check before sending) said was wrong at the last "
                                     "attempt.")
    l10n_in_einv_error_codes = fields.Char(string="IRP error codes", copy=False, readonly=True,
                                           help="NIC's error codes of the last refusal, e.g. 2150 for a duplicate "
                                           "IRN.")
    l10n_in_einv_attempts = fields.Integer(string="Send attempts", copy=False, readonly=True,
                                           help="Attempts in a row that got no final answer (outage, lost "
                                           "reply); the wait before the next one grows with them.")
    l10n_in_einv_next_attempt = fields.Datetime(string="Next attempt", copy=False, readonly=True, index=True,
                                                help="When the scheduled action tries again after an outage or a "
                                                "pause.")
    l10n_in_einv_outcome_unknown = fields.Boolean(
        string="Outcome unknown", copy=False, readonly=True,
        help="A request may have reached the IRP without a reply: the document is looked up before any resend.")
    l10n_in_einv_unknown_since = fields.Datetime(
        string="Outcome unknown since", copy=False, readonly=True,
        help="When a request that may have registered this invoice first went unanswered: the IRP serves an IRN "
        "for 2 days and lets it be cancelled for 24 hours, counted from then at the latest.")
    l10n_in_einv_in_flight_since = fields.Datetime(string="Sending since", copy=False, readonly=True,
                                                   help="Set while a request for this invoice is on its way to the "
                                                   "IRP: an invoice left so by a stopped worker is looked up at the "
                                                   "IRP, never resent blindly.")
    l10n_in_einv_queued = fields.Boolean(
        string="Queued for the IRP", copy=False, readonly=True, index=True,
        help="The scheduled action will send this invoice (set on posting unless the company sends manually, and by "
        "the Generate IRN list action for many invoices).")
    l10n_in_einv_sending_after_irn = fields.Json(
        string="Sending waiting for the IRN", copy=False, readonly=True,
        help="Send & Print settings of a sending that waits for the IRN: replayed once it is registered.")
    l10n_in_einv_hold = fields.Boolean(
        string="Held back from the IRP", copy=False, readonly=True,
        help="Nothing sends this invoice (posting, scheduled action, list action) until it is released; Generate "
        "IRN on the invoice itself still sends it.")
    l10n_in_einv_cancel_reason = fields.Selection(CANCEL_REASONS, string="IRN cancel reason", copy=False,
                                                  readonly=True,
                                                  help="The reason sent to the IRP with the cancellation.")
    l10n_in_einv_cancel_remark = fields.Char(string="IRN cancel remark", copy=False, readonly=True)
    l10n_in_einv_cancel_date = fields.Datetime(string="IRN cancelled on", copy=False, readonly=True)
    # l10n_in_einv_ewb_no/_date/_valid_till/_status: the current e-way bill record's (account_move_ewaybill.py)
    l10n_in_einv_cancellable = fields.Boolean(string="IRN can be cancelled",
                                              compute="_compute_l10n_in_einv_cancellable",
                                              help="The IRN is active and still within the IRP's 24 hours for "
                                              "cancelling it.")
    l10n_in_einv_api_log_ids = fields.One2many("l10n_in.einvoice.api.log", "move_id", string="IRP calls")
    l10n_in_einv_api_log_count = fields.Integer(string="IRP call count", compute="_compute_l10n_in_einv_api_log_count")
    l10n_in_einv_not_applicable_reason = fields.Char(string="Why no IRN",
                                                     compute="_compute_l10n_in_einv_not_applicable_reason",
                                                     help="Why this document gets no IRN (e-invoicing off for the "
                                                     "company, not posted, a B2C sale, a bill of supply...).")
    l10n_in_einv_credential_notice = fields.Char(
        string="E-invoicing credentials notice", compute="_compute_l10n_in_einv_credential_notice",
        help="Why invoices of this GSTIN are held back, when its credentials need attention or are paused.")
    l10n_in_einv_warnings = fields.Text(
        string="E-invoice warnings", compute="_compute_l10n_in_einv_warnings",
        help="What the IRP will accept but you should check before sending: texts shortened, a tax that looks "
             "wrong, the last day the IRP still takes this invoice.")

    # --- computes -------------------------------------------------------------------

    @api.depends("l10n_in_einv_state", "l10n_in_einv_ack_date", "l10n_in_einv_ewb_status")
    def _compute_l10n_in_einv_cancellable(self):
        now = fields.Datetime.now()
        for move in self:
            move.l10n_in_einv_cancellable = (
                move.l10n_in_einv_state == "generated" and move.l10n_in_einv_ack_date
                and now - move.l10n_in_einv_ack_date < CANCEL_WINDOW)

    def _compute_l10n_in_einv_api_log_count(self):
        counts = dict(self.env["l10n_in.einvoice.api.log"].sudo()._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]))
        for move in self:
            move.l10n_in_einv_api_log_count = counts.get(move._origin, 0)

    @api.depends("state", "move_type", "l10n_in_gst_treatment", "company_id.l10n_in_einv_enabled")
    def _compute_l10n_in_einv_not_applicable_reason(self):
        for move in self:
            applicable, reason = move._l10n_in_einv_applicability()
            move.l10n_in_einv_not_applicable_reason = False if applicable else reason

    @api.depends("l10n_in_einv_state", "state", "invoice_date", "partner_id", "partner_shipping_id",
                 "invoice_line_ids", "amount_total")
    def _compute_l10n_in_einv_warnings(self):
        for move in self:
            pending = move.state == "posted" and move.l10n_in_einv_state in ("to_send", "retry", "error")
            move.l10n_in_einv_warnings = "\n".join(move._l10n_in_einv_warnings()) or False if pending else False

    @api.depends("company_id", "l10n_in_einv_state")
    def _compute_l10n_in_einv_credential_notice(self):
        now = fields.Datetime.now()
        notices = {}
        for move in self:
            company = move.company_id
            if move.l10n_in_einv_state not in ("to_send", "retry", "error"):
                move.l10n_in_einv_credential_notice = False
                continue
            if company not in notices:
                credential = company._l10n_in_einv_credential() if company.l10n_in_einv_enabled else None
                notice = False
                if credential and credential.attention:
                    notice = _("The e-invoicing credentials of GSTIN %(gstin)s need attention: %(reason)s",
                               gstin=credential.gstin, reason=credential.attention)
                elif credential and credential.paused_until and credential.paused_until > now:
                    notice = _("Sending for GSTIN %(gstin)s is paused until %(until)s (%(reason)s).",
                               gstin=credential.gstin, until=format_datetime(self.env, credential.paused_until),
                               reason=dict(credential._fields["pause_reason"]._description_selection(self.env))
                               .get(credential.pause_reason))
                notices[company] = notice
            move.l10n_in_einv_credential_notice = notices[company]

    # --- only the addon writes what the IRP said ------------------------------------

    def _l10n_in_einv_protected_fields(self, vals_list):
        """The addon's stored read-only fields among those being written (account.move is
        written constantly: look only at the keys given, not at every field)."""
        fields_ = self._fields
        return {name for vals in vals_list for name in vals if name.startswith("l10n_in_einv_")
                and name in fields_ and fields_[name].store and fields_[name].readonly}

    @api.model_create_multi
    def create(self, vals_list):
        write_guard.check(self, vals_list, self._l10n_in_einv_protected_fields(vals_list))
        return super().create(vals_list)

    def write(self, vals):
        protected = self._l10n_in_einv_protected_fields([vals])
        write_guard.check(self, [vals], protected)
        if vals and len(protected) == len(vals):
            # Only what the addon keeps of the IRP: none of it feeds a journal item, so
            # Odoo's synchronisation of the dynamic lines and balance check (two thirds of
            # the cost of storing an outcome) have nothing to do, and it is no manual edit
            # (as Odoo's own posting and l10n_it_edi's header write). Tracking, automation
            # rules and the other overrides run as for any write.
            quiet = self.with_context(skip_invoice_sync=True, check_move_validity=False,
                                      skip_is_manually_modified=True)
            return super(AccountMove, quiet).write(vals)
        return super().write(vals)

    # --- posting, reset, cancel -----------------------------------------------------

    def _post(self, soft=True):
        burnt = self.filtered(lambda m: m.l10n_in_einv_state == "cancelled")
        if burnt:
            raise UserError(_(
                "%(moves)s cannot be posted again: its IRN was cancelled at the IRP, which refuses the number for "
                "good (2278). Cancel it and use 'Cancel and make corrected copy' to issue it under a new number.",
                moves=", ".join(burnt.mapped("name"))))
        posted = super()._post(soft)
        to_queue = posted.filtered(lambda m: m.l10n_in_einv_state in ("not_applicable", "error")
                                   and not m.l10n_in_einv_irn and m._l10n_in_einv_applicability()[0])
        if to_queue:
            with write_guard.trusted():
                for mode, moves in to_queue.grouped(lambda m: m.company_id.l10n_in_einv_sending_mode).items():
                    moves.write({"l10n_in_einv_state": "to_send", "l10n_in_einv_error": False,
                                 "l10n_in_einv_error_codes": False, "l10n_in_einv_attempts": 0,
                                 "l10n_in_einv_queued": mode != "manual"})
            # Sent by the scheduled action, right after this transaction commits: an IRN
            # must never be issued for a posting that could still roll back (its number
            # would be reused for another document).
            if to_queue.filtered(lambda m: m.company_id.l10n_in_einv_sending_mode == "on_post"):
                self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")._trigger()
        return posted

    def button_draft(self):
        self._l10n_in_einv_block_when_active(_("reset to draft"))
        burnt = self.filtered(lambda m: m.l10n_in_einv_state == "cancelled")
        if burnt and not self.env.context.get("l10n_in_einv_cancelling"):  # Odoo's cancel passes by draft
            raise UserError(_(
                "The IRN of %(moves)s was cancelled at the IRP, which never accepts its number again (error 2278): "
                "the invoice cannot be corrected and posted under that number. Use 'Cancel and make corrected copy' "
                "on the invoice: it cancels it in Odoo and opens a new draft to post under a new number.",
                moves=", ".join(burnt.mapped("name"))))
        return super().button_draft()

    def button_cancel(self):
        self._l10n_in_einv_block_when_active(_("cancelled"))
        return super(AccountMove, self.with_context(l10n_in_einv_cancelling=True)).button_cancel()

    def action_l10n_in_einv_corrected_copy(self):
        """After an IRN is cancelled its number is burnt at the IRP: cancel the invoice in
        Odoo and open a copy that will be posted (and registered) under a new number."""
        self.ensure_one()
        if self.l10n_in_einv_state != "cancelled":
            raise UserError(_("Only an invoice whose IRN was cancelled at the IRP is replaced by a corrected copy."))
        if self.state == "posted":
            self.button_cancel()
        copy = self.copy()
        self._l10n_in_einv_note(_("Cancelled in Odoo after its IRN was cancelled; corrected copy: %(copy)s.",
                                  copy=copy._get_html_link()))
        copy.message_post(body=_("Corrected copy of %(move)s, whose IRN %(irn)s was cancelled at the IRP.",
                                 move=self._get_html_link(), irn=self.l10n_in_einv_irn))
        return {"type": "ir.actions.act_window", "res_model": "account.move", "res_id": copy.id,
                "view_mode": "form", "views": [(False, "form")], "target": "current"}

    def _l10n_in_einv_block_when_active(self, action):
        active = self.filtered(lambda m: m.l10n_in_einv_state == "generated")
        if active:
            raise UserError(_(
                "%(moves)s cannot be %(action)s: its IRN is active at the IRP. Cancel the IRN first "
                "(within 24 hours of generation), or issue a credit note.",
                moves=", ".join(active.mapped("name")), action=action))
        if self.filtered(lambda m: m.l10n_in_einv_in_flight_since):
            raise UserError(_("The invoice is being sent to the IRP right now; try again in a moment."))
        unknown = self.filtered("l10n_in_einv_outcome_unknown")
        if unknown:
            raise UserError(_(
                "The IRP may hold an IRN for %(moves)s (a reply was lost). Use Refresh from IRP first, so that "
                "an IRN it holds can be cancelled in time.", moves=", ".join(unknown.mapped("name"))))

    # --- public entry point -------------------------------------------------------------

    def action_l10n_in_einv_generate(self):
        """Generate IRNs for these posted invoices (button, XML-RPC, JSON-RPC).

        Works on many records. Invoices already generated are left alone. Returns
        a notification summarising the outcome per invoice.
        """
        self._l10n_in_einv_check_rights()
        candidates = self._l10n_in_einv_pending()
        if len(self) == 1 and not candidates:
            applicable, reason = self._l10n_in_einv_applicability()
            raise UserError(reason if not applicable else _("This invoice already has an IRN."))
        if len(self) == 1 and self.l10n_in_einv_hold:  # clicking Generate on the invoice itself releases it
            self._l10n_in_einv_set_hold(False)
        else:
            candidates = candidates.filtered(lambda m: not m.l10n_in_einv_hold)
        report = candidates._l10n_in_einv_send(commit=False, raise_problems=len(self) == 1)
        report += [(m.name, _("held back: release it first")) for m in (self._l10n_in_einv_pending() - candidates)]
        return self._l10n_in_einv_notify(report)

    def _l10n_in_einv_check_rights(self):
        """The buttons' groups, enforced for RPC callers too: sending uses the credential
        as superuser, so who may trigger it is checked here."""
        if not self.env.su and not self.env.user.has_group("l10n_in_einvoice.group_l10n_in_einvoice_user"):
            raise AccessError(_("Only e-invoicing users may send documents to the IRP."))
        self.check_access("write")

    def _l10n_in_einv_pending(self):
        """The posted ones still waiting for an IRN (a draft is never sent, whatever its e-invoice state)."""
        return self.filtered(lambda m: m.state == "posted" and m.l10n_in_einv_state in SENDABLE_STATES)

    def _l10n_in_einv_bulk_generate(self):
        """List action. One invoice is sent at once; many are queued for the scheduled
        action (woken up now), so no web request waits on the IRP for a whole batch."""
        self._l10n_in_einv_check_rights()
        pending = self._l10n_in_einv_pending()
        if not pending:
            raise UserError(_("None of the selected invoices needs an IRN."))
        if len(self) == 1:
            return self.action_l10n_in_einv_generate()
        held = pending.filtered("l10n_in_einv_hold")
        queued = pending - held
        with write_guard.trusted():
            queued.write({"l10n_in_einv_queued": True})
            queued.filtered(lambda m: m.l10n_in_einv_state == "error").write(
                {"l10n_in_einv_state": "to_send", "l10n_in_einv_next_attempt": False})
        if queued:
            self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")._trigger()
        lines = [_("%(count)s invoice(s) queued for the IRP: the scheduled action is sending them now. Each "
                   "invoice's outcome shows in the E-invoice queue opened below.", count=len(queued))]
        if held:
            lines.append(_("Held back, not queued: %(moves)s.", moves=", ".join(held.mapped("name"))))
        if skipped := self - pending:
            lines.append(_("Not needing an IRN: %(moves)s.", moves=", ".join(skipped.mapped("name"))))
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_in_einvoice.action_l10n_in_einvoice_queue")
        action.update(domain=[("id", "in", self.ids)], context={"search_default_group_by_l10n_in_einv_state": 1})
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-invoice"), "message": "\n".join(lines), "type": "info",
                           "sticky": bool(held or skipped), "next": action}}

    def _l10n_in_einv_notify(self, report):
        """One line per invoice: what happened, and for failures what to do."""
        done = [name for name, outcome in report if outcome == "generated"]
        others = [f"• {name}: {outcome}" for name, outcome in report if outcome != "generated"]
        lines = [_("IRN generated for %(moves)s.", moves=", ".join(done))] if done else []
        if others:
            lines.append(_("%(count)s invoice(s) without IRN:", count=len(others)))
        message = "\n".join(lines + others)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "title": _("E-invoice"), "message": message or _("Nothing to send."),
                "type": "success" if done and not others else "warning", "sticky": bool(others),
                # closes nothing on a form: it reloads the record the user acted on, in place
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # --- hold ------------------------------------------------------------------------

    def action_l10n_in_einv_hold(self):
        """Keep these invoices back from the IRP (posting, scheduled action, list action)."""
        self._l10n_in_einv_check_rights()
        unknown = self.filtered("l10n_in_einv_outcome_unknown")
        if unknown:
            raise UserError(_("%(moves)s may already hold an IRN at the IRP (a reply was lost): it keeps being looked "
                              "up and cannot be held back.", moves=", ".join(unknown.mapped("name"))))
        movable = self._l10n_in_einv_pending()
        if not movable:
            raise UserError(_("Only invoices still waiting for an IRN can be held back."))
        movable._l10n_in_einv_set_hold(True)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-invoice"), "type": "info",
                           "message": _("Held back from the IRP: %(moves)s. Nothing sends them until released.",
                                        moves=", ".join(movable.mapped("name"))),
                           "next": {"type": "ir.actions.act_window_close"}}}

    def action_l10n_in_einv_release(self):
        self._l10n_in_einv_check_rights()
        held = self.filtered("l10n_in_einv_hold")
        if not held:
            raise UserError(_("None of these invoices is held back."))
        held._l10n_in_einv_set_hold(False)
        with write_guard.trusted():
            held.filtered(lambda m: m.company_id.l10n_in_einv_sending_mode != "manual").write(
                {"l10n_in_einv_queued": True})
        if held.filtered("l10n_in_einv_queued"):
            self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")._trigger()
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-invoice"), "type": "info",
                           "message": _("Released: %(moves)s.", moves=", ".join(held.mapped("name"))),
                           "next": {"type": "ir.actions.act_window_close"}}}

    def _l10n_in_einv_set_hold(self, hold):
        with write_guard.trusted():
            self.write({"l10n_in_einv_hold": hold})
        for move in self:
            move._l10n_in_einv_note(_("Held back from the IRP by %(user)s.", user=self.env.user.name) if hold
                                    else _("Released for the IRP by %(user)s.", user=self.env.user.name))

    # --- refresh, cancel ------------------------------------------------------------------

    def action_l10n_in_einv_refresh(self):
        """Ask the IRP what it holds for this document (by IRN, else by document details)."""
        self.ensure_one()
        self._l10n_in_einv_check_rights()
        credential = self.company_id._l10n_in_einv_credential()
        if not credential:
            raise UserError(_("No IRP credentials for GSTIN %(gstin)s.", gstin=self.company_id.vat))
        records = []
        client = credential._l10n_in_einv_client(on_call=records.append)
        try:
            if self.l10n_in_einv_irn:
                kind, message = self._l10n_in_einv_refresh_status(client)
            else:
                kind, message = self._l10n_in_einv_refresh_document(client, credential)
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=self)
            credential._l10n_in_einv_flush_session()
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-invoice"), "message": message, "type": kind,
                           "next": {"type": "ir.actions.act_window_close"}}}

    def _l10n_in_einv_refresh_status(self, client):
        try:
            result = client.get_irn(self.l10n_in_einv_irn)
        except IrpError as exc:
            return "warning", self._l10n_in_einv_explain(exc)
        except crypto.SignatureError as exc:
            return "warning", _("The IRP's reply failed the signature check: %(error)s", error=exc)
        if not result.status:
            return "info", _("The IRP holds IRN %(irn)s; its reply does not say whether it is active.",
                             irn=result.irn)
        with write_guard.trusted():
            vals = {"l10n_in_einv_irp_status": result.status}
            cancelled_now = result.status == "CNL" and self.l10n_in_einv_state != "cancelled"
            if cancelled_now:
                vals["l10n_in_einv_state"] = "cancelled"
                self._l10n_in_einv_note(_("The IRP reports IRN %(irn)s as cancelled.", irn=result.irn))
            self.write(vals)
        if cancelled_now:
            self._l10n_in_einv_refresh_pdf()
        return "success", _("IRP status: %(status)s", status=result.status)

    def _l10n_in_einv_refresh_document(self, client, credential):
        payload = self._l10n_in_einv_build_payload()
        outcome = policy.look_up(client, payload, attempts=self.l10n_in_einv_attempts)
        if outcome is None:
            if self.l10n_in_einv_outcome_unknown:
                with write_guard.trusted():  # the IRP holds nothing: sending is safe again
                    self.write({"l10n_in_einv_outcome_unknown": False, "l10n_in_einv_unknown_since": False})
            return "info", _("The IRP holds no IRN for %(doc)s of %(date)s.", doc=self.name,
                             date=payload["DocDtls"]["Dt"])
        if isinstance(outcome, policy.Unknown):
            return "warning", _("The IRP could not be asked now (%(error)s); try again in a moment.",
                                error=outcome.error)
        message = self._l10n_in_einv_apply(outcome, payload, credential)
        if isinstance(outcome, policy.Registered):
            return "success", _("IRN %(irn)s found at the IRP and stored.", irn=outcome.result.irn)
        return "danger", message

    def _l10n_in_einv_explain(self, exc):
        return self._l10n_in_einv_explain_problems(policy.problems_of(exc))

    def _l10n_in_einv_after_window_message(self):
        return _("The IRN of %(move)s was generated more than 24 hours ago: the IRP no longer allows its "
                 "cancellation. Issue a credit note against the invoice instead (Credit Note button), and generate "
                 "an IRN for that credit note.", move=self.name)

    def action_l10n_in_einv_open_cancel_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "res_model": "l10n_in.einvoice.cancel.wizard",
            "view_mode": "form", "target": "new", "name": _("Cancel IRN"),
            "context": {"default_move_id": self.id},
        }

    def _l10n_in_einv_cancel(self, reason, remark):
        """Cancel the IRN at the IRP. Returns (cancelled, message).

        Checks that need no call raise UserError. Once the IRP was called, nothing
        is raised (that would roll back the API log): a refusal is returned with
        the way out, and a lost reply is resolved by asking the IRP for the status.
        """
        self.ensure_one()
        self._l10n_in_einv_check_rights()
        if self.l10n_in_einv_state != "generated":
            raise UserError(_("Only a generated IRN can be cancelled."))
        if not self.l10n_in_einv_cancellable:
            raise UserError(self._l10n_in_einv_after_window_message())
        if not self._l10n_in_einv_try_lock():
            raise UserError(_("The invoice is being processed by another user; try again."))
        credential = self.company_id._l10n_in_einv_credential()
        records = []
        client = credential._l10n_in_einv_client(on_call=records.append)
        try:
            outcome = policy.cancel(client, self.l10n_in_einv_irn, reason, remark)
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=self)
            credential._l10n_in_einv_flush_session()
        if isinstance(outcome, policy.CancelRefused):
            refusal = {
                "ewaybill_active": lambda: self.env._(
                    "The IRP refuses: an e-way bill is active for this IRN. Cancel the e-way bill first, then the IRN."),
                "window_closed": self._l10n_in_einv_after_window_message,
                "not_answered": lambda: self.env._(
                    "The IRP did not answer (%(error)s). The IRN is still active; try again in a moment.",
                    error=outcome.error),
            }.get(outcome.reason, lambda: self._l10n_in_einv_explain_problems(outcome.problems))()
            self._l10n_in_einv_note(_("IRN cancellation refused: %(reason)s", reason=refusal))
            return False, refusal
        with write_guard.trusted():
            self.write({
                "l10n_in_einv_state": "cancelled", "l10n_in_einv_irp_status": "CNL",
                "l10n_in_einv_cancel_reason": reason, "l10n_in_einv_cancel_remark": remark,
                "l10n_in_einv_cancel_date": _utc_naive(outcome.cancel_date),
            })
        message = _("IRN %(irn)s cancelled at the IRP (%(reason)s: %(remark)s).",
                    irn=self.l10n_in_einv_irn, reason=dict(CANCEL_REASONS)[reason], remark=remark)
        self._l10n_in_einv_note(message)
        self._l10n_in_einv_refresh_pdf()
        return True, message

    def action_l10n_in_einv_open_api_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_in_einvoice.action_l10n_in_einvoice_api_log")
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {}
        return action
