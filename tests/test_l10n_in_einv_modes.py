"""Sending modes, hold, the list action's queue, the cancelled-IRN way forward and the
feedback of the buttons, against the sandbox over real HTTP."""
from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import L10nInEinvoiceCommon


@tagged("post_install", "-at_install")
class TestEinvoiceSendingModes(L10nInEinvoiceCommon):

    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def _run_cron(self):
        return dict(self.env["account.move"]._cron_l10n_in_einv_send())

    def test_manual_mode_sends_only_when_asked(self):
        self.company.l10n_in_einv_sending_mode = "manual"
        triggers = self._triggers()
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7000.0)])
        self.assertEqual((move.l10n_in_einv_state, move.l10n_in_einv_queued), ("to_send", False))
        self.assertEqual(self._triggers(), triggers, "posting wakes nothing up")
        self.assertNotIn(move.name, self._run_cron(), "the scheduled action leaves it alone")
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        result = move.action_l10n_in_einv_generate()
        self.assertEqual(move.l10n_in_einv_state, "generated")
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"},
                         "the form reloads the record acted on, it never opens another")

    def test_scheduled_mode_queues_without_waking_the_action(self):
        self.company.l10n_in_einv_sending_mode = "scheduled"
        triggers = self._triggers()
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7100.0)])
        self.assertTrue(move.l10n_in_einv_queued)
        self.assertEqual(self._triggers(), triggers, "it waits for the next scheduled run")
        self.assertEqual(self._run_cron()[move.name], "generated")

    def test_list_action_queues_many_and_wakes_the_scheduled_action(self):
        self.company.l10n_in_einv_sending_mode = "manual"
        moves = self.env["account.move"].browse(
            [self._invoice(self.partner_intra, [(self.product_laptop, 1, 7200.0 + i)]).id for i in range(3)])
        held = moves[2]
        held.action_l10n_in_einv_hold()
        b2c = self._invoice(self.partner_unregistered, [(self.product_laptop, 1, 7300.0)])
        triggers, registered = self._triggers(), self.sandbox.count_irns(self.company.vat)
        result = (moves | b2c)._l10n_in_einv_bulk_generate()
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered, "nothing is sent inside the request")
        self.assertEqual(self._triggers(), triggers + 1)
        message = result["params"]["message"]
        self.assertIn(held.name, message)
        self.assertIn(b2c.name, message)
        self.assertEqual(result["params"]["next"]["domain"], [("id", "in", (moves | b2c).ids)],
                         "the user follows each invoice's outcome in the queue")
        report = self._run_cron()
        self.assertEqual([report.get(m.name) for m in moves[:2]], ["generated", "generated"])
        self.assertNotIn(held.name, report)
        self.assertEqual(held.l10n_in_einv_state, "to_send")

    def test_hold_and_release(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7400.0)], post=False)
        move.action_post()
        move.action_l10n_in_einv_hold()
        self.assertTrue(move.l10n_in_einv_hold)
        self.assertNotIn(move.name, self._run_cron())
        self.assertIn("Held back", move.message_ids[0].body)
        move.action_l10n_in_einv_release()
        self.assertFalse(move.l10n_in_einv_hold)
        self.assertEqual(self._run_cron()[move.name], "generated")
        with self.assertRaisesRegex(UserError, "waiting for an IRN"):
            move.action_l10n_in_einv_hold()

    def test_generate_on_a_held_invoice_releases_and_sends_it(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7500.0)])
        move.action_l10n_in_einv_hold()
        move.action_l10n_in_einv_generate()
        self.assertEqual(move.l10n_in_einv_state, "generated")
        self.assertFalse(move.l10n_in_einv_hold)

    def test_an_invoice_that_may_hold_an_irn_cannot_be_held(self):
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn", "times": 1}, {"kind": "http_error", "status": 503, "endpoint": "get_irn_by_doc"}])
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 7600.0)]))
        self.assertTrue(move.l10n_in_einv_outcome_unknown, move.l10n_in_einv_error)
        with self.assertRaisesRegex(UserError, "looked up"):
            move.action_l10n_in_einv_hold()

    def test_retry_wakes_the_scheduled_action_when_it_promised(self):
        self.sandbox.set_faults([{"kind": "http_error", "status": 500, "endpoint": "generate_irn", "times": 1}])
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 7700.0)]))
        self.assertEqual(move.l10n_in_einv_state, "retry", move.l10n_in_einv_error)
        due = move.l10n_in_einv_next_attempt
        calls = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).mapped("call_at")
        self.assertTrue(any(due <= call_at <= due + timedelta(minutes=1) for call_at in calls),
                        f"a trigger at the next attempt {due} (triggers: {calls})")

    def test_cron_reports_progress_and_comes_back_for_the_rest(self):
        moves = self.env["account.move"].browse(
            [self._invoice(self.partner_intra, [(self.product_laptop, 1, 7800.0 + i)]).id for i in range(3)])
        triggers = self._triggers()
        report = self.env["account.move"]._cron_l10n_in_einv_send(limit=2)
        self.assertEqual(len(report), 2)
        self.assertEqual(self._triggers(), triggers + 1, "more remain: it comes back at once")
        self._run_cron()
        self.assertEqual(set(moves.mapped("l10n_in_einv_state")), {"generated"})

    def test_bulk_results_name_each_invoice_and_what_to_fix(self):
        good = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7900.0)])
        self.product_rice.l10n_in_hsn_code = "12"
        bad = self._invoice(self.partner_intra, [(self.product_rice, 1, 100.0)])
        message = (good | bad).action_l10n_in_einv_generate()["params"]["message"]
        self.assertIn(f"IRN generated for {good.name}", message)
        self.assertIn(f"• {bad.name}: not sent:", message)
        self.assertIn("HSN", message)


