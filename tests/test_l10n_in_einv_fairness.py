"""Fairness of the scheduled action across companies (each with its own GSTIN and
credential): one GSTIN's backlog never holds another's invoices back beyond its share of
a run, and a paused GSTIN's invoices are left out of the run without being loaded."""
import itertools
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

from ..sandbox import master
from ..sandbox.testing import RunningSandbox
from ..tools import write_guard
from .common import commit_seller

BACKLOG = 24


@tagged("post_install", "-at_install")
class TestEinvoiceFairness(TransactionCase):
    """Two companies on the sandbox's two sellers. Their set-up is committed (commit_seller);
    the invoices are not: they live in the test's transaction only, so no other test's
    scheduled action ever finds them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = RunningSandbox().start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.sellers = {}
        for key, seller, buyer, state in (("ka", master.SELLER_KA, master.BUYER_KA, "base.state_in_ka"),
                                          ("mh", master.SELLER_MH, master.BUYER_MH, "base.state_in_mh")):
            cls.sellers[key] = commit_seller(cls.registry, cls.sandbox, seller, buyer, state, f"Fairness {key.upper()}")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[
            company_id for company_id, *_rest in cls.sellers.values()]))
        cls.cron = cls.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")

    _series = itertools.count(1)

    def setUp(self):
        super().setUp()
        # the sandbox outlives each test's rollback: every test numbers its documents in a
        # series of its own, and the two companies' numbers differ (the report is by name)
        series = next(self._series)
        for key, (company_id, *_rest) in self.sellers.items():
            self.env["account.journal"].search([("company_id", "=", company_id), ("type", "=", "sale")],
                                               limit=1).code = f"{key[0].upper()}{series:02d}"

    def _invoices(self, key, count):
        company_id, partner_id, product_id, tax_id = self.sellers[key]
        moves = self.env["account.move"].with_company(company_id).create([{
            "move_type": "out_invoice", "partner_id": partner_id, "company_id": company_id,
            "invoice_date": fields.Date.context_today(self.env.user),
            "invoice_line_ids": [Command.create({
                "product_id": product_id, "quantity": 1, "price_unit": 1000.0 + index,
                "tax_ids": [Command.set([tax_id])]})],
        } for index in range(count)])
        moves.action_post()
        with write_guard.trusted():
            moves.write({"l10n_in_einv_queued": True})
        return moves

    def _credential(self, key):
        return self.env["res.company"].browse(self.sellers[key][0])._l10n_in_einv_credential()

    def test_a_backlog_does_not_hold_another_gstin_back(self):
        backlog = self._invoices("ka", BACKLOG)  # older: first in line by date and id
        few = self._invoices("mh", 3)
        picked = self.env["account.move"]._l10n_in_einv_cron_pick(
            self.env["account.move"]._l10n_in_einv_cron_domain(fields.Datetime.now()), 10)
        self.assertEqual(picked[:6], [backlog[0].id, few[0].id, backlog[1].id, few[1].id, backlog[2].id, few[2].id],
                         "the companies take turns, each oldest first")
        report = dict(self.env["account.move"]._cron_l10n_in_einv_send(batch_size=4, limit=10))
        self.assertEqual(set(few.mapped("l10n_in_einv_state")), {"generated"},
                         "the small queue is sent in the first run, beside the backlog")
        self.assertEqual(len(backlog.filtered(lambda m: m.l10n_in_einv_state == "generated")), 7,
                         "the backlog gets the rest of the run")
        self.assertEqual(len(report), 10)
        rest = dict(self.env["account.move"]._cron_l10n_in_einv_send(limit=None))
        self.assertEqual(len(rest), BACKLOG - 7)
        self.assertEqual(set(backlog.mapped("l10n_in_einv_state")), {"generated"})

    def test_a_paused_gstin_is_left_out_without_being_prepared(self):
        paused = self._invoices("ka", 5)
        others = self._invoices("mh", 4)
        until = fields.Datetime.now() + timedelta(minutes=10)
        with write_guard.trusted():
            self._credential("ka").write({"paused_until": until, "pause_reason": "rate_limited",
                                          "pause_detail": "429"})
        Move = type(self.env["account.move"])
        prepared = []
        original = Move._l10n_in_einv_prepare

        def spy(move, *args, **kwargs):
            prepared.append(move.id)
            return original(move, *args, **kwargs)

        with patch.object(Move, "_l10n_in_einv_prepare", spy):
            report = dict(self.env["account.move"]._cron_l10n_in_einv_send(batch_size=3))
        self.assertEqual(set(others.mapped("l10n_in_einv_state")), {"generated"})
        self.assertFalse(set(prepared) & set(paused.ids), "the paused GSTIN's invoices are not even prepared")
        self.assertEqual(set(report), set(others.mapped("name")))
        self.assertEqual(set(paused.mapped("l10n_in_einv_state")), {"to_send"})
        self.assertFalse(paused.l10n_in_einv_api_log_ids or any(paused.mapped("l10n_in_einv_attempts")))
        wake = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
        self.assertTrue(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id),
                                                                   ("call_at", "=", wake)]),
                        "the action comes back when the pause ends")
        # the pause over, they go
        with write_guard.trusted():
            self._credential("ka").write({"paused_until": False, "pause_reason": False, "pause_detail": False})
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertEqual(set(paused.mapped("l10n_in_einv_state")), {"generated"})
