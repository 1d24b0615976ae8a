"""Sending as OCA queue_job jobs (models/account_move_queue.py).

Runs only in `scripts/test --queue-job`, in a database where queue_job is installed (the
tag keeps it out of the main run, which has no queue_job). The data is committed: the
job runners are real Odoo servers, processes of their own on this database.

Two servers start with queue_job server-wide, each with its job runner. queue_job lets one
runner per database dispatch at a time (a PostgreSQL advisory lock; the other retries every
5 seconds) and the runner dispatches over HTTP to the host and port it is given: in
production a load balancer in front of every server, here a small round-robin proxy. So both
servers execute jobs whichever runner dispatches, and when the dispatching server dies the
other's runner takes over, re-queues the jobs the dead one was running, and they finish
with one IRN per invoice (looked up, never sent blindly again).

One job per GSTIN waits or runs at a time; it sends with the GSTIN's pool of parallel calls
and, as it ends, enqueues the GSTIN's next chunk.
"""
import http.server
import itertools
import json
import logging
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import suppress

import odoo
from odoo import Command, SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from ..models.account_move_queue import JOB_METHOD, JOB_SIZE_PARAM, identity_key
from ..sandbox import master
from ..sandbox.testing import RunningSandbox
from .common import commit_seller

PARALLEL = 2
CHUNK = 3  # invoices per job here (50 by default): several jobs per GSTIN, one after the other
SELLERS = ((master.SELLER_KA, master.BUYER_KA, "base.state_in_ka"),
           (master.SELLER_MH, master.BUYER_MH, "base.state_in_mh"))
