import base64
import io
import logging
import threading
from datetime import timedelta, timezone

import qrcode

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..irp import crypto
from ..irp import errors as irp_errors
from ..irp.errors import IrpError

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
CANCEL_WINDOW = timedelta(hours=24)
# An in-flight marker older than this means the sender died mid-call: the
# outcome is unknown and the IRP is asked before anything is sent again. It must
# outlast a whole batch (50 invoices, a few calls each, up to a minute per call).
IN_FLIGHT_TIMEOUT = timedelta(hours=1)
MAX_ATTEMPTS = 8
BACKOFF_MINUTES = [1, 2, 5, 10, 30, 60, 120, 240]
CIRCUIT_THRESHOLD = 3
CIRCUIT_PAUSE = timedelta(minutes=5)
AUTH_PAUSE = timedelta(minutes=30)  # credentials refused: wait for someone to fix them


def _utc_naive(value):
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value else False


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_in_einv_state = fields.Selection(
        EINV_STATES, string="E-invoice", default="not_applicable", copy=False, readonly=True, index=True,
        tracking=True)
    l10n_in_einv_irn = fields.Char(string="IRN", copy=False, readonly=True, index=True)
    l10n_in_einv_ack_no = fields.Char(string="Ack No", copy=False, readonly=True)
    l10n_in_einv_ack_date = fields.Datetime(string="Ack Date", copy=False, readonly=True)
    l10n_in_einv_signed_invoice = fields.Text(string="Signed invoice", copy=False, readonly=True)
    l10n_in_einv_signed_qr = fields.Text(string="Signed QR code", copy=False, readonly=True)
    l10n_in_einv_irp_status = fields.Char(string="IRP status", copy=False, readonly=True,
                                          help="ACT (active) or CNL (cancelled) as last reported by the IRP.")
    l10n_in_einv_error = fields.Text(string="Last e-invoice error", copy=False, readonly=True)
    l10n_in_einv_error_codes = fields.Char(string="IRP error codes", copy=False, readonly=True)
    l10n_in_einv_attempts = fields.Integer(string="Send attempts", copy=False, readonly=True)
    l10n_in_einv_next_attempt = fields.Datetime(string="Next attempt", copy=False, readonly=True, index=True)
    l10n_in_einv_outcome_unknown = fields.Boolean(
        copy=False, readonly=True,
        help="A request may have reached the IRP without a reply: the document is looked up before any resend.")
    l10n_in_einv_in_flight_since = fields.Datetime(copy=False, readonly=True)
    l10n_in_einv_cancel_reason = fields.Selection(CANCEL_REASONS, string="Cancel reason", copy=False, readonly=True)
    l10n_in_einv_cancel_remark = fields.Char(string="Cancel remark", copy=False, readonly=True)
    l10n_in_einv_cancel_date = fields.Datetime(string="IRN cancelled on", copy=False, readonly=True)
    l10n_in_einv_ewb_no = fields.Char(string="E-way bill", copy=False, readonly=True)
    l10n_in_einv_ewb_date = fields.Datetime(string="E-way bill date", copy=False, readonly=True)
    l10n_in_einv_ewb_valid_till = fields.Datetime(string="E-way bill valid till", copy=False, readonly=True)
    l10n_in_einv_ewb_status = fields.Selection(
        [("active", "Active"), ("cancelled", "Cancelled")], string="E-way bill status", copy=False, readonly=True)
    l10n_in_einv_cancellable = fields.Boolean(compute="_compute_l10n_in_einv_cancellable")
    l10n_in_einv_api_log_ids = fields.One2many("l10n_in.einvoice.api.log", "move_id", string="IRP calls")
    l10n_in_einv_api_log_count = fields.Integer(compute="_compute_l10n_in_einv_api_log_count")
    l10n_in_einv_not_applicable_reason = fields.Char(compute="_compute_l10n_in_einv_not_applicable_reason")

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

    # --- posting, reset, cancel -----------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft)
        to_queue = posted.filtered(lambda m: m.l10n_in_einv_state in ("not_applicable", "error")
                                   and not m.l10n_in_einv_irn and m._l10n_in_einv_applicability()[0])
        if to_queue:
            to_queue.write({"l10n_in_einv_state": "to_send", "l10n_in_einv_error": False,
                            "l10n_in_einv_error_codes": False, "l10n_in_einv_attempts": 0})
            # Sent by the scheduled action, right after this transaction commits: an IRN
            # must never be issued for a posting that could still roll back (its number
            # would be reused for another document).
            if to_queue.filtered(lambda m: m.company_id.l10n_in_einv_send_on_post):
                self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")._trigger()
        return posted

    def button_draft(self):
        self._l10n_in_einv_block_when_active(_("reset to draft"))
        return super().button_draft()

    def button_cancel(self):
        self._l10n_in_einv_block_when_active(_("cancelled"))
        return super().button_cancel()

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
        report = candidates._l10n_in_einv_send(commit=False, raise_problems=len(self) == 1)
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
        """List action: like the button, but saying so when no selected invoice needs an IRN."""
        if not self._l10n_in_einv_pending():
            raise UserError(_("None of the selected invoices needs an IRN."))
        return self.action_l10n_in_einv_generate()

    def _l10n_in_einv_notify(self, report):
        done = [name for name, outcome in report if outcome == "generated"]
        others = [f"{name}: {outcome}" for name, outcome in report if outcome != "generated"]
        message = "\n".join(([_("IRN generated for %s.", ", ".join(done))] if done else []) + others)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "title": _("E-invoice"), "message": message or _("Nothing to send."),
                "type": "success" if done and not others else "warning", "sticky": bool(others),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # --- sending ------------------------------------------------------------------------

    def _l10n_in_einv_try_lock(self):
        """Row-lock these moves for this transaction; return those we got."""
        if not self:
            return self
        self.env.cr.execute("SELECT id FROM account_move WHERE id IN %s FOR UPDATE SKIP LOCKED",
                            [tuple(self.ids)])
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _l10n_in_einv_lock(self):
        """Lock the rows we can; return (held moves still to send, moves another sender holds).

        SKIP LOCKED: one invoice held elsewhere (a double click, another worker, a
        payment being registered) never holds up the rest of a batch.
        """
        held = self._l10n_in_einv_try_lock()
        busy = self - held
        self = held  # noqa: PLW0642 - from here on, only what we hold
        self.invalidate_recordset()
        stale = fields.Datetime.now() - IN_FLIGHT_TIMEOUT
        fresh = self.filtered(lambda m: m.l10n_in_einv_in_flight_since and m.l10n_in_einv_in_flight_since > stale)
        for move in (self - fresh).filtered("l10n_in_einv_in_flight_since"):
            move.l10n_in_einv_outcome_unknown = True  # its sender died mid-call
        return (self - fresh).filtered(lambda m: m.l10n_in_einv_state in SENDABLE_STATES), busy

    def _l10n_in_einv_send(self, commit=True, raise_problems=False):
        """Send these moves; returns [(name, outcome text)].

        Payloads are built and results applied in this (ORM) thread; only the HTTP
        calls overlap, in a bounded pool per GSTIN. With `commit`, each invoice's
        outcome is committed on its own, and an in-flight marker is committed before
        the calls so that no other worker sends the same document meanwhile.
        """
        commit = commit and not _testing()
        report = []
        for company, moves in self.grouped("company_id").items():
            credential = company._l10n_in_einv_credential()
            if not credential:
                message = _("No IRP credentials for GSTIN %s: add them in Accounting > Configuration > "
                            "E-invoicing credentials.", company.vat or "?")
                moves._l10n_in_einv_set_error(message)
                report += [(m.name, message) for m in moves]
                continue
            report += moves._l10n_in_einv_send_with(credential, commit, raise_problems)
        return report

    def _l10n_in_einv_send_with(self, credential, commit, raise_problems=False):
        moves, busy = self._l10n_in_einv_lock()
        skipped = _("being sent by another user; skipped")
        report = [(name, skipped) for name in busy.mapped("name")]
        jobs = []
        for move in moves:
            problems, payload = move._l10n_in_einv_prepare()
            if problems and raise_problems:
                raise UserError(_("Nothing was sent to the IRP. Fix these first:\n%s",
                                  "\n".join(f"• {p}" for p in problems)))
            if problems:
                move._l10n_in_einv_set_error("\n".join(problems), codes="preflight")
                report.append((move.name, _("not sent, %d problem(s) to fix", len(problems))))
                continue
            jobs.append((move, payload))
        if not jobs:
            return report
        try:
            client = credential._l10n_in_einv_client()
        except UserError as exc:
            for move, _payload in jobs:
                move._l10n_in_einv_set_error(str(exc))
                report.append((move.name, str(exc)))
            return report
        hook = credential._l10n_in_einv_call_hook()
        if commit:
            self.browse([m.id for m, _p in jobs]).write({"l10n_in_einv_in_flight_since": fields.Datetime.now()})
            self.env.cr.commit()

        breaker = _CircuitBreaker()

        def run(job):  # worker thread: HTTP only, no ORM
            move_id, payload, doc, resolve_first = job
            if breaker.is_open():
                return move_id, ("deferred", None), []
            records = []
            hook.bind(records.append)
            try:
                outcome = _exchange(client, payload, doc, resolve_first)
                breaker.record(outcome)
                return move_id, outcome, records
            except crypto.SignatureError as exc:
                return move_id, ("untrusted", exc), records
            except Exception as exc:  # noqa: BLE001 - one invoice's surprise must not sink the batch
                _logger.exception("E-invoice: unexpected failure while sending move %s", move_id)
                return move_id, ("crash", exc), records
            finally:
                hook.bind(None)

        work = [(m.id, payload, (payload["DocDtls"]["Typ"], payload["DocDtls"]["No"], payload["DocDtls"]["Dt"]),
                 m.l10n_in_einv_outcome_unknown) for m, payload in jobs]
        payloads = {m.id: payload for m, payload in jobs}
        workers = max(1, min(credential.company_id.l10n_in_einv_parallel_calls or 4, len(work)))
        outcomes = map(run, work) if workers == 1 else credential._l10n_in_einv_pool(workers).map(run, work)
        for move_id, outcome, records in outcomes:
            move = self.browse(move_id)
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=move)
            report.append((move.name, move._l10n_in_einv_apply(outcome, payloads[move_id])))
            credential._l10n_in_einv_flush_session()
            if commit:
                self.env.cr.commit()
        return report

    def _l10n_in_einv_apply(self, outcome, payload):
        """Write one exchange's outcome on the move (ORM thread). Returns a short text."""
        self.ensure_one()
        self.l10n_in_einv_in_flight_since = False
        kind, value = outcome
        if kind == "result":
            mismatch = self._l10n_in_einv_mismatch(value, payload)
            if mismatch:
                self._l10n_in_einv_set_error(mismatch, codes="2150")
                return mismatch
            self._l10n_in_einv_store_result(value)
            return "generated"
        exc = value
        if kind == "deferred":
            # not sent: the IRP failed several calls in a row in this run
            self.write({"l10n_in_einv_state": "retry",
                        "l10n_in_einv_next_attempt": fields.Datetime.now() + CIRCUIT_PAUSE,
                        "l10n_in_einv_error": _("Not sent in this run: the IRP kept failing or refused our "
                                                "credentials; waiting before trying again.")})
            return _("deferred, the IRP is failing")
        if kind == "untrusted":
            # The IRP may hold an IRN, but its reply failed the signature check: store
            # nothing from it, keep looking it up (never resending) until the
            # certificate is fixed, and tell someone now: NIC serves it for 2 days only.
            message = _("The IRP's reply failed the signature check (%(error)s), so nothing was stored. The IRP "
                        "reported IRN %(irn)s, Ack No %(ack)s. Configure the current IRP signing certificate in "
                        "the e-invoicing credentials within 2 days; the invoice is looked up again automatically.",
                        error=exc, irn=getattr(exc, "irn", None) or "?", ack=getattr(exc, "ack_no", None) or "?")
            self._l10n_in_einv_schedule_activity(message)
            return self._l10n_in_einv_schedule_retry(message, "signature", unknown=True)
        if kind == "crash":
            _logger.error("E-invoice: %s failed unexpectedly: %s", self.name, exc)
            return self._l10n_in_einv_schedule_retry(
                _("Unexpected failure while sending (%s); the IRP is asked before anything is sent again.", exc),
                "internal", unknown=True)
        if kind == "duplicate_unverifiable":
            duplicate = exc.duplicate or {}
            message = _(
                "The IRP already holds IRN %(irn)s (Ack No %(ack)s of %(date)s) for this document number, registered "
                "more than 2 days ago: the IRP no longer serves its signed copy (2283), so it cannot be checked "
                "against this invoice and was not adopted. If it is this invoice, it is already reported; "
                "otherwise issue this invoice under a new number.",
                irn=duplicate.get("Irn"), ack=duplicate.get("AckNo"), date=duplicate.get("AckDt"))
            self._l10n_in_einv_set_error(message, codes="2150,2283")
            return message
        if exc.kind == irp_errors.AUTH:
            # not the invoice's fault: wait for the credentials, spend no attempt
            message = _("The IRP refused our credentials: %s Fix them in the e-invoicing credentials (Test "
                        "connection); sending resumes automatically.", self._l10n_in_einv_explain(exc))
            self.write({"l10n_in_einv_state": "retry", "l10n_in_einv_error": message,
                        "l10n_in_einv_error_codes": ",".join(exc.codes) or "auth",
                        "l10n_in_einv_next_attempt": fields.Datetime.now() + AUTH_PAUSE})
            self._l10n_in_einv_schedule_activity(message)
            return message
        if exc.kind in (irp_errors.TRANSIENT, irp_errors.UNKNOWN_OUTCOME):
            return self._l10n_in_einv_schedule_retry(
                _("Temporary IRP problem, retrying automatically: %s", exc), ",".join(exc.codes) or exc.kind,
                retry_after=exc.retry_after, unknown=exc.kind == irp_errors.UNKNOWN_OUTCOME)
        self._l10n_in_einv_set_error(self._l10n_in_einv_explain(exc), codes=",".join(exc.codes))
        return _("IRP refused: %s", exc)

    def _l10n_in_einv_mismatch(self, result, payload):
        """Refuse to adopt an IRN whose signed data does not describe this invoice."""
        signed = result.invoice_data or {}
        sent_buyer = payload["BuyerDtls"]["Gstin"]
        signed_buyer = (signed.get("BuyerDtls") or {}).get("Gstin")
        signed_total = (signed.get("ValDtls") or {}).get("TotInvVal")
        sent_total = payload["ValDtls"]["TotInvVal"]
        if signed_buyer != sent_buyer or signed_total is None or abs(float(signed_total) - sent_total) > 0.005:
            return _(
                "The IRP already holds IRN %(irn)s for %(doc)s, but for buyer %(signed_buyer)s and total "
                "%(signed_total)s, while this invoice is for %(buyer)s and %(total)s. It was NOT adopted. "
                "Cancel that IRN at the IRP (within 24 hours) or give this invoice a new number.",
                irn=result.irn, doc=payload["DocDtls"]["No"], signed_buyer=signed_buyer,
                signed_total=signed_total, buyer=sent_buyer, total=sent_total)
        return False

    def _l10n_in_einv_store_result(self, result):
        self.write({
            "l10n_in_einv_state": "cancelled" if result.status == "CNL" else "generated",
            "l10n_in_einv_irn": result.irn,
            "l10n_in_einv_ack_no": str(result.ack_no),
            "l10n_in_einv_ack_date": _utc_naive(result.ack_date),
            "l10n_in_einv_signed_invoice": result.signed_invoice,
            "l10n_in_einv_signed_qr": result.signed_qr_code,
            "l10n_in_einv_irp_status": result.status or False,
            "l10n_in_einv_ewb_no": result.ewb_no and str(result.ewb_no) or False,
            "l10n_in_einv_ewb_date": _utc_naive(result.ewb_date),
            "l10n_in_einv_ewb_valid_till": _utc_naive(result.ewb_valid_till),
            "l10n_in_einv_ewb_status": result.ewb_no and "active" or False,
            "l10n_in_einv_error": False, "l10n_in_einv_error_codes": False,
            "l10n_in_einv_outcome_unknown": False, "l10n_in_einv_next_attempt": False,
        })
        self._l10n_in_einv_close_activities()
        self._l10n_in_einv_note(_("IRN generated: %(irn)s (Ack No %(ack)s).", irn=result.irn, ack=result.ack_no))

    def _l10n_in_einv_set_error(self, message, codes=False):
        for move in self:
            move.write({"l10n_in_einv_state": "error", "l10n_in_einv_error": message,
                        "l10n_in_einv_error_codes": codes or False, "l10n_in_einv_next_attempt": False,
                        "l10n_in_einv_in_flight_since": False})
            move._l10n_in_einv_note(_("E-invoice not generated: %s", message))
            move._l10n_in_einv_schedule_activity(message)

    def _l10n_in_einv_schedule_retry(self, reason, codes, retry_after=0, unknown=False):
        """Leave the invoice for the scheduled action, with backoff; after MAX_ATTEMPTS
        it stops in error for a person. `unknown`: the IRP may hold an IRN, so the
        next attempt looks the document up before sending anything."""
        attempts = self.l10n_in_einv_attempts + 1
        unknown = unknown or self.l10n_in_einv_outcome_unknown
        if attempts >= MAX_ATTEMPTS:
            self.write({"l10n_in_einv_attempts": attempts, "l10n_in_einv_outcome_unknown": unknown})
            self._l10n_in_einv_set_error(_("Given up after %(n)d attempts: %(reason)s The next attempt (Generate "
                                           "IRN) first looks the document up at the IRP.", n=attempts, reason=reason),
                                         codes=codes)
            return _("gave up after %d attempts", attempts)
        delay = max(BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1] * 60, retry_after or 0)
        self.write({
            "l10n_in_einv_state": "retry", "l10n_in_einv_attempts": attempts,
            "l10n_in_einv_next_attempt": fields.Datetime.now() + timedelta(seconds=delay),
            "l10n_in_einv_outcome_unknown": unknown, "l10n_in_einv_error": reason,
            "l10n_in_einv_error_codes": codes,
        })
        return _("retry %(n)d scheduled in %(minutes)d min", n=attempts, minutes=delay // 60)

    def _l10n_in_einv_note(self, body):
        """Chatter note signed by OdooBot: an IRN outcome must be recorded even when the
        user who clicked has no e-mail address (message_post would refuse)."""
        self.sudo().message_post(body=body, author_id=self.env.ref("base.partner_root").id,
                                 message_type="comment", subtype_xmlid="mail.mt_note")

    def _l10n_in_einv_schedule_activity(self, message):
        user = self.invoice_user_id or self.env.user
        summary = _("E-invoice error")
        if not self.activity_ids.filtered(lambda activity: activity.summary == summary):
            self.activity_schedule("mail.mail_activity_data_todo", summary=summary, note=message, user_id=user.id)

    def _l10n_in_einv_close_activities(self):
        summary = _("E-invoice error")
        self.activity_ids.filtered(lambda activity: activity.summary == summary).action_feedback(
            feedback=_("IRN generated"))

    def _l10n_in_einv_explain(self, exc):
        """NIC's codes and messages, plus what to do for refusals a user would not decode alone."""
        hints = {
            "2278": _("This document number had an IRN that was cancelled; the IRP never accepts the number "
                      "again. Issue the invoice under a new number."),
            "2176": _("The IRP does not know this HSN code: correct the product's HSN/SAC code."),
            "3028": _("The IRP does not know this GSTIN even after a sync with the GST portal: check it with the "
                      "customer."),
            "3029": _("The GSTIN is cancelled or inactive on the GST portal: the invoice cannot be registered "
                      "for it."),
            "2163": _("The document date is outside what the IRP accepts (future, or beyond the reporting "
                      "window)."),
        }
        lines = [f"[{e['code']}] {e['message']}" for e in exc.errors] or [str(exc)]
        for code in dict.fromkeys(exc.codes):
            if code in hints:
                lines.append(_("What to do: %s", hints[code]))
        return "\n".join(lines)

    def _l10n_in_einv_after_window_message(self):
        return _("The IRN of %s was generated more than 24 hours ago: the IRP no longer allows its cancellation. "
                 "Issue a credit note against the invoice instead (Credit Note button), and generate an IRN for "
                 "that credit note.", self.name)

    # --- refresh, cancel ------------------------------------------------------------------

    def action_l10n_in_einv_refresh(self):
        """Ask the IRP what it holds for this document (by IRN, else by document details)."""
        self.ensure_one()
        self._l10n_in_einv_check_rights()
        credential = self.company_id._l10n_in_einv_credential()
        if not credential:
            raise UserError(_("No IRP credentials for GSTIN %s.", self.company_id.vat))
        records = []
        client = credential._l10n_in_einv_client(on_call=records.append)
        try:
            if self.l10n_in_einv_irn:
                result = client.get_irn(self.l10n_in_einv_irn)
            else:
                result = client.get_irn_by_doc(self._l10n_in_einv_document_type(), self.name, self.invoice_date)
        except IrpError as exc:
            message = self._l10n_in_einv_explain(exc)
            outcome = ("warning", message)
        else:
            payload = self._l10n_in_einv_build_payload()
            mismatch = not self.l10n_in_einv_irn and self._l10n_in_einv_mismatch(result, payload)
            if mismatch:
                self._l10n_in_einv_set_error(mismatch, codes="2150")
                outcome = ("danger", mismatch)
            elif self.l10n_in_einv_irn and not result.status:
                outcome = ("info", _("The IRP holds IRN %s; its reply does not say whether it is active.", result.irn))
            elif self.l10n_in_einv_irn:
                vals = {"l10n_in_einv_irp_status": result.status}
                if result.status == "CNL" and self.l10n_in_einv_state != "cancelled":
                    vals["l10n_in_einv_state"] = "cancelled"
                    self._l10n_in_einv_note(_("The IRP reports IRN %s as cancelled.", result.irn))
                self.write(vals)
                outcome = ("success", _("IRP status: %s", result.status))
            else:
                self._l10n_in_einv_store_result(result)
                outcome = ("success", _("IRN %s found at the IRP and stored.", result.irn))
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=self)
            credential._l10n_in_einv_flush_session()
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-invoice"), "message": outcome[1], "type": outcome[0],
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

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
        cancel_date, refusal = False, False
        try:
            cancel_date = _utc_naive(client.cancel_irn(self.l10n_in_einv_irn, reason, remark).cancel_date)
        except IrpError as exc:
            if "9999" in exc.codes:  # already cancelled at the IRP: record it
                cancel_date = fields.Datetime.now()
            elif exc.kind in (irp_errors.TRANSIENT, irp_errors.UNKNOWN_OUTCOME):
                try:  # the cancel may have been committed: ask
                    if client.get_irn(self.l10n_in_einv_irn).status == "CNL":
                        cancel_date = fields.Datetime.now()
                except IrpError:
                    pass
                refusal = not cancel_date and _("The IRP did not answer (%s). The IRN is still active; try again "
                                                "in a moment.", exc)
            elif "2230" in exc.codes:
                refusal = _("The IRP refuses: an e-way bill is active for this IRN. Cancel the e-way bill "
                            "first, then the IRN.")
            elif "2270" in exc.codes:
                refusal = self._l10n_in_einv_after_window_message()
            else:
                refusal = self._l10n_in_einv_explain(exc)
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=self)
            credential._l10n_in_einv_flush_session()
        if refusal:
            self._l10n_in_einv_note(_("IRN cancellation refused: %s", refusal))
            return False, refusal
        self.write({
            "l10n_in_einv_state": "cancelled", "l10n_in_einv_irp_status": "CNL",
            "l10n_in_einv_cancel_reason": reason, "l10n_in_einv_cancel_remark": remark,
            "l10n_in_einv_cancel_date": cancel_date,
        })
        message = _("IRN %(irn)s cancelled at the IRP (%(reason)s: %(remark)s).",
                    irn=self.l10n_in_einv_irn, reason=dict(CANCEL_REASONS)[reason], remark=remark)
        self._l10n_in_einv_note(message)
        return True, message

    def action_l10n_in_einv_open_api_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_in_einvoice.action_l10n_in_einvoice_api_log")
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {}
        return action

    # --- scheduled action ---------------------------------------------------------------

    @api.model
    def _cron_l10n_in_einv_send(self, batch_size=50, limit=None):
        """Send posted invoices that are to send or due for retry, a batch at a time.

        Memory stays flat with thousands pending: only ids are fetched up front,
        records are browsed per batch and the cache is dropped after each.
        """
        now = fields.Datetime.now()
        domain = [
            ("state", "=", "posted"), ("l10n_in_einv_state", "in", ("to_send", "retry")),
            "|", ("l10n_in_einv_next_attempt", "=", False), ("l10n_in_einv_next_attempt", "<=", now),
        ]
        ids = self.search(domain, order="l10n_in_einv_next_attempt asc, id asc", limit=limit).ids
        report = []
        for start in range(0, len(ids), batch_size):
            batch = self.browse(ids[start:start + batch_size])
            report += batch._l10n_in_einv_send(commit=True)
            self.env.invalidate_all()
        if report:
            _logger.info("E-invoice run: %s", "; ".join(f"{name}: {outcome}" for name, outcome in report))
        return report

    # --- printing ---------------------------------------------------------------------------

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


