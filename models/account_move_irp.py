"""Sending invoices to the IRP: locking, the parallel calls, and the mapping of the
registration policy's outcomes (irp/policy.py) to fields, chatter and activities.
Every protocol decision (what to call, when to retry, what to adopt) is the policy's."""
import logging
import threading
from collections import deque
from datetime import timedelta, timezone

import psycopg2
from odoo import _, fields, models
from odoo.tools import SQL
from odoo.exceptions import UserError

from ..irp import policy
from ..irp.ist import format_ist
from ..tools import write_guard
from .account_move import SENDABLE_STATES, _utc_naive

_logger = logging.getLogger(__name__)

# First key of the session advisory locks held on invoices while they are sent
# (the second is the move id): 'IN' 'EI' as two bytes each.
ADVISORY_NAMESPACE = 0x494E4549
# Invoices prepared back to back before their calls are handed to the pool (at least the
# pool's size): every commit clears the ORM cache, so preparing between commits one by one
# would read each invoice's company, partners, lines and taxes again.
PIPELINE_CHUNK = 16


def _aware(value):
    return value.replace(tzinfo=timezone.utc) if value else None


def _ist(value):
    """An aware or naive-UTC moment as the text Indian users read: 'yyyy-mm-dd hh:mm:ss IST'."""
    return format_ist(value) + " IST"


def _testing():
    return getattr(threading.current_thread(), "testing", False)


class _Later:
    """A call made in this thread when its outcome is asked for (one at a time: each is
    applied and committed before the next starts), with the interface of a pool's future."""

    __slots__ = ("call", "job")

    def __init__(self, call, job):
        self.call, self.job = call, job

    def done(self):
        return True

    def result(self):
        return self.call(self.job)


