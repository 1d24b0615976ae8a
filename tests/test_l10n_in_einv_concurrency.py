import threading
import time

from odoo import Command, SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged

from ..sandbox import master
from ..sandbox.testing import RunningSandbox
from .common import commit_seller


@tagged("post_install", "-at_install")
class TestEinvoiceConcurrentSenders(TransactionCase):
    """Two workers with their own database connections send the same invoice.

    This needs committed data (a second connection cannot see the test's
    transaction), so the set-up commits a company of its own in the throw-away
    test database; nothing else uses it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = RunningSandbox().start()
        cls.addClassCleanup(cls.sandbox.stop)
        seller = master.SELLER_MH
        company_id, partner_id, product_id, tax_id = commit_seller(
            cls.registry, cls.sandbox, seller, master.BUYER_MH, "base.state_in_mh", "Concurrency Test Co")
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
            cls.move_ids = []
            for _index in range(3):
                move = env["account.move"].with_company(company_id).create({
                    "move_type": "out_invoice", "partner_id": partner_id, "company_id": company_id,
                    "invoice_date": fields.Date.context_today(env.user),
                    "invoice_line_ids": [Command.create({
                        "product_id": product_id, "quantity": 2, "price_unit": 5000.0,
                        "tax_ids": [Command.set([tax_id])]})],
                })
                move.action_post()
                cls.move_ids.append(move.id)
            cls.company_id, cls.gstin = company_id, seller["gstin"]

    def _race(self, move_id, commit, senders=("first", "second")):
        """Start the senders 0.3 s apart while the IRP takes 1.5 s to answer."""
        self.sandbox.set_faults([{"kind": "latency", "ms": 1500, "endpoint": "generate_irn"}])
        reports = {}

        def sender(name):
            with self.registry.cursor() as cr:
                # bind the registry directly: Registry(dbname) would wait for the lock the
                # test runner holds for the whole run
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [self.company_id]})
                reports[name] = env["account.move"].browse(move_id)._l10n_in_einv_send(commit=commit)

        threads = [threading.Thread(target=sender, args=(name,)) for name in senders]
        for thread in threads:
            thread.start()
            time.sleep(0.3)
        for thread in threads:
            thread.join(30)
        self.sandbox.clear_faults()
        with self.registry.cursor() as cr:
            cr.execute("SELECT l10n_in_einv_state, l10n_in_einv_irn FROM account_move WHERE id = %s", [move_id])
            return reports, cr.fetchone()

    def test_double_click_sends_once(self):
        before = self.sandbox.count_irns(self.gstin)
        reports, (state, irn) = self._race(self.move_ids[0], commit=False)
        self.assertEqual(state, "generated")
        self.assertTrue(irn)
        self.assertEqual(self.sandbox.count_irns(self.gstin), before + 1)
        outcomes = [report[0][1] for report in reports.values()]
        self.assertEqual(sorted("another user" in outcome for outcome in outcomes), [False, True], outcomes)

    def test_two_cron_workers_send_once(self):
        before = self.sandbox.count_irns(self.gstin)
        reports, (state, irn) = self._race(self.move_ids[1], commit=True)
        self.assertEqual(state, "generated")
        self.assertEqual(self.sandbox.count_irns(self.gstin), before + 1)
        outcomes = [report[0][1] for report in reports.values()]
        self.assertEqual(sorted("another user" in outcome for outcome in outcomes), [False, True],
                         "one worker sends, the other skips the invoice in flight")

    def test_three_workers_send_once(self):
        before = self.sandbox.count_irns(self.gstin)
        reports, (state, irn) = self._race(self.move_ids[2], commit=True, senders=("first", "second", "third"))
        self.assertEqual(state, "generated")
        self.assertEqual(self.sandbox.count_irns(self.gstin), before + 1)
        outcomes = [report[0][1] for report in reports.values()]
        self.assertEqual(sorted("another user" in outcome for outcome in outcomes), [False, True, True], outcomes)
