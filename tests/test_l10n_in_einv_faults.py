"""The fault matrix inside Odoo: for every fault the sandbox can inject, invoices end
with exactly one IRN each at the IRP (counted in the sandbox's store) and the same
IRN in Odoo, or a clear error; none is left in flight. Plus the cases an outside
check found (issue 6): long-lost replies, 429 with a long Retry-After, unusable
credentials, a URL that is not the IRP."""
import http.server
import sqlite3
import threading
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..tools import write_guard
from .common import L10nInEinvoiceCommon

# (fault, endpoint): every kind the sandbox injects, on the calls a registration makes
MATRIX = [
    ({"kind": "latency", "ms": 300}, "generate_irn"),
    ({"kind": "http_error", "status": 500}, "generate_irn"),
    ({"kind": "http_error", "status": 502, "commit": True}, "generate_irn"),
    ({"kind": "http_error", "status": 503}, "generate_irn"),
    ({"kind": "http_error", "status": 504, "commit": True}, "generate_irn"),
    ({"kind": "rate_limit", "retry_after": 30}, "generate_irn"),
    ({"kind": "hang", "seconds": 3}, "generate_irn"),
    ({"kind": "hang", "seconds": 3, "commit": True}, "generate_irn"),
    ({"kind": "drop_after_commit"}, "generate_irn"),
    ({"kind": "corrupt_data"}, "generate_irn"),
    ({"kind": "http_error", "status": 502}, "get_irn_by_doc"),
    ({"kind": "corrupt_data"}, "get_irn_by_doc"),
    ({"kind": "http_error", "status": 503}, "auth"),
    ({"kind": "drop_after_commit"}, "auth"),
    ({"kind": "rate_limit", "retry_after": 5}, "auth"),
]