class AccountMove(models.Model):
    _inherit = "account.move"

    # --- locking ------------------------------------------------------------------------

    def _l10n_in_einv_try_lock(self):
        """Row-lock these moves for this transaction; return those we got."""
        if not self:
            return self
        self.env.cr.execute("SELECT id FROM account_move WHERE id IN %s FOR UPDATE SKIP LOCKED",
                            [tuple(self.ids)])
        got = {row[0] for row in self.env.cr.fetchall()}
        return self.filtered(lambda move: move.id in got)  # in the caller's order, not the table's

    def _l10n_in_einv_lock(self):
        """Lock the rows we can; return (held moves still to send, moves another sender holds).

        Two locks: the row lock (SKIP LOCKED: one invoice held elsewhere never holds up
        a batch) lasts this transaction; a session advisory lock lasts until released,
        across the commits of a run, and dies with the connection. So an invoice
        marked in flight whose advisory lock we get had a sender that died mid-call:
        its outcome is unknown and the IRP is asked before anything is sent again.
        """
        held = self._l10n_in_einv_try_lock()
        if held:
            self.env.cr.execute("SELECT id FROM unnest(%s) AS id WHERE pg_try_advisory_lock(%s, id)",
                                [held.ids, ADVISORY_NAMESPACE])
            got = {row[0] for row in self.env.cr.fetchall()}
            held = held.filtered(lambda move: move.id in got)
        busy = self - held
        held.invalidate_recordset()
        dead = held.filtered("l10n_in_einv_in_flight_since")
        with write_guard.trusted():  # their sender died mid-call
            for move in dead:
                move.write({"l10n_in_einv_outcome_unknown": True, "l10n_in_einv_in_flight_since": False,
                            "l10n_in_einv_unknown_since": move.l10n_in_einv_unknown_since
                            or move.l10n_in_einv_in_flight_since})
        sendable = held.filtered(lambda m: m.l10n_in_einv_state in SENDABLE_STATES)
        (held - sendable)._l10n_in_einv_unlock()
        return sendable, busy

    def _l10n_in_einv_unlock(self):
        """Release the advisory locks: they outlive this transaction on a pooled connection."""
        if not self:
            return
        query = "SELECT pg_advisory_unlock(%s, id) FROM unnest(%s) AS id"
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, [ADVISORY_NAMESPACE, self.ids])
        except psycopg2.errors.InFailedSqlTransaction:
            # failing already: its work is lost anyway, the locks must not be
            self.env.cr.rollback()
            self.env.cr.execute(query, [ADVISORY_NAMESPACE, self.ids])

    # --- sending ------------------------------------------------------------------------

    def _l10n_in_einv_send(self, commit=True, raise_problems=False):
        """Send these moves; returns [(name, outcome text)].

        Payloads are built and outcomes applied in this (ORM) thread; only the HTTP
        conversations overlap, in a bounded pool per GSTIN. With `commit`, each
        invoice's outcome is committed on its own, and an in-flight marker is committed
        before the calls so that no other worker sends the same document meanwhile.
        Never raises for what the IRP, the network or a credential does.
        """
        commit = commit and not _testing()
        report = []
        for company, moves in self.grouped("company_id").items():
            credential = company._l10n_in_einv_credential()
            if not credential:
                message = _("No IRP credentials for GSTIN %(gstin)s: add them in Accounting > Configuration > "
                            "E-invoicing credentials.", gstin=company.vat or "?")
                moves._l10n_in_einv_set_error(message)
                report += [(m.name, message) for m in moves]
                continue
            report += moves._l10n_in_einv_send_with(credential, commit, raise_problems)
        return report

    def _l10n_in_einv_send_with(self, credential, commit, raise_problems=False):
        moves, busy = self._l10n_in_einv_lock()
        try:
            return moves._l10n_in_einv_send_locked(busy, credential, commit, raise_problems)
        finally:
            moves._l10n_in_einv_unlock()

    def _l10n_in_einv_send_locked(self, busy, credential, commit, raise_problems):
        """Prepare, call and apply as a pipeline: invoices are prepared (payload and
        pre-flight) and handed to the pool a chunk at a time, and each outcome is applied
        (and committed) as soon as it is in, while the pool works on the next calls. The
        ORM stays in this thread; the pool threads only talk HTTP."""
        self._l10n_in_einv_refresh_party_gstins(credential)
        skipped = _("being sent by another user; skipped")
        report = [(name, skipped) for name in busy.mapped("name")]
        if not self:
            return report
        gate = policy.GstinGate(credential._l10n_in_einv_pause())
        try:
            client = credential._l10n_in_einv_client()
        except UserError as exc:  # unusable configuration: the credential's problem, not the invoices'
            pause = credential._l10n_in_einv_needs_attention(str(exc))
            gate = policy.GstinGate(pause)
            client = None
        hook = credential._l10n_in_einv_call_hook() if client else None

        def run(job):  # worker thread: HTTP only, no ORM
            move_id, payload, knowledge, attempts = job
            if client is None or gate.is_open():
                return move_id, gate.deferred(), []
            records = []
            hook.bind(records.append)
            try:
                return move_id, policy.register(client, payload, knowledge, attempts=attempts, gate=gate), records
            finally:
                hook.bind(None)

        workers = max(1, min(credential.company_id.l10n_in_einv_parallel_calls or 4, len(self)))
        pool = credential._l10n_in_einv_pool(workers) if client is not None and workers > 1 else None
        # One at a time (or a single invoice that must raise its problems before anything is
        # sent): everything is prepared and marked first, then sent in this thread.
        pipelined = pool is not None and not raise_problems
        chunk_size = max(workers, PIPELINE_CHUNK)
        marking = commit and not gate.is_open()
        moves = list(self)
        calls = deque()  # (move, payload, future), in the order they were handed to the pool
        marked = []  # (move, payload) prepared under row lock: marked in flight and committed, then handed over
        state = {"locked_to": len(moves)}  # rows [index, locked_to) hold their row locks

        def hand_over():
            for move, payload in marked:
                job = (move.id, payload, move._l10n_in_einv_knowledge(), move.l10n_in_einv_attempts)
                calls.append((move, payload, pool.submit(run, job) if pipelined else _Later(run, job)))
            marked.clear()

        def commit_now():
            """Commit (outcomes and in-flight markers alike), then hand the marked calls over:
            an invoice is marked in flight in the database before its call starts."""
            if marking and marked:
                with write_guard.trusted():
                    self.browse([move.id for move, _payload in marked]).write(
                        {"l10n_in_einv_in_flight_since": fields.Datetime.now()})
            if commit:
                # by design: each invoice's outcome is committed on its own, so an IRN once got is never lost
                self.env.cr.commit()  # pylint: disable=invalid-commit
                state["locked_to"] = 0  # a commit releases the row locks
            hand_over()

        def apply(block):
            """Apply the outcomes that are in (all of them with `block`), oldest first, each
            committed on its own."""
            while calls and (block or calls[0][2].done()):
                move, payload, future = calls.popleft()
                # each outcome is committed on its own and a commit empties the cache: reading
                # this invoice must not fetch the whole batch's rows with it
                move = move.with_prefetch()
                _move_id, outcome, records = future.result()
                self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=move)
                report.append((move.name, move._l10n_in_einv_apply(outcome, payload, credential)))
                credential._l10n_in_einv_flush_session()
                credential._l10n_in_einv_after_outcome(outcome)
                if commit:
                    commit_now()

        window = self.ids  # what is read together: the invoices prepared before the next commit
        for index, move in enumerate(moves):
            if pipelined and index >= state["locked_to"]:
                state["locked_to"] = self._l10n_in_einv_relock(moves, index, chunk_size)
                window = [ahead.id for ahead in moves[index:state["locked_to"]]]
            move = move.with_prefetch(window)
            problems, payload = move._l10n_in_einv_prepare(credential=credential)
            if problems and raise_problems:
                raise UserError(_("Nothing was sent to the IRP. Fix these first:\n%(problems)s",
                                  problems="\n".join(f"• {p}" for p in problems)))
            if problems:
                move._l10n_in_einv_set_error("\n".join(problems), codes="preflight")
                report.append((move.name, _("not sent: %(problems)s", problems="; ".join(problems))))
            else:
                marked.append((move, payload))
            if pipelined and len(marked) >= chunk_size:
                # A chunk is prepared back to back, sharing the ORM cache that every commit
                # clears, then handed over at once; the outcomes that came in meanwhile are
                # applied (each committed) while the pool works on it.
                commit_now()
                apply(block=False)
        commit_now()
        apply(block=True)
        return report

    def _l10n_in_einv_relock(self, moves, index, count):
        """Row-lock again the next `count` invoices to prepare, after a commit released the row
        locks (the advisory locks keep other senders away, not a user's edit): one written
        since it was read is read again. Returns the index up to which rows are locked."""
        window = self.browse([move.id for move in moves[index:index + count]])
        self.env.cr.execute("SELECT id, write_date FROM account_move WHERE id IN %s FOR UPDATE",
                            [tuple(window.ids)])
        written = dict(self.env.cr.fetchall())
        write_date = self._fields["write_date"]
        changed = window.filtered(lambda move: self.env.cache.get(move, write_date, None) != written.get(move.id))
        changed.invalidate_recordset()
        return index + len(window)

    def _l10n_in_einv_knowledge(self):
        """What is known of this document at the IRP, for the policy."""
        if self.l10n_in_einv_outcome_unknown:
            return policy.MAYBE_SENT
        return policy.REFUSED if self.l10n_in_einv_error_codes else policy.NEVER_SENT

    # --- outcomes -> records ------------------------------------------------------------

    def _l10n_in_einv_apply(self, outcome, payload, credential):
        """Write one outcome on the move (ORM thread). Returns a short text for the report.

        What the IRP answered is never lost to code hooked on these writes: when an
        automation rule fails, the outcome is written again without running the rules,
        and the chatter says which rule failed and why."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return self._l10n_in_einv_apply_outcome(outcome, payload, credential)
        except Exception as exc:  # noqa: BLE001 - a rule's failure must not lose an IRN
            automations = self.env["base.automation"].sudo().search([("model_name", "=", self._name)]) \
                if "base.automation" in self.env else []
            if not automations:
                raise
            _logger.warning("E-invoice: an automation rule failed on %s; outcome stored without rules",
                            self.name, exc_info=True)
            self.invalidate_recordset()
            quiet = self.with_context(__action_done={automation: self for automation in automations})
            text = quiet._l10n_in_einv_apply_outcome(outcome, payload, credential)
            self._l10n_in_einv_note(_(
                "An automation rule failed while this outcome was being stored (%(error)s): the e-invoice outcome "
                "was stored without running automation rules for it. Check the rules on invoices.", error=exc))
            return text

    def _l10n_in_einv_apply_outcome(self, outcome, payload, credential):
        # each branch clears the in-flight marker in its own single write
        with write_guard.trusted():
            if isinstance(outcome, (policy.Registered, policy.Adopted)):
                self._l10n_in_einv_store_result(outcome.result, how=(
                    "adopted" if isinstance(outcome, policy.Adopted) else
                    "recovered" if outcome.recovered else "generated"), sent=True)
                return "generated"
            if isinstance(outcome, policy.Refused):
                message, codes = self._l10n_in_einv_refusal_words(outcome, payload)
                self._l10n_in_einv_set_error(message, codes=codes)
                return message
            if isinstance(outcome, policy.Unknown):
                return self._l10n_in_einv_wait_unknown(outcome)
            return self._l10n_in_einv_wait_retry(outcome, credential)

    def _l10n_in_einv_refusal_words(self, outcome, payload):
        params = outcome.params
        if outcome.reason == policy.DUPLICATE_MISMATCH:
            return _(
                "The IRP already holds IRN %(irn)s for %(doc)s, but for buyer %(signed_buyer)s and total "
                "%(signed_total)s, while this invoice is for %(buyer)s and %(total)s. It was NOT adopted. "
                "Cancel that IRN at the IRP (within 24 hours) or give this invoice a new number.",
                irn=params["irn"], doc=payload["DocDtls"]["No"], signed_buyer=params["held_buyer"],
                signed_total=params["held_total"], buyer=params["buyer"], total=params["total"]), "2150"
        if outcome.reason == policy.DUPLICATE_UNVERIFIABLE:
            return _(
                "The IRP already holds IRN %(irn)s (Ack No %(ack)s of %(date)s) for this document number, registered "
                "more than 2 days ago: the IRP no longer serves its signed copy (2283), so it cannot be checked "
                "against this invoice and was not adopted. If it is this invoice, it is already reported; "
                "otherwise issue this invoice under a new number.",
                irn=params.get("irn"), ack=params.get("ack_no"), date=params.get("ack_date")), "2150,2283"
        explained = self._l10n_in_einv_explain_problems(outcome.problems)
        if outcome.reason == policy.GSTIN_NOT_ACTIVE:
            statuses = ", ".join(f"{gstin} ({status or '?'})" for gstin, status in params["statuses"].items())
            explained += "\n" + _(
                "The IRP synced its copy with the GST portal just now and still finds %(statuses)s not active "
                "(ACT): the invoice cannot be registered for it. Check the GSTIN with the customer.",
                statuses=statuses)
        return explained, ",".join(outcome.codes)

    def _l10n_in_einv_wait_retry(self, outcome, credential):
        """Nothing was registered: wait until outcome.at (the policy's backoff or the GSTIN's pause)."""
        error = outcome.error
        until = _ist(outcome.at)
        reason = outcome.why
        attempts = self.l10n_in_einv_attempts + (1 if outcome.spends_attempt else 0)
        if reason == policy.RATE_LIMITED:
            message = _("The IRP asked us to slow down (HTTP 429): every invoice of GSTIN %(gstin)s waits until "
                        "%(until)s, then sending resumes by itself.", gstin=credential.gstin, until=until)
        elif reason == policy.OUTAGE:
            message = _("The IRP kept failing (%(error)s): sending for GSTIN %(gstin)s is paused until %(until)s, "
                        "then resumes by itself.", error=error or outcome.pause.detail, gstin=credential.gstin,
                        until=until)
        elif reason in (policy.CREDENTIALS, policy.CONFIGURATION):
            message = _("Waiting for the e-invoicing credentials of GSTIN %(gstin)s to be fixed: %(problem)s "
                        "Sending resumes as soon as they are saved (or by itself at %(until)s).",
                        gstin=credential.gstin, problem=credential.attention or error or outcome.pause.detail,
                        until=until)
        else:
            message = _("Temporary IRP problem (%(error)s); the next attempt is at %(until)s.",
                        error=error, until=until)
        codes = ",".join(getattr(error, "codes", None) or []) or reason
        self.write({"l10n_in_einv_state": "retry", "l10n_in_einv_attempts": attempts,
                    "l10n_in_einv_next_attempt": _utc_naive(outcome.at), "l10n_in_einv_error": message,
                    "l10n_in_einv_error_codes": codes, "l10n_in_einv_in_flight_since": False})
        self._l10n_in_einv_wake_at(outcome.at)
        if reason in (policy.CREDENTIALS, policy.CONFIGURATION) or policy.needs_person(
                None, None, attempts=attempts, maybe_sent=False):
            self._l10n_in_einv_schedule_activity(message)
        return message

    def _l10n_in_einv_wait_unknown(self, outcome):
        """The IRP may hold an IRN: look it up at outcome.at, never give up, warn a person in time."""
        now = fields.Datetime.now()
        since = self.l10n_in_einv_unknown_since or now
        deadlines = policy.unknown_deadlines(_aware(since))
        if outcome.reason == "untrusted_signature":
            message = _("The IRP's reply failed the signature check (%(error)s), so nothing was stored. The IRP "
                        "reported IRN %(irn)s, Ack No %(ack)s. Configure the current IRP signing certificate in "
                        "the e-invoicing credentials before %(closes)s; the invoice is looked up again "
                        "automatically, never sent twice.", error=outcome.error, irn=outcome.irn or "?",
                        ack=outcome.ack_no or "?", closes=_ist(deadlines.lookup_closes))
        else:
            message = _("The IRP may have registered this invoice but its reply was lost (%(error)s). It is looked "
                        "up at the IRP (never sent twice) until the answer is known; next look-up at %(until)s.",
                        error=outcome.error, until=_ist(outcome.at))
        self.write({"l10n_in_einv_state": "retry", "l10n_in_einv_outcome_unknown": True,
                    "l10n_in_einv_unknown_since": since, "l10n_in_einv_attempts": self.l10n_in_einv_attempts + 1,
                    "l10n_in_einv_next_attempt": _utc_naive(outcome.at), "l10n_in_einv_error": message,
                    "l10n_in_einv_error_codes": ",".join(getattr(outcome.error, "codes", None) or [])
                    or outcome.reason, "l10n_in_einv_in_flight_since": False})
        self._l10n_in_einv_wake_at(outcome.at)
        if outcome.reason in ("untrusted_signature", "crash") or policy.needs_person(_aware(since), _aware(now)):
            self._l10n_in_einv_schedule_activity(_(
                "%(message)s If it stays unresolved, check with the IRP portal: an IRN it holds can be cancelled "
                "only until %(cancel)s and is served only until %(lookup)s.", message=message,
                cancel=_ist(deadlines.cancel_closes), lookup=_ist(deadlines.lookup_closes)),
                summary=self._l10n_in_einv_unknown_summary(), deadline=deadlines.cancel_closes.date())
        return message

    def _l10n_in_einv_store_result(self, result, how="generated", sent=False):
        """sent: the outcome of this worker's own call, whose in-flight marker it clears."""
        with write_guard.trusted():
            self.write({
                **({"l10n_in_einv_in_flight_since": False} if sent else {}),
                "l10n_in_einv_state": "cancelled" if result.status == "CNL" else "generated",
                "l10n_in_einv_irn": result.irn,
                "l10n_in_einv_ack_no": str(result.ack_no),
                "l10n_in_einv_ack_date": _utc_naive(result.ack_date),
                "l10n_in_einv_signed_invoice": result.signed_invoice,
                "l10n_in_einv_signed_qr": result.signed_qr_code,
                "l10n_in_einv_irp_status": result.status or False,
                "l10n_in_einv_error": False, "l10n_in_einv_error_codes": False,
                "l10n_in_einv_outcome_unknown": False, "l10n_in_einv_unknown_since": False,
                "l10n_in_einv_next_attempt": False, "l10n_in_einv_queued": False, "l10n_in_einv_hold": False,
            })
        # said first: the note carries the state's change (see _l10n_in_einv_take_tracking)
        notes = {  # only the one said is translated
            "generated": lambda: _("IRN generated: %(irn)s (Ack No %(ack)s).", irn=result.irn, ack=result.ack_no),
            "recovered": lambda: _("IRN %(irn)s (Ack No %(ack)s) found at the IRP after a lost reply, and stored.",
                                   irn=result.irn, ack=result.ack_no),
            "adopted": lambda: _("The IRP already held IRN %(irn)s (Ack No %(ack)s) for this invoice; its signed "
                                 "data matches the buyer and the total, so it was adopted.",
                                 irn=result.irn, ack=result.ack_no),
            "linked": lambda: _("IRN %(irn)s (Ack No %(ack)s), registered outside Odoo, linked to this invoice.",
                                irn=result.irn, ack=result.ack_no),
        }
        self._l10n_in_einv_note(notes[how]())
        if result.ewb_no:  # an e-way bill the IRP reports with the IRN: its own record
            self._l10n_in_einv_ewaybill_record(result.ewb_no, "irn_reply", result.ewb_date, result.ewb_valid_till)
        self._l10n_in_einv_close_activities()
        self._l10n_in_einv_refresh_pdf()
        if waiting := self.l10n_in_einv_sending_after_irn:  # a Send & Print that waited for this IRN
            with write_guard.trusted():
                self.l10n_in_einv_sending_after_irn = False
            self.sending_data = waiting
            self.env.ref("account.ir_cron_account_move_send")._trigger()

    def _l10n_in_einv_send_after_irn(self, sending_data):
        with write_guard.trusted():
            self.l10n_in_einv_sending_after_irn = sending_data

    def _l10n_in_einv_wake_at(self, at):
        """Wake the scheduled action when this invoice is due, so the time shown on it is
        kept (the action's own interval is only a safety net). One trigger per minute."""
        cron = self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")
        when = _utc_naive(at).replace(second=0, microsecond=0) + timedelta(minutes=1)
        if not self.env["ir.cron.trigger"].sudo().search_count(
                [("cron_id", "=", cron.id), ("call_at", "=", when)], limit=1):
            cron._trigger(when)

    def _l10n_in_einv_set_error(self, message, codes=False):
        """A definite refusal (or a problem to fix before sending): a person must act."""
        with write_guard.trusted():
            for move in self:
                move.write({"l10n_in_einv_state": "error", "l10n_in_einv_error": message,
                            "l10n_in_einv_error_codes": codes or False, "l10n_in_einv_next_attempt": False,
                            "l10n_in_einv_in_flight_since": False, "l10n_in_einv_outcome_unknown": False,
                            "l10n_in_einv_unknown_since": False, "l10n_in_einv_queued": False})
                move._l10n_in_einv_note(_("E-invoice not generated: %(message)s", message=message))
                move._l10n_in_einv_schedule_activity(message)

    # --- chatter and activities ------------------------------------------------------------

    def _l10n_in_einv_note(self, body):
        """Chatter note signed by OdooBot: an IRN outcome must be recorded even when the
        user who clicked has no e-mail address (message_post would refuse).

        A note notifies only followers subscribed to notes. When none is, the note is
        written through Odoo's own shortcut for notes that notify nobody (_message_log:
        the same chatter line, a third of message_post's cost, which is paid per IRN), and
        the author is made a follower as message_post would; otherwise message_post."""
        move = self.sudo()
        xmlid_to_id = self.env["ir.model.data"]._xmlid_to_res_id  # cached, unlike env.ref's exists()
        author = self.env["res.partner"].browse(xmlid_to_id("base.partner_root", raise_if_not_found=True))
        note = xmlid_to_id("mail.mt_note", raise_if_not_found=True)
        # the followers, and the partner of the user if active (who message_post subscribes):
        # one statement, paid per IRN
        self.env.cr.execute("""
            SELECT f.partner_id, EXISTS(SELECT 1 FROM mail_followers_mail_message_subtype_rel r
                                         WHERE r.mail_followers_id = f.id AND r.mail_message_subtype_id = %s),
                   false
              FROM mail_followers f WHERE f.res_model = %s AND f.res_id = %s
             UNION ALL
            SELECT partner_id, false, true FROM res_users WHERE id = %s AND active""",
                            [note, self._name, self.id, self.env.uid])
        rows = self.env.cr.fetchall()
        followers = {partner_id: listens for partner_id, listens, is_user in rows if not is_user}
        user_partner_id = next((partner_id for partner_id, _listens, is_user in rows if is_user), None)
        if any(listens for partner_id, listens in followers.items() if partner_id != author.id):
            move.message_post(body=body, author_id=author.id, message_type="comment", subtype_xmlid="mail.mt_note")
            return
        tracking = self._l10n_in_einv_take_tracking()
        # with tracking values, a notification as Odoo's own tracking messages: the web client
        # draws tracking values (and the body below them) only for those
        move._message_log(body=body, author_id=author.id, message_type="notification" if tracking else "comment",
                          tracking_value_ids=tracking)
        # message_post subscribes whoever posts: the user if active, else the author
        poster_id = user_partner_id or (author.id if author.active else None)
        if poster_id and poster_id not in followers:
            move._message_subscribe(partner_ids=[poster_id])

    def _l10n_in_einv_take_tracking(self):
        """The tracking values this transaction's writes have pending for this invoice (its
        e-invoice state, mostly), taken for the note being logged, so that the chatter gets
        one line "IRN generated ... / To send -> Generated" instead of two messages (each
        costs as much as the rest of applying an outcome). Left to Odoo's own tracking at
        commit whenever Odoo would do more than log them (a subtype or a template)."""
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}") or {}
        initial = pending.get(self.id)
        if not initial:
            return False
        record = self.sudo()
        tracked = record.fields_get(list(initial), attributes=("string", "type", "selection", "currency_field"))
        changes, values = record._mail_track(tracked, initial)
        if not values:
            return False
        if record._track_subtype({name: initial[name] for name in changes}) or any(
                template for template, _kwargs in record._track_template(changes).values()):
            return False
        del pending[self.id]  # later writes in this transaction are tracked anew
        return values

    def _l10n_in_einv_schedule_activity(self, message, summary=None, deadline=None):
        user = self.invoice_user_id or self.env.user
        summary = summary or self._l10n_in_einv_error_summary()
        open_ones = self.activity_ids.filtered(lambda activity: activity.summary == summary)
        if open_ones:
            open_ones.write({"note": message})
            return
        self.activity_schedule("mail.mail_activity_data_todo", date_deadline=deadline, summary=summary,
                               note=message, user_id=user.id)

    def _l10n_in_einv_error_summary(self):
        return _("E-invoice error")

    def _l10n_in_einv_unknown_summary(self):
        return _("E-invoice: an IRN may exist at the IRP")

    def _l10n_in_einv_close_activities(self):
        # searched by summary (paid per IRN: mostly there is none), not every activity read
        summaries = (self._l10n_in_einv_error_summary(), self._l10n_in_einv_unknown_summary())
        activities = self.env["mail.activity"].search([
            ("res_model", "=", self._name), ("res_id", "in", self.ids), ("summary", "in", summaries)])
        if activities:
            activities.action_feedback(feedback=_("IRN generated"))

    def _l10n_in_einv_explain_problems(self, problems):
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
        lines = [f"[{p.code}] {p.message.removeprefix(p.code + ': ')}" if p.code else p.message for p in problems]
        for code in dict.fromkeys(p.code for p in problems):
            if code in hints:
                lines.append(_("What to do: %(hint)s", hint=hints[code]))
        return "\n".join(lines)

    # --- scheduled action ---------------------------------------------------------------

    def _l10n_in_einv_cron_domain(self, now):
        """What the scheduled action sends: queued invoices, and retries (whoever started
        them: an IRN that may exist is looked up until known). Held invoices wait."""
        return [
            ("state", "=", "posted"), ("l10n_in_einv_hold", "=", False),
            "|", "&", ("l10n_in_einv_state", "=", "to_send"), ("l10n_in_einv_queued", "=", True),
            ("l10n_in_einv_state", "=", "retry"),
            "|", ("l10n_in_einv_next_attempt", "=", False), ("l10n_in_einv_next_attempt", "<=", now),
        ]

    def _l10n_in_einv_cron_paused(self, now):
        """{company id: paused until} of the companies whose GSTIN is paused now (rate limit,
        outage, credentials): the scheduled action does not even load their invoices."""
        credentials = self.env["l10n_in.einvoice.credential"].sudo().search([("paused_until", ">", now)])
        return {credential.company_id.id: credential.paused_until for credential in credentials
                if credential.gstin == credential.company_id.vat}

    def _l10n_in_einv_cron_pick(self, domain, limit):
        """Ids of what the scheduled action sends now, round-robin across companies (each has
        its own GSTIN and credential): every company's first due invoice, then every company's
        second, and so on, so that one GSTIN's backlog never holds another's invoices back
        beyond its share of a run or of a batch. Within a company: oldest due first."""
        query = self._search(domain)
        table = self._table
        ranked = query.select(
            SQL("%s AS id", SQL.identifier(table, "id")),
            SQL("%s AS next_attempt", SQL.identifier(table, "l10n_in_einv_next_attempt")),
            SQL("row_number() OVER (PARTITION BY %s ORDER BY %s ASC, %s ASC) AS turn",
                SQL.identifier(table, "company_id"), SQL.identifier(table, "l10n_in_einv_next_attempt"),
                SQL.identifier(table, "id")))
        self.flush_model()
        rows = self.env.execute_query(SQL("SELECT id FROM (%s) AS ranked ORDER BY turn, next_attempt ASC, id ASC%s",
                                          ranked, SQL(" LIMIT %s", limit) if limit else SQL()))
        return [row[0] for row in rows]

    def _cron_l10n_in_einv_send(self, batch_size=50, limit=500):
        """Send posted invoices that are to send or due for retry, a batch at a time.

        Memory stays flat with thousands pending: only ids are fetched up front,
        records are browsed per batch and the cache is dropped after each. One
        company's failure never stops the others', and the action never raises.
        Companies take turns (see _l10n_in_einv_cron_pick); a company whose GSTIN is
        paused is left out of the run, and the action is woken when its pause ends.
        """
        now = fields.Datetime.now()
        paused = self._l10n_in_einv_cron_paused(now)
        domain = self._l10n_in_einv_cron_domain(now)
        if paused:
            waiting = self._read_group(domain + [("company_id", "in", list(paused))], ["company_id"])
            for (company,) in waiting:
                self._l10n_in_einv_wake_at(paused[company.id].replace(tzinfo=timezone.utc))
            domain += [("company_id", "not in", list(paused))]
        ids = self._l10n_in_einv_cron_pick(domain, limit)
        report = []
        commit = not _testing()
        for start in range(0, len(ids), batch_size):
            batch = self.browse(ids[start:start + batch_size])
            for company, moves in batch.grouped("company_id").items():
                try:
                    report += moves._l10n_in_einv_send(commit=True)
                except Exception:  # noqa: BLE001 - a bug must not stop other companies' invoices
                    _logger.exception("E-invoice: sending for %s failed unexpectedly", company.name)
                    if commit:
                        self.env.cr.rollback()
                    report += [(name, _("not sent: unexpected failure, see the server log"))
                               for name in moves.mapped("name")]
            self.env.invalidate_all()
        if report:
            _logger.info("E-invoice run: %s", "; ".join(f"{name}: {outcome}" for name, outcome in report))
        if ids:
            # Odoo's cron progress: it runs the action again at once while some remain;
            # the trigger picks up after its ten rounds
            now = fields.Datetime.now()
            domain = self._l10n_in_einv_cron_domain(now)
            if paused := self._l10n_in_einv_cron_paused(now):
                domain += [("company_id", "not in", list(paused))]
            remaining = self.search_count(domain)
            self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
            if remaining and limit and len(ids) >= limit:
                self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")._trigger()
        return report