CHANNEL = "root.l10n_in_einvoice.%s"
_logger = logging.getLogger(__name__)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RoundRobinProxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """What a load balancer does for queue_job's runner: each GET to the next live server."""

    daemon_threads = True

    def __init__(self, backends):
        self.backends = backends
        self.turn = itertools.count()
        self.served = {port: 0 for port in backends}
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        proxy = self.server
        start = next(proxy.turn)
        body, status = b"no server answered", 502
        for offset in range(len(proxy.backends)):
            port = proxy.backends[(start + offset) % len(proxy.backends)]
            try:
                # the runner stops listening after 1 s; the job runs to its end regardless
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{self.path}", timeout=120) as reply:
                    body, status = reply.read(), reply.status
            except urllib.error.HTTPError as exc:
                body, status = exc.read(), exc.code
            except OSError:
                continue  # that server is down: the next one
            proxy.served[port] += 1
            break
        with suppress(OSError):  # the client went away: nobody to answer
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install", "l10n_in_einv_queue_job")
class TestEinvoiceQueueJob(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = RunningSandbox().start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.sellers = []
        for seller, buyer, state in SELLERS:
            company_id, partner_id, product_id, tax_id = commit_seller(
                cls.registry, cls.sandbox, seller, buyer, state, "Queue Job Co",
                l10n_in_einv_parallel_calls=PARALLEL)
            cls.sellers.append((seller["gstin"], company_id, partner_id, product_id, tax_id))
        with cls.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["ir.config_parameter"].set_param(JOB_SIZE_PARAM, CHUNK)
        cls.prices = itertools.count(700)

    # --- helpers ------------------------------------------------------------------------

    def _post_invoices(self, per_gstin):
        """Commit and post `per_gstin` invoices of each seller; returns {gstin: ids}."""
        made = {}
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for gstin, company_id, partner_id, product_id, tax_id in self.sellers:
                moves = env["account.move"].with_context(allowed_company_ids=[company_id]).create([{
                    "move_type": "out_invoice", "partner_id": partner_id, "company_id": company_id,
                    "invoice_date": fields.Date.context_today(env.user),
                    "invoice_line_ids": [Command.create({
                        "product_id": product_id, "quantity": 1, "price_unit": float(next(self.prices)),
                        "tax_ids": [Command.set([tax_id])]})],
                } for _index in range(per_gstin)])
                moves.action_post()  # mode "on posting": queued for the scheduled action
                made[gstin] = moves.ids
        return made

    def _run_cron(self):
        """The scheduled action as the cron worker runs it: its own cursor, committed."""
        result = {}

        def run():
            with self.registry.cursor() as cr:
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                result["made"] = env["account.move"]._cron_l10n_in_einv_send()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(60)
        return result["made"]

    def _jobs(self, cr=None):
        if cr is None:
            with self.registry.cursor() as cr:
                return self._jobs(cr)
        cr.execute("SELECT id, uuid, channel, identity_key, state, records, worker_pid, retry FROM queue_job "
                   "WHERE model_name = 'account.move' AND method_name = %s ORDER BY id", [JOB_METHOD])
        jobs = [dict(zip(("id", "uuid", "channel", "key", "state", "records", "pid", "retry"), row))
                for row in cr.fetchall()]
        for job in jobs:
            records = job["records"]
            job["ids"] = (json.loads(records) if isinstance(records, str) else records)["ids"]
        return jobs

    def _states(self, ids):
        with self.registry.cursor() as cr:
            cr.execute("SELECT id, l10n_in_einv_state FROM account_move WHERE id IN %s", [tuple(ids)])
            return dict(cr.fetchall())

    def _all_ids(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM account_move WHERE company_id IN %s AND state = 'posted'",
                       [tuple(seller[1] for seller in self.sellers)])
            return [row[0] for row in cr.fetchall()]

    # --- enqueuing ----------------------------------------------------------------------

    def test_1_the_scheduled_action_enqueues_per_gstin(self):
        self.assertTrue(self.env["account.move"]._l10n_in_einv_use_queue_job(), "queue_job is installed here")
        posted = self._post_invoices(5)
        made = self._run_cron()
        jobs = self._jobs()
        self.assertEqual(sorted(job["channel"] for job in jobs), sorted(CHANNEL % gstin for gstin in posted),
                         "one job per GSTIN, on its GSTIN's channel")
        for job in jobs:
            gstin = job["channel"].rsplit(".", 1)[1]
            self.assertEqual(job["state"], "pending")
            self.assertEqual(job["ids"], posted[gstin][:CHUNK], "the first chunk of the GSTIN's invoices")
            self.assertEqual(job["key"], identity_key(gstin, job["ids"]))
        self.assertEqual(sorted(made), sorted((job["channel"], job["ids"]) for job in jobs))
        with self.registry.cursor() as cr:
            cr.execute("SELECT complete_name FROM queue_job_channel WHERE complete_name LIKE %s",
                       ["root.l10n_in_einvoice%"])
            self.assertEqual(sorted(row[0] for row in cr.fetchall()),
                             sorted(["root.l10n_in_einvoice", *(CHANNEL % gstin for gstin in posted)]))
            cr.execute("SELECT channel FROM queue_job_function WHERE name = %s", [f"<account.move>.{JOB_METHOD}"])
            self.assertEqual(cr.fetchone(), ("root.l10n_in_einvoice",))

        # the scheduled action again (another server's cron, the list action), one more invoice
        # posted: nothing new while each GSTIN has its job waiting
        self._post_invoices(1)
        self.assertEqual(self._run_cron(), [])
        self.assertEqual(len(self._jobs()), 2)
        # queue_job's own guard: the same invoices are not enqueued twice
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            job = jobs[0]
            gstin = job["channel"].rsplit(".", 1)[1]
            env["account.move"].browse(job["ids"]).with_delay(
                channel=job["channel"], identity_key=identity_key(gstin, job["ids"]))._l10n_in_einv_send_job()
            self.assertEqual(len(self._jobs(cr)), 2)
            cr.rollback()
        self.assertEqual(set(self._states([i for ids in posted.values() for i in ids]).values()), {"to_send"},
                         "enqueuing sends nothing")

    # --- two servers run the jobs ---------------------------------------------------------

    def _server(self, port, proxy_port, name):
        odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
        args = [sys.executable, odoo_bin, "-d", self.env.cr.dbname, "--db-filter", f"^{self.env.cr.dbname}$",
                "--http-interface=127.0.0.1", f"--http-port={port}", f"--gevent-port={_free_port()}",
                "--workers=0", "--max-cron-threads=0", "--load=base,web,queue_job", "--log-level=info",
                f"--addons-path={config['addons_path']}", f"--data-dir={config['data_dir']}"]
        for option in ("db_host", "db_port", "db_user", "db_password"):
            if config.get(option):
                args.append(f"--{option}={config[option]}")
        env = dict(os.environ, ODOO_QUEUE_JOB_HOST="127.0.0.1", ODOO_QUEUE_JOB_PORT=str(proxy_port),
                   ODOO_QUEUE_JOB_CHANNELS="root:4")
        path = os.path.join(config["data_dir"], f"queue-job-{self.env.cr.dbname}-{name}.log")
        log = open(path, "w")  # noqa: SIM115
        self.addCleanup(log.close)
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)

        def stop():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        self.addCleanup(stop)
        return process, path

    @staticmethod
    def _log(path):
        with open(path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def _wait(self, what, condition, timeout, every=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if every:
                every()
            time.sleep(0.25 if not every else 2)
        self.fail(f"timed out after {timeout} s waiting for {what}")

    def _all_done(self, move_ids, expected_irns):
        jobs = self._jobs()
        states = self._states(move_ids)
        return (all(job["state"] == "done" for job in jobs)
                and set(states.values()) == {"generated"}
                and all(self.sandbox.count_irns(gstin) == count for gstin, count in expected_irns.items())
                and jobs)

    def _expected(self, all_ids):
        with self.registry.cursor() as cr:
            cr.execute("SELECT p.vat, count(*) FROM account_move m JOIN res_company c ON c.id = m.company_id "
                       "JOIN res_partner p ON p.id = c.partner_id WHERE m.id IN %s GROUP BY p.vat", [tuple(all_ids)])
            return dict(cr.fetchall())

    def test_2_two_servers_run_the_jobs(self):
        started = time.monotonic()
        ports = [_free_port(), _free_port()]
        proxy = RoundRobinProxy(ports)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        self.addCleanup(proxy.server_close)
        self.addCleanup(proxy.shutdown)
        servers = [self._server(port, proxy.server_address[1], f"server{index}") for index, port in
                   enumerate(ports, 1)]
        # what test_1 enqueued, then fresh work for both GSTINs: each job enqueues the next chunk
        self.sandbox.set_faults([{"kind": "latency", "ms": 300, "endpoint": "generate_irn"}])
        self._post_invoices(6)
        self._run_cron()
        all_ids = self._all_ids()
        expected = self._expected(all_ids)
        done = self._wait("every job done by the two servers", lambda: self._all_done(all_ids, expected), 90)

        pids = {process.pid for process, _path in servers}
        self.assertEqual({job["pid"] for job in done}, pids, f"both servers ran jobs (proxy: {proxy.served})")
        for job in done:
            self.assertLessEqual(len(job["ids"]), CHUNK)
            self.assertEqual(job["key"], identity_key(job["channel"].rsplit(".", 1)[1], job["ids"]))
        self.assertEqual(sorted(i for job in done for i in job["ids"]), sorted(all_ids),
                         "every invoice in exactly one job")
        masters = [(process, path) for process, path in servers
                   if "queue job runner ready for db" in self._log(path)]
        self.assertEqual(len(masters), 1, "one job runner dispatches for the database at a time")
        for gstin, count in expected.items():
            self.assertEqual(self.sandbox.count_irns(gstin), count, f"one IRN per invoice of {gstin}")
        first_phase = time.monotonic() - started

        # the dispatching server dies in the middle of the work: the other one takes over
        (dead, _dead_log), = masters
        survivor, survivor_log = next(server for server in servers if server[0] is not dead)
        self.sandbox.set_faults([{"kind": "latency", "ms": 800, "endpoint": "generate_irn"}])
        before = {gstin: self.sandbox.count_irns(gstin) for gstin in expected}
        batch = self._post_invoices(6)
        self._run_cron()
        self._wait("some of the batch registered", lambda: sum(
            self.sandbox.count_irns(gstin) - before[gstin] for gstin in before) >= 2, 60)
        dead.send_signal(signal.SIGKILL)
        dead.wait(10)
        batch_ids = [i for ids in batch.values() for i in ids]
        killed_jobs = {job["id"] for job in self._jobs() if job["state"] == "started" and job["pid"] == dead.pid}
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM account_move WHERE id IN %s AND l10n_in_einv_in_flight_since IS NOT NULL",
                       [tuple(batch_ids)])
            left_in_flight = [row[0] for row in cr.fetchall()]
        all_ids += batch_ids
        expected = self._expected(all_ids)
        # the scheduled action keeps running meanwhile (every 5 minutes, or woken): it finds the
        # dead server's job (its lock is free) and puts it back to pending
        done = self._wait("the surviving server finishing the batch", lambda: self._all_done(all_ids, expected),
                          90, every=self._run_cron)
        self.assertIn("queue job runner ready for db", self._log(survivor_log), "the survivor's runner took over")
        for gstin, count in expected.items():
            self.assertEqual(self.sandbox.count_irns(gstin), count, f"one IRN per invoice of {gstin}")
        # a job the dead server was running went back to pending and ran again on the survivor
        lost = [job for job in done if job["id"] in killed_jobs]
        self.assertEqual({job["pid"] for job in lost}, {survivor.pid} if lost else set(), lost)
        self.assertEqual(sorted(i for job in done for i in job["ids"]), sorted(all_ids),
                         "every invoice in exactly one job, lost ones included")
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM account_move WHERE id IN %s AND (l10n_in_einv_in_flight_since IS NOT NULL "
                       "OR l10n_in_einv_outcome_unknown)", [tuple(all_ids)])
            self.assertEqual(cr.fetchone()[0], 0, "nothing left in flight")
            lookups = 0
            if left_in_flight:
                cr.execute("SELECT count(*) FROM l10n_in_einvoice_api_log WHERE move_id IN %s AND endpoint = "
                           "'get_irn_by_doc'", [tuple(left_in_flight)])
                lookups = cr.fetchone()[0]
        if left_in_flight:
            self.assertGreater(lookups, 0, "what the dead server left in flight was looked up, not resent")
        _logger.info("queue_job: first phase %.1f s, in all %.1f s; jobs %s; run again %s; left in flight %s; "
                     "proxy %s",
                     first_phase, time.monotonic() - started, len(done), len(lost), len(left_in_flight),
                     proxy.served)
        self.assertLess(time.monotonic() - started, 170)
