"""A worker killed (SIGKILL) in the middle of a bulk run: a real second Odoo process
sends a batch, is killed after some IRNs were registered, and the next run finishes
the batch with exactly one IRN per invoice and nothing left in flight."""
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import odoo
from odoo import Command, SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from ..sandbox import master
from ..sandbox.testing import RunningSandbox
from .common import commit_seller

BATCH = 6


@tagged("post_install", "-at_install")
class TestEinvoiceWorkerKilled(TransactionCase):
    """Needs committed data (another process reads it), so the set-up commits a
    company of its own in the throw-away test database; nothing else uses it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = RunningSandbox().start()
        cls.addClassCleanup(cls.sandbox.stop)
        seller = master.SELLER_MH
        company_id, partner_id, product_id, tax_id = commit_seller(
            cls.registry, cls.sandbox, seller, master.BUYER_MH, "base.state_in_mh", "Kill Test Co",
            l10n_in_einv_parallel_calls=1)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
            moves = env["account.move"].with_company(company_id).create([{
                "move_type": "out_invoice", "partner_id": partner_id, "company_id": company_id,
                "invoice_date": fields.Date.context_today(env.user),
                "invoice_line_ids": [Command.create({
                    "product_id": product_id, "quantity": 1, "price_unit": 900.0 + index,
                    "tax_ids": [Command.set([tax_id])]})],
            } for index in range(BATCH)])
            moves.action_post()
            cls.move_ids, cls.company_id, cls.gstin = moves.ids, company_id, seller["gstin"]

    def _worker(self):
        """A second Odoo process running the scheduled action on this database."""
        odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
        args = [sys.executable, odoo_bin, "shell", "-d", self.env.cr.dbname, "--no-http",
                "--max-cron-threads=0", "--log-level=warn", f"--addons-path={config['addons_path']}",
                f"--data-dir={config['data_dir']}"]
        for option in ("db_host", "db_port", "db_user", "db_password"):
            if config.get(option):
                args.append(f"--{option}={config[option]}")
        script = (f"print(env['account.move'].with_context(allowed_company_ids=[{self.company_id}])"
                  f".browse({self.move_ids})._l10n_in_einv_send(commit=True), flush=True)\n")
        log = open(os.path.join(config["data_dir"], "kill-test-worker.log"), "w")  # noqa: SIM115
        self.addCleanup(log.close)
        return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                                text=True), script

    def _irns_at_sandbox(self):
        with sqlite3.connect(f"file:{self.sandbox.db_path}?mode=ro", uri=True) as db:
            return dict(db.execute("SELECT doc_no, irn FROM invoices WHERE seller_gstin = ?", (self.gstin,)))

    def test_killed_mid_batch_then_the_next_run_finishes_it(self):
        # slow replies, so that the kill lands between a registration and its storage
        self.sandbox.set_faults([{"kind": "latency", "ms": 800, "endpoint": "generate_irn"}])
        process, script = self._worker()
        process.stdin.write(script)
        process.stdin.close()  # the shell runs what it read once its input ends
        deadline = time.monotonic() + 120
        while len(self._irns_at_sandbox()) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        time.sleep(0.4)  # mid-call of the next one
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        registered_by_the_dead = len(self._irns_at_sandbox())
        self.assertTrue(2 <= registered_by_the_dead < BATCH,
                        f"killed in the middle of the batch ({registered_by_the_dead} registered)")
        self.sandbox.clear_faults()

        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM account_move WHERE id IN %s AND l10n_in_einv_in_flight_since IS NOT NULL",
                       [tuple(self.move_ids)])
            self.assertGreater(cr.fetchone()[0], 0, "the dead worker left invoices marked in flight")

        report = {}

        def next_run():  # a worker of its own, committing like the scheduled action
            with self.registry.cursor() as cr:
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [self.company_id]})
                report["lines"] = env["account.move"]._cron_l10n_in_einv_send()

        thread = threading.Thread(target=next_run)
        thread.start()
        thread.join(120)

        at_sandbox = self._irns_at_sandbox()
        self.assertEqual(len(at_sandbox), BATCH, report)
        with self.registry.cursor() as cr:
            cr.execute("SELECT name, l10n_in_einv_state, l10n_in_einv_irn, l10n_in_einv_in_flight_since, "
                       "l10n_in_einv_outcome_unknown FROM account_move WHERE id IN %s", [tuple(self.move_ids)])
            rows = cr.fetchall()
            cr.execute("SELECT count(*) FROM l10n_in_einvoice_api_log WHERE move_id IN %s AND endpoint = "
                       "'get_irn_by_doc'", [tuple(self.move_ids)])
            lookups = cr.fetchone()[0]
        for name, state, irn, in_flight, unknown in rows:
            self.assertEqual(state, "generated", name)
            self.assertEqual(irn, at_sandbox[name], "the IRN in Odoo is the one the IRP holds")
            self.assertFalse(in_flight or unknown, name)
        self.assertGreater(lookups, 0, "what the dead worker left in flight was looked up, not resent")
