"""Sending as OCA queue_job jobs, when queue_job is installed (no dependency on it).

Without queue_job nothing here changes anything: the scheduled action sends in its own
process as always. With it (unless the system parameter `l10n_in_einvoice.queue_job` is
`0`/`false`), the scheduled action, and so the list action, posting (mode *On posting*) and
releasing, which all wake it, only enqueue: jobs of at most `l10n_in_einvoice.queue_job_size`
(50) invoices of one GSTIN on the channel `root.l10n_in_einvoice.<GSTIN>`. queue_job's runner
(one per database at a time: whichever server holds its PostgreSQL lock) dispatches them
over HTTP to the Odoo servers behind its configured host and port, so several servers
share the work.

Concurrency per GSTIN: one job of a GSTIN runs at a time (the enqueuer keeps at most one
job per GSTIN waiting or running, whatever the channel configuration says), and that job
sends its invoices with the GSTIN's pool of *Parallel IRP calls per GSTIN*: so at most that
many calls per GSTIN are in flight across all servers, exactly as without queue_job, and
the ORM work of one GSTIN stays in one thread. queue_job up to 18.0.3 reads channel
capacities only from the server configuration (`[queue_job] channels`), which cannot follow
a company setting; this way the setting holds with any configuration. When a job ends it
enqueues its GSTIN's next chunk, so a backlog drains without waiting for the scheduled action.

Sending is always `_l10n_in_einv_send`: its row and advisory locks keep two servers off one
invoice, it looks an invoice up before sending it again whatever its last sender left, and it
keeps the addon's own retries and backoff. Jobs never retry by themselves on an error. A job
whose server died (it holds a session advisory lock for its whole run, which dies with its
connection) is put back to pending by the next enqueuing and runs again on a live server.
"""
import hashlib
import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.tools import split_every

_logger = logging.getLogger(__name__)

JOB_SIZE = 50
JOB_METHOD = "_l10n_in_einv_send_job"
CHANNEL_ROOT = "l10n_in_einvoice"
QUEUE_JOB_PARAM = "l10n_in_einvoice.queue_job"
JOB_SIZE_PARAM = "l10n_in_einvoice.queue_job_size"
# First key of the session advisory lock a running job holds (the second is the job's id):
# 'IN' 'QJ'.
JOB_LOCK_NAMESPACE = 0x494E514A
# A job just marked started may not hold its lock yet: it is not judged before this.
STARTED_GRACE_SECONDS = 10
STALE_ENQUEUED_SECONDS = 20