@tagged("post_install", "-at_install")
class TestEinvoiceCancelledIrn(L10nInEinvoiceCommon):

    def test_a_cancelled_irn_leads_to_a_corrected_copy_under_a_new_number(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 6400.0)]))
        cancelled, message = move._l10n_in_einv_cancel("2", "Wrong quantity")
        self.assertTrue(cancelled, message)
        with self.assertRaisesRegex(UserError, "2278"):
            move.button_draft()
        self.assertFalse(move._l10n_in_einv_qr_printable(), "a cancelled IRN's QR is never printed")
        self.assertFalse(move.l10n_in_einv_qr_preview)
        action = move.action_l10n_in_einv_corrected_copy()
        self.assertEqual(move.state, "cancel", "cancelled in Odoo too")
        copy = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.l10n_in_einv_state, "not_applicable")
        self.assertFalse(copy.l10n_in_einv_irn)
        copy.invoice_line_ids.quantity = 2
        copy.action_post()
        self.assertNotEqual(copy.name, move.name, "a new number: the old one is burnt at the IRP")
        self._generate(copy)
        self.assertEqual(copy.l10n_in_einv_state, "generated", copy.l10n_in_einv_error)
        self.assertTrue(copy._l10n_in_einv_qr_printable())
        self.assertIn("corrected copy", move.message_ids[0].body)

    def test_a_move_with_a_cancelled_irn_is_never_posted_again(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 6500.0)]))
        move._l10n_in_einv_cancel("1", "Duplicate")
        move.button_cancel()
        with self.assertRaisesRegex(UserError, "cannot be posted again"):
            move.action_post()

    def test_the_qr_preview_on_the_form_is_the_signed_qr(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 6600.0)]))
        self.assertTrue(move._l10n_in_einv_qr_printable())
        self.assertTrue(move.l10n_in_einv_qr_preview)
        self.assertTrue(move._l10n_in_einv_qr_image().endswith(move.l10n_in_einv_qr_preview.decode()
                                                                if isinstance(move.l10n_in_einv_qr_preview, bytes)
                                                                else move.l10n_in_einv_qr_preview))