class _CircuitBreaker:
    """Stops a bulk run from hammering an IRP that is down (and from piling up
    error counts that NIC may block a client for): after CIRCUIT_THRESHOLD
    consecutive transient failures, the rest of the run is deferred unsent."""

    def __init__(self):
        self._lock = threading.Lock()
        self._failures = 0

    def is_open(self):
        return self._failures >= CIRCUIT_THRESHOLD

    def record(self, outcome):
        kind, value = outcome
        failing = kind == "error" and value.kind in (irp_errors.TRANSIENT, irp_errors.UNKNOWN_OUTCOME)
        refused = kind == "error" and value.kind == irp_errors.AUTH  # every further call would be refused too
        with self._lock:
            self._failures = CIRCUIT_THRESHOLD if refused else self._failures + 1 if failing else 0


# --- helpers outside the model --------------------------------------------------------------

def _testing():
    return getattr(threading.current_thread(), "testing", False)


def _exchange(client, payload, doc, resolve_first):
    """One document's HTTP conversation with the IRP (worker thread, no ORM).

    Returns ("result", IrnResult) or ("error", IrpError).
    An unknown outcome is resolved by asking the IRP before sending again; a
    duplicate (2150) is resolved by fetching the existing e-invoice, which the
    ORM thread adopts only if buyer and total match.
    """
    doc_type, doc_no, doc_date = doc
    if resolve_first:
        try:
            return "result", client.get_irn_by_doc(doc_type, doc_no, doc_date)
        except IrpError as exc:
            if exc.kind in (irp_errors.TRANSIENT, irp_errors.UNKNOWN_OUTCOME, irp_errors.AUTH):
                return "error", exc
            # not found at the IRP: safe to send
    try:
        return "result", client.generate_irn(payload)
    except IrpError as exc:
        if exc.kind == irp_errors.UNKNOWN_OUTCOME:
            try:  # the IRP may have committed it: ask once right away
                return "result", client.get_irn_by_doc(doc_type, doc_no, doc_date)
            except IrpError:
                return "error", exc
        if {"3028", "3029"} & set(exc.codes):
            # The IRP's copy of a GSTIN may lag the GST portal: sync it and, only if it
            # is active now, send once more (an unchanged refusal is never resent).
            gstins = [payload["BuyerDtls"].get("Gstin")] + [
                payload["SellerDtls"]["Gstin"]] * (payload["SellerDtls"]["Gstin"] in str(exc))
            for party_gstin in filter(lambda g: g and g != "URP", gstins):
                try:
                    if client.sync_gstin(party_gstin).status != "ACT":
                        return "error", exc
                except IrpError:
                    return "error", exc
            try:
                return "result", client.generate_irn(payload)
            except IrpError as retry_exc:
                return "error", retry_exc
        if exc.kind == irp_errors.DUPLICATE and exc.duplicate:
            lookups, existing_irn = [], exc.duplicate["Irn"]
            for lookup in (lambda: client.get_irn(existing_irn),
                           lambda: client.get_irn_by_doc(doc_type, doc_no, doc_date)):
                try:
                    return "result", lookup()
                except IrpError as lookup_exc:
                    lookups.append(lookup_exc)
            if any("2283" in lookup_exc.codes for lookup_exc in lookups):
                return "duplicate_unverifiable", exc
            return "error", lookups[-1]
        return "error", exc