def identity_key(gstin, move_ids):
    """The same invoices of one GSTIN are never in two waiting jobs."""
    digest = hashlib.sha1(",".join(map(str, sorted(move_ids))).encode()).hexdigest()
    return f"l10n_in_einvoice:{gstin}:{digest}"


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def _l10n_in_einv_use_queue_job(self):
        """queue_job installed in this database, and not switched off by the parameter."""
        if "queue.job" not in self.env or not hasattr(self, "with_delay"):
            return False
        value = self.env["ir.config_parameter"].sudo().get_param(QUEUE_JOB_PARAM, "1")
        return str(value).strip().lower() not in ("0", "false", "no", "off", "")

    def _cron_l10n_in_einv_send(self, batch_size=50, limit=500):
        if not self._l10n_in_einv_use_queue_job():
            return super()._cron_l10n_in_einv_send(batch_size=batch_size, limit=limit)
        return self._l10n_in_einv_enqueue()

    # --- enqueuing (the scheduled action, and each job as it ends) ------------------------

    @api.model
    def _l10n_in_einv_enqueue(self, channels=None, ignore_job=None, exclude_ids=()):
        """Enqueue the next chunk of every GSTIN (of `channels` only, when given) that has
        invoices to send and no job waiting or running. Returns [(channel, move ids)]."""
        busy = self._l10n_in_einv_busy_channels(ignore_job)
        domain = self._l10n_in_einv_cron_domain(fields.Datetime.now())
        if exclude_ids:
            domain = [("id", "not in", list(exclude_ids)), *domain]
        ids = self.search(domain, order="l10n_in_einv_next_attempt asc, id asc").ids
        size = int(self.env["ir.config_parameter"].sudo().get_param(JOB_SIZE_PARAM, JOB_SIZE) or JOB_SIZE)
        made = []
        for company, moves in self.browse(ids).grouped("company_id").items():
            channel = self._l10n_in_einv_job_channel(company)
            if channel in busy or (channels is not None and channel not in channels):
                continue
            busy.add(channel)
            chunk = next(split_every(max(1, size), moves.ids))
            self._l10n_in_einv_job_function()
            gstin = channel.rsplit(".", 1)[1]
            self.browse(chunk).with_delay(
                channel=channel, identity_key=identity_key(gstin, chunk),
                description=_("E-invoice: send %(count)s invoice(s) of GSTIN %(gstin)s to the IRP",
                              count=len(chunk), gstin=gstin),
            )._l10n_in_einv_send_job(company.id)
            made.append((channel, list(chunk)))
        if made:
            _logger.info("E-invoice: enqueued %s", "; ".join(f"{len(ids)} on {ch}" for ch, ids in made))
        return made

    @api.model
    def _l10n_in_einv_busy_channels(self, ignore_job=None):
        """Channels with a job waiting or running. A job lost by its server goes back to
        pending, to run again on a live one (as queue_job itself does from 18.0.4 on):
        started a while ago and its lock free (its server died), or handed to a server that
        never started it. If it runs after all, the invoice locks keep it harmless."""
        jobs = self.env["queue.job"].sudo().search([
            ("model_name", "=", self._name), ("method_name", "=", JOB_METHOD),
            ("state", "in", ("wait_dependencies", "pending", "enqueued", "started"))])
        now = fields.Datetime.now()
        grace = fields.Datetime.subtract(now, seconds=STARTED_GRACE_SECONDS)
        stale = fields.Datetime.subtract(now, seconds=STALE_ENQUEUED_SECONDS)
        busy = set()
        for job in jobs:
            if job.uuid == ignore_job:
                continue
            busy.add(job.channel)
            if (job.state == "started" and job.date_started and job.date_started < grace
                    and self._l10n_in_einv_job_lock_free(job)) or (
                    job.state == "enqueued" and job.date_enqueued and job.date_enqueued < stale):
                self._l10n_in_einv_requeue_lost(job)
        return busy

    @api.model
    def _l10n_in_einv_job_lock_free(self, job):
        """Whether no live connection holds the lock a running job holds for its whole run."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [JOB_LOCK_NAMESPACE, job.id])
        if not cr.fetchone()[0]:
            return False
        cr.execute("SELECT pg_advisory_unlock(%s, %s)", [JOB_LOCK_NAMESPACE, job.id])
        return True

    @api.model
    def _l10n_in_einv_requeue_lost(self, job):
        from odoo.addons.queue_job.job import Job  # only reached with queue_job installed

        state = job.state
        stored = Job.load(self.env, job.uuid)
        stored.set_pending(reset_retry=False, result=_(
            "Lost by its server (%(state)s since %(since)s): run again; what it left in flight is looked up at "
            "the IRP before anything is sent again.", state=state, since=job.date_started or job.date_enqueued))
        stored.store()
        _logger.warning("E-invoice: job %s (%s) lost by its server; it runs again", job.uuid, state)

    @api.model
    def _l10n_in_einv_job_channel(self, company):
        """`root.l10n_in_einvoice.<GSTIN>` (created for the Job Queue's channel list).
        Companies sharing a GSTIN share its channel: the IRP limits a GSTIN."""
        channels = self.env["queue.job.channel"].sudo()
        parent = self._l10n_in_einv_job_channel_root()
        name = company.vat or f"company-{company.id}"
        channel = channels.search([("name", "=", name), ("parent_id", "=", parent.id)], limit=1)
        if not channel:
            channel = channels.create({"name": name, "parent_id": parent.id})
        return channel.complete_name

    @api.model
    def _l10n_in_einv_job_channel_root(self):
        channels = self.env["queue.job.channel"].sudo()
        root = self.env.ref("queue_job.channel_root").sudo()
        channel = channels.search([("name", "=", CHANNEL_ROOT), ("parent_id", "=", root.id)], limit=1)
        return channel or channels.create({"name": CHANNEL_ROOT, "parent_id": root.id})

    @api.model
    def _l10n_in_einv_job_function(self):
        """The job function, created on first use. Each invoice's outcome is committed on its
        own: queue_job from 18.0.2 allows that only to functions marked *Allow Commit* (run in
        a cursor of their own, so the job keeps its lock); earlier releases always allow it."""
        functions = self.env["queue.job.function"].sudo()
        name = functions.job_function_name(self._name, JOB_METHOD)
        function = functions.search([("name", "=", name)], limit=1)
        may_commit = {"allow_commit": True} if "allow_commit" in functions._fields else {}
        if not function:
            function = functions.create({
                "model_id": self.env["ir.model"]._get_id(self._name), "method": JOB_METHOD,
                "channel_id": self._l10n_in_einv_job_channel_root().id, **may_commit,
            })
        elif may_commit and not function.allow_commit:
            function.allow_commit = True
        return function

    # --- the job ------------------------------------------------------------------------

    def _l10n_in_einv_send_job(self, company_id=None):
        """One queue job: these invoices of one GSTIN, through the one entry point (locks,
        look-up first, the pool of parallel calls, the addon's retries). Invoices sent, held
        or rescheduled since they were enqueued are left alone. Ends by enqueuing the GSTIN's
        next chunk. An unexpected failure fails the job; the next scheduled run enqueues its
        invoices again (whatever their last sender left is looked up)."""
        moves = self.with_context(allowed_company_ids=[company_id]) if company_id else self
        job_uuid = self.env.context.get("job_uuid")
        cr = self.env.cr
        job_id = None
        if job_uuid:
            cr.execute("SELECT id, channel FROM queue_job WHERE uuid = %s", [job_uuid])
            job_id, channel = cr.fetchone()
            cr.execute("SELECT pg_advisory_lock(%s, %s)", [JOB_LOCK_NAMESPACE, job_id])
        try:
            due = moves.filtered_domain(self._l10n_in_einv_cron_domain(fields.Datetime.now()))
            report = due._l10n_in_einv_send(commit=True) if due else []
            if job_uuid:
                self.env.invalidate_all()
                # its own invoices wait for the scheduled action: one held by another sender
                # would otherwise come straight back
                self.sudo()._l10n_in_einv_enqueue(channels={channel}, ignore_job=job_uuid, exclude_ids=self.ids)
        finally:
            if job_id:  # a session lock outlives the transaction on a pooled connection
                try:
                    with cr.savepoint(flush=False):
                        cr.execute("SELECT pg_advisory_unlock(%s, %s)", [JOB_LOCK_NAMESPACE, job_id])
                except psycopg2.errors.InFailedSqlTransaction:
                    cr.rollback()  # failing already: its work is lost anyway, the lock must not be
                    cr.execute("SELECT pg_advisory_unlock(%s, %s)", [JOB_LOCK_NAMESPACE, job_id])
        return "; ".join(f"{name}: {outcome}" for name, outcome in report) or _("nothing to send any more")