class _NotTheIrp(http.server.BaseHTTPRequestHandler):
    """A web server at the configured URL that is not the IRP: its HTML 404 page for everything."""

    def do_GET(self):
        self.send_error(404)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestEinvoiceFaultMatrix(L10nInEinvoiceCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.credential.write({"read_timeout": 2})

    # --- helpers --------------------------------------------------------------------------

    def _irns_at_sandbox(self, move):
        """IRNs the sandbox's store holds for this document number."""
        with sqlite3.connect(f"file:{self.sandbox.db_path}?mode=ro", uri=True) as db:
            return [row[0] for row in db.execute(
                "SELECT irn FROM invoices WHERE seller_gstin = ? AND doc_no = ?", (self.company.vat, move.name))]

    def _time_passes(self):
        """What the scheduled action would find later: every retry and pause is due."""
        with write_guard.trusted():
            self.credential.sudo().write({"paused_until": False, "pause_reason": False, "pause_detail": False})
            waiting = self.env["account.move"].search([("l10n_in_einv_state", "=", "retry")])
            waiting.write({"l10n_in_einv_next_attempt": fields.Datetime.now() - timedelta(seconds=1)})

    def _settle(self, moves, rounds=8):
        for _round in range(rounds):
            self._time_passes()
            self.env["account.move"]._cron_l10n_in_einv_send()
            if not moves.filtered(lambda m: m.l10n_in_einv_state in ("to_send", "retry")):
                return
        self.fail("not settled: %s" % moves.mapped(lambda m: (m.name, m.l10n_in_einv_state, m.l10n_in_einv_error)))

    def assertOneIrnEach(self, moves):
        for move in moves:
            self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
            self.assertEqual(self._irns_at_sandbox(move), [move.l10n_in_einv_irn], move.name)
            self.assertFalse(move.l10n_in_einv_in_flight_since or move.l10n_in_einv_outcome_unknown)

    def _invoices(self, count, price=1000.0):
        return self.env["account.move"].browse([
            self._invoice(self.partner_intra, [(self.product_laptop, 1, price + index)]).id
            for index in range(count)])

    # --- the matrix -------------------------------------------------------------------------

    def test_every_fault_ends_with_one_irn_each(self):
        for fault, endpoint in MATRIX:
            for times in (1, None):
                with self.subTest(fault=fault, endpoint=endpoint, times=times):
                    self.credential.action_clear_session()
                    moves = self._invoices(3)
                    self.sandbox.set_faults([dict(fault, endpoint=endpoint, times=times)])
                    for _round in range(2 if times is None else 1):  # a fault that lasts several runs
                        self._time_passes()
                        self.env["account.move"]._cron_l10n_in_einv_send()
                    self.assertFalse(moves.filtered(lambda m: m.l10n_in_einv_state == "error"),
                                     "a fault is never the invoice's error")
                    self.sandbox.clear_faults()
                    self._settle(moves)
                    self.assertOneIrnEach(moves)

    def test_replies_lost_longer_than_any_retry_budget_end_with_every_irn(self):
        """Case 1: the IRP commits every IRN, no reply and no look-up gets through for many runs."""
        moves = self._invoices(3, 2000.0)
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn"},
                                 {"kind": "http_error", "status": 502, "endpoint": "get_irn_by_doc"}])
        for _round in range(12):
            self._time_passes()
            self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertEqual(set(moves.mapped("l10n_in_einv_state")), {"retry"}, "never given up")
        self.assertTrue(all(moves.mapped("l10n_in_einv_outcome_unknown")))
        for move in moves:
            self.assertLessEqual(move.l10n_in_einv_next_attempt, fields.Datetime.now() + timedelta(minutes=31),
                                 "a document that may hold an IRN is looked up at least every 30 minutes")
            self.assertEqual(move.activity_ids.filtered(
                lambda a: a.summary == move._l10n_in_einv_unknown_summary()).mapped("date_deadline"),
                [], "no alarm yet: the windows are far")
        self.sandbox.clear_faults()
        self._settle(moves)
        self.assertOneIrnEach(moves)
        for move in moves:
            self.assertEqual(move.l10n_in_einv_api_log_ids.mapped("endpoint").count("generate_irn"), 1,
                             "looked up, never resent")

    def test_unknown_for_hours_warns_a_person_before_the_windows_close(self):
        move = self._invoices(1, 2100.0)
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn"},
                                 {"kind": "http_error", "status": 502, "endpoint": "get_irn_by_doc"}])
        self._generate(move)
        with write_guard.trusted():
            move.sudo().l10n_in_einv_unknown_since = fields.Datetime.now() - timedelta(hours=5)
        self._time_passes()
        self.env["account.move"]._cron_l10n_in_einv_send()
        activity = move.activity_ids.filtered(lambda a: a.summary == move._l10n_in_einv_unknown_summary())
        self.assertTrue(activity, "a person is told while the IRN can still be cancelled")
        self.assertEqual(activity.date_deadline, (move.l10n_in_einv_unknown_since + timedelta(hours=24)).date())
        self.assertIn("IST", activity.note)

    def test_rate_limit_pauses_the_gstin_and_everything_comes_back_together(self):
        """Case 4: a 429 with Retry-After 600 s holds every invoice of the GSTIN 600 s, not 300."""
        self.company.l10n_in_einv_parallel_calls = 1
        moves = self._invoices(4, 3000.0)
        self.sandbox.set_faults([{"kind": "rate_limit", "retry_after": 600, "endpoint": "generate_irn",
                                  "times": 1}])
        before = fields.Datetime.now()
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertEqual(set(moves.mapped("l10n_in_einv_state")), {"retry"})
        self.assertEqual(len(set(moves.mapped("l10n_in_einv_next_attempt"))), 1, "one time for all")
        self.assertGreaterEqual(moves[0].l10n_in_einv_next_attempt, before + timedelta(seconds=595))
        self.assertEqual(self.credential.pause_reason, "rate_limited")
        self.assertEqual(self.credential.paused_until, moves[0].l10n_in_einv_next_attempt)
        calls = self.env["l10n_in.einvoice.api.log"].search_count([("endpoint", "=", "generate_irn"),
                                                                    ("move_id", "in", moves.ids)])
        self.assertEqual(calls, 1, "the other invoices were not even tried")
        self.assertIn("paused", moves[0].l10n_in_einv_credential_notice)
        # another worker's button respects the stored pause without calling the IRP
        self._generate(moves[1])
        self.assertEqual(self.env["l10n_in.einvoice.api.log"].search_count(
            [("endpoint", "=", "generate_irn"), ("move_id", "in", moves.ids)]), 1)
        self._settle(moves)
        self.assertOneIrnEach(moves)

    # --- credentials that fail ----------------------------------------------------------------

    def test_unusable_keys_are_refused_when_saved(self):
        """Cases 3 and 5: garbage keys and insane timeouts never reach a run."""
        for vals in ({"signing_certificate": "garbage"},
                     {"signing_certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"},
                     {"encryption_public_key": "not a key"},
                     {"read_timeout": -5}, {"connect_timeout": 0}, {"read_timeout": 3600},
                     {"environment": "gsp", "base_url": "https://irp.example.com/path?x=1"},
                     {"environment": "gsp", "base_url": "http://irp.example.com"},
                     {"environment": "gsp", "base_url": "ftp://irp.example.com"}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    self.credential.write(vals)

    def test_stored_garbage_key_never_raises_at_the_user(self):
        """Case 3: keys stored before the check (or broken in the database) pause the GSTIN with the
        reason, the button answers with it, the scheduled action does not raise."""
        self.env.cr.execute("UPDATE l10n_in_einvoice_credential SET signing_certificate = 'garbage' WHERE id = %s",
                            [self.credential.id])
        self.credential.invalidate_recordset()
        move = self._invoices(1, 4000.0)
        result = move.action_l10n_in_einv_generate()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("signing certificate", result["params"]["message"])
        self.assertEqual(move.l10n_in_einv_state, "retry", "the invoice is not in error: the credential is")
        self.assertTrue(self.credential.attention)
        self.assertIn("need attention", move.l10n_in_einv_credential_notice)
        self.assertIsInstance(self.env["account.move"]._cron_l10n_in_einv_send(), list)
        with self.assertRaises(UserError):  # a clear message, not an IrpError traceback
            self.credential.action_test_connection()

    def test_a_url_that_is_not_the_irp_pauses_and_resumes_once_fixed(self):
        """Case 7: a base URL answering 404 HTML: the invoice waits for the credential, then goes."""
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotTheIrp)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        good_url = self.credential.base_url
        self.credential.write({"base_url": f"http://127.0.0.1:{server.server_address[1]}"})
        move = self._invoices(1, 5000.0)
        self._generate(move)
        self.assertEqual(move.l10n_in_einv_state, "retry")
        self.assertEqual(self.credential.pause_reason, "configuration")
        self.assertIn("404", self.credential.attention)
        self.assertIn("404", move.l10n_in_einv_error)
        self.assertTrue(move.activity_ids, "someone is told to fix the credentials")
        self.credential.write({"base_url": good_url})
        self.assertFalse(self.credential.attention or self.credential.paused_until, "saving lifts the pause")
        self.assertLessEqual(move.l10n_in_einv_next_attempt, fields.Datetime.now(), "sent at the next run")
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertOneIrnEach(move)
