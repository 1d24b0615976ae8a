import json
import os
import tempfile
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..irp import crypto
from ..sandbox import master
from ..tools import write_guard
from .common import L10nInEinvoiceCommon


@tagged("post_install", "-at_install")
class TestEinvoiceLifecycle(L10nInEinvoiceCommon):
    """Generate, adopt, retry, cancel and refresh against the sandbox over real HTTP."""

    def assertGenerated(self, move):
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        payload = move._l10n_in_einv_build_payload()
        expected_irn = crypto.irn_hash(self.company.vat, move.invoice_date,
                                       payload["DocDtls"]["Typ"], move.name)
        self.assertEqual(move.l10n_in_einv_irn, expected_irn)
        self.assertEqual(len(move.l10n_in_einv_ack_no), 15)
        self.assertTrue(move.l10n_in_einv_ack_date)
        # the signed invoice is the IRP's copy of what we sent, and matches the invoice
        ring = crypto.SigningKeyring.from_pems(self.sandbox.signing_certificate_pem)
        signed = crypto.signed_data(move.l10n_in_einv_signed_invoice, ring)
        self.assertEqual(signed["Irn"], expected_irn)
        self.assertEqual(signed["DocDtls"]["No"], move.name)
        self.assertEqual(signed["BuyerDtls"]["Gstin"], payload["BuyerDtls"]["Gstin"])
        self.assertEqual(len(signed["ItemList"]), len(payload["ItemList"]))
        for key, value in payload["ValDtls"].items():
            self.assertAlmostEqual(float(signed["ValDtls"][key]), value, places=2, msg=key)
        self.assertAlmostEqual(signed["ValDtls"]["TotInvVal"], abs(move.amount_total_signed), delta=1.0)
        qr = crypto.signed_data(move.l10n_in_einv_signed_qr, ring)
        self.assertEqual((qr["Irn"], qr["DocNo"], qr["ItemCnt"]), (expected_irn, move.name, len(payload["ItemList"])))
        self.assertEqual(qr["SellerGstin"], self.company.vat)
        return signed

    # --- each kind of document ------------------------------------------------------------

    def test_intra_state_b2b(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 2, 50000.0), (self.product_service, 1, 12000.0)])
        self.assertEqual(move.l10n_in_einv_state, "to_send")
        signed = self.assertGenerated(self._generate(move))
        self.assertEqual(signed["TranDtls"]["SupTyp"], "B2B")
        self.assertGreater(signed["ValDtls"]["CgstVal"], 0)
        self.assertEqual(signed["ValDtls"].get("IgstVal", 0), 0)
        logs = move.l10n_in_einv_api_log_ids
        self.assertIn("generate_irn", logs.mapped("endpoint"))
        self.assertTrue(all(logs.mapped("ok")))
        self.assertNotIn(self.sandbox.client_secret, "".join(logs.mapped("request_text")))
        self.assertIn(move.l10n_in_einv_irn, move.message_ids[0].body)

    def test_outcome_note_carries_the_state_change(self):
        """The chatter line of an outcome is one message: the note and the tracked change of
        the e-invoice state (not a second tracking message at commit)."""
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1000.0)])
        # the test classes run with Odoo's mail tracking off; as in production here
        move = move.with_context(tracking_disable=False, mail_notrack=False)
        self.env.cr.precommit.run()  # the posting's own tracking, out of the way
        before = move.message_ids
        self.assertGenerated(self._generate(move))
        self.env.cr.precommit.run()  # what Odoo's tracking would add at commit
        new = move.message_ids - before
        self.assertEqual(len(new), 1, new.mapped("body"))
        self.assertIn(move.l10n_in_einv_irn, new.body)
        self.assertEqual(new.author_id, self.env.ref("base.partner_root"))
        # as Odoo's tracking messages: the web client shows a comment's body and tracking values twice
        self.assertEqual(new.message_type, "notification")
        tracked = new.tracking_value_ids.filtered(lambda value: value.field_id.name == "l10n_in_einv_state")
        self.assertEqual((tracked.old_value_char, tracked.new_value_char), ("To send", "Generated"),
                         [(v.field_id.name, v.old_value_char, v.new_value_char) for v in new.tracking_value_ids])

    def test_inter_state_b2b_with_discount_and_cess_free_goods(self):
        move = self._invoice(self.partner_inter, [
            (self.product_laptop, 3, 49999.99, self.igst_18, 7.5),
            (self.product_rice, 40, 62.35, self.igst_5),
        ])
        signed = self.assertGenerated(self._generate(move))
        self.assertGreater(signed["ValDtls"]["IgstVal"], 0)
        self.assertEqual(signed["ValDtls"].get("CgstVal", 0), 0)

    def test_sez_with_and_without_payment(self):
        with_igst = self._invoice(self.partner_sez, [(self.product_laptop, 1, 40000.0, self.igst_18)])
        self.assertEqual(self.assertGenerated(self._generate(with_igst))["TranDtls"]["SupTyp"], "SEZWP")
        lut = self.env["account.tax"].create({
            "name": "IGST 0% (LUT)", "amount": 0.0, "type_tax_use": "sale", "company_id": self.company.id,
            "tax_group_id": self.igst_18.tax_group_id.id,
            "invoice_repartition_line_ids": self.igst_18.invoice_repartition_line_ids.mapped(
                lambda r: (0, 0, {"repartition_type": r.repartition_type, "tag_ids": [(6, 0, r.tag_ids.ids)]})),
            "refund_repartition_line_ids": self.igst_18.refund_repartition_line_ids.mapped(
                lambda r: (0, 0, {"repartition_type": r.repartition_type, "tag_ids": [(6, 0, r.tag_ids.ids)]})),
        })
        without = self._invoice(self.partner_sez, [(self.product_laptop, 1, 40000.0, lut)])
        self.assertEqual(self.assertGenerated(self._generate(without))["TranDtls"]["SupTyp"], "SEZWOP")

    def test_export_in_foreign_currency(self):
        usd = self.setup_other_currency("USD", rates=[("2020-01-01", 1 / 83.25)])
        move = self._invoice(self.partner_overseas, [(self.product_laptop, 2, 600.0, self.igst_18)],
                             currency_id=usd.id)
        signed = self.assertGenerated(self._generate(move))
        self.assertEqual(signed["TranDtls"]["SupTyp"], "EXPWP")
        self.assertEqual(signed["BuyerDtls"]["Gstin"], "URP")
        self.assertEqual(str(signed["BuyerDtls"]["Pos"]), "96")
        self.assertEqual(signed["ExpDtls"]["ForCur"], "USD")
        self.assertAlmostEqual(signed["ValDtls"]["TotInvValFc"], move.amount_total, places=2)

    def test_reverse_charge(self):
        rc_tax = self.env["account.tax"].search([
            ("company_id", "=", self.company.id), ("type_tax_use", "=", "sale"),
            ("l10n_in_reverse_charge", "=", True), ("amount", "=", 18)], limit=1)
        if not rc_tax:  # the chart has none for sales: derive one from IGST 18%
            rc_tax = self.igst_18.copy({"name": "IGST 18% RC", "l10n_in_reverse_charge": True})
        move = self._invoice(self.partner_inter, [(self.product_service, 1, 20000.0, rc_tax)])
        self.assertEqual(self.assertGenerated(self._generate(move))["TranDtls"]["RegRev"], "Y")

    def test_cash_rounding(self):
        rounding = self.env["account.cash.rounding"].create({
            "name": "1 rupee", "rounding": 1.0, "strategy": "add_invoice_line", "rounding_method": "HALF-UP",
            "profit_account_id": self.company_data["default_account_revenue"].id,
            "loss_account_id": self.company_data["default_account_expense"].id,
        })
        move = self._invoice(self.partner_intra, [(self.product_rice, 3, 1234.57)], invoice_cash_rounding_id=rounding.id)
        signed = self.assertGenerated(self._generate(move))
        self.assertNotEqual(signed["ValDtls"].get("RndOffAmt", 0), 0)

    def test_credit_note_with_reference_and_debit_note(self):
        invoice = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 2, 50000.0)]))
        credit_note = invoice._reverse_moves([{"ref": "Damaged unit returned"}])
        credit_note.invoice_line_ids.quantity = 1
        credit_note.action_post()
        signed = self.assertGenerated(self._generate(credit_note))
        self.assertEqual(signed["DocDtls"]["Typ"], "CRN")
        self.assertEqual(signed["RefDtls"]["PrecDocDtls"][0]["InvNo"], invoice.name)

        debit_wizard = self.env["account.debit.note"].with_context(
            active_model="account.move", active_ids=invoice.ids).create(
                {"reason": "Freight under-billed", "copy_lines": True})
        debit_note = self.env["account.move"].browse(debit_wizard.create_debit()["res_id"])
        debit_note.invoice_line_ids.write({"quantity": 1, "price_unit": 1500.0})
        debit_note.action_post()
        signed = self.assertGenerated(self._generate(debit_note))
        self.assertEqual(signed["DocDtls"]["Typ"], "DBN")

    def test_b2c_is_not_applicable(self):
        move = self._invoice(self.partner_unregistered, [(self.product_rice, 1, 500.0)])
        self.assertEqual(move.l10n_in_einv_state, "not_applicable")
        with self.assertRaisesRegex(UserError, "B2C|registered"):
            move.action_l10n_in_einv_generate()

    def test_a_draft_is_never_sent(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1500.0)])
        move.button_draft()
        self.assertEqual(move.l10n_in_einv_state, "to_send", "the queue state outlives the reset")
        with self.assertRaises(UserError):
            move.action_l10n_in_einv_generate()
        self.assertFalse(move.l10n_in_einv_api_log_ids, "nothing reached the IRP")

    def test_preflight_lists_every_problem_and_sends_nothing(self):
        self.product_service.l10n_in_hsn_code = False
        self.partner_inter.zip = "4000"
        move = self._invoice(self.partner_inter, [(self.product_service, 1, 100.0, self.igst_18)])
        with self.assertRaises(UserError) as caught:
            move.action_l10n_in_einv_generate()
        message = str(caught.exception)
        self.assertIn("HSN", message)
        self.assertIn("4000", message)
        self.assertFalse(move.l10n_in_einv_api_log_ids, "nothing may reach the IRP")

    def test_hsn_master_stops_codes_the_irp_does_not_know(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as master_file:
            json.dump([{"hsn_code": "84713010"}, {"hsn_code": "998314"}], master_file)
        self.addCleanup(os.unlink, master_file.name)
        self.env["ir.config_parameter"].set_param("l10n_in_einvoice.hsn_master_path", master_file.name)
        known = self._invoice(self.partner_intra, [(self.product_laptop, 1, 1000.0)])
        self.assertEqual(known._l10n_in_einv_preflight(), [])
        unknown = self._invoice(self.partner_intra, [(self.product_rice, 1, 1000.0)])
        problems = unknown._l10n_in_einv_preflight()
        self.assertTrue(any("10063020" in problem and "2176" in problem for problem in problems), problems)

    # --- session --------------------------------------------------------------------------

    def test_session_is_reused_and_stored_encrypted(self):
        self.credential.action_clear_session()
        first = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 1000.0)]))
        second = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 2000.0)]))
        endpoints = (first + second).l10n_in_einv_api_log_ids.mapped("endpoint")
        self.assertEqual(endpoints.count("authenticate"), 1, "one authentication for two invoices")
        stored = self.credential.sudo()
        self.assertTrue(stored.session_encrypted and stored.token_expiry)
        self.env.flush_all()
        self.env.cr.execute("SELECT password_encrypted, client_secret_encrypted, session_encrypted "
                            "FROM l10n_in_einvoice_credential WHERE id = %s", [self.credential.id])
        raw = " ".join(self.env.cr.fetchone())
        user = next(u for u in self.sandbox.users if u["gstin"] == self.company.vat)
        self.assertNotIn(user["password"], raw)
        self.assertNotIn(self.sandbox.client_secret, raw)

    def test_token_expiry_renews_the_session(self):
        self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 1000.0)]))
        self.sandbox.advance_clock(minutes=7 * 60)  # past the 6-hour token
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 3000.0)]))
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)

    # --- recovery -------------------------------------------------------------------------

    def test_duplicate_matching_is_adopted(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 7000.0)]))
        irn = move.l10n_in_einv_irn
        registered = self.sandbox.count_irns(self.company.vat)
        # the reply was stored elsewhere and lost here: the IRP answers 2150 on resend
        with write_guard.trusted():
            move.sudo().write({"l10n_in_einv_state": "to_send", "l10n_in_einv_irn": False,
                               "l10n_in_einv_ack_no": False, "l10n_in_einv_signed_invoice": False,
                               "l10n_in_einv_signed_qr": False})
        self._generate(move)
        self.assertGenerated(move)
        self.assertEqual(move.l10n_in_einv_irn, irn)
        self.assertIn("2150", move.l10n_in_einv_api_log_ids.mapped("error_codes"))
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered, "no second IRN")

    def test_duplicate_with_other_data_is_refused(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7000.0)])
        client = self.credential._l10n_in_einv_client()
        client.generate_irn(move._l10n_in_einv_build_payload())  # registered by another system
        move.button_draft()
        move.invoice_line_ids.price_unit = 9000.0
        move.action_post()
        self._generate(move)
        self.assertEqual(move.l10n_in_einv_state, "error")
        self.assertIn("NOT adopted", move.l10n_in_einv_error)
        self.assertFalse(move.l10n_in_einv_irn)

    def test_duplicate_older_than_two_days_is_reported_not_adopted(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7100.0)])
        existing = self.credential._l10n_in_einv_client().generate_irn(move._l10n_in_einv_build_payload())
        self.sandbox.advance_clock(days=3)  # the IRP no longer serves it (2283)
        self._generate(move)
        self.assertEqual(move.l10n_in_einv_state, "error")
        self.assertEqual(move.l10n_in_einv_error_codes, "2150,2283")
        self.assertIn(existing.irn, move.l10n_in_einv_error, "the user is told which IRN the IRP holds")
        self.assertFalse(move.l10n_in_einv_irn)

    def test_reply_lost_after_commit_gives_one_irn(self):
        before = self.sandbox.count_irns(self.company.vat)
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn", "times": 1}])
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 8100.0)]))
        self.assertGenerated(move)
        self.assertEqual(self.sandbox.count_irns(self.company.vat), before + 1)
        self.assertIn("get_irn_by_doc", move.l10n_in_einv_api_log_ids.mapped("endpoint"))

    def test_sender_that_died_mid_call_is_resolved_by_look_up(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 8150.0)])
        # a worker sent it, the IRP registered it, and the worker died before storing the reply:
        # its in-flight marker stays, its advisory lock died with its connection
        self.credential._l10n_in_einv_client().generate_irn(move._l10n_in_einv_build_payload())
        with write_guard.trusted():
            move.sudo().l10n_in_einv_in_flight_since = fields.Datetime.now() - timedelta(minutes=2)
        with self.assertRaisesRegex(UserError, "being sent"):
            move.button_draft()
        registered = self.sandbox.count_irns(self.company.vat)
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertGenerated(move)
        self.assertFalse(move.l10n_in_einv_in_flight_since)
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered)
        endpoints = move.l10n_in_einv_api_log_ids.mapped("endpoint")
        self.assertIn("get_irn_by_doc", endpoints)
        self.assertNotIn("generate_irn", endpoints, "looked up, not resent")

    def test_outage_goes_to_retry_then_cron_sends(self):
        self.sandbox.set_faults([{"kind": "http_error", "status": 503, "endpoint": "generate_irn"}])
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 8200.0)]))
        self.assertEqual(move.l10n_in_einv_state, "retry")
        self.assertEqual(move.l10n_in_einv_attempts, 1)
        self.assertGreater(move.l10n_in_einv_next_attempt, fields.Datetime.now())
        self.sandbox.clear_faults()
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertEqual(move.l10n_in_einv_state, "retry", "not due yet: the cron respects the backoff")
        with write_guard.trusted():
            move.sudo().l10n_in_einv_next_attempt = fields.Datetime.now() - timedelta(seconds=1)
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertGenerated(move)

    def test_rate_limit_honours_retry_after(self):
        self.sandbox.set_faults([{"kind": "rate_limit", "retry_after": 900, "endpoint": "generate_irn"}])
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 8300.0)]))
        self.assertEqual(move.l10n_in_einv_state, "retry")
        self.assertGreaterEqual(move.l10n_in_einv_next_attempt, fields.Datetime.now() + timedelta(seconds=890))

    def test_circuit_breaker_defers_the_rest_of_a_failing_run(self):
        self.company.l10n_in_einv_parallel_calls = 1
        moves = self.env["account.move"].browse(
            [self._invoice(self.partner_intra, [(self.product_laptop, 1, 100.0 * i)]).id for i in range(1, 7)])
        self.sandbox.set_faults([{"kind": "http_error", "status": 503, "endpoint": "generate_irn"}])
        self.env["account.move"]._cron_l10n_in_einv_send()
        calls = moves.l10n_in_einv_api_log_ids.filtered(lambda log: log.endpoint == "generate_irn")
        self.assertEqual(len(calls), 3, "three failures in a row open the circuit")
        self.assertEqual(set(moves.mapped("l10n_in_einv_state")), {"retry"})
        deferred = moves.filtered(lambda m: not m.l10n_in_einv_api_log_ids)
        self.assertEqual(len(deferred), 3)
        self.assertEqual(set(deferred.mapped("l10n_in_einv_attempts")), {0}, "an unsent invoice spends no attempt")

    def test_untrusted_signature_stores_nothing_then_recovers(self):
        foreign = _self_signed_certificate()
        good = self.credential.signing_certificate
        self.credential.signing_certificate = foreign
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 8500.0)]))
        self.assertEqual(move.l10n_in_einv_state, "retry", "looked up again automatically, never resent")
        self.assertIn("signature", move.l10n_in_einv_error)
        self.assertTrue(move.activity_ids, "someone must fix the certificate within 2 days")
        self.assertFalse(move.l10n_in_einv_irn or move.l10n_in_einv_signed_invoice)
        self.assertTrue(move.l10n_in_einv_outcome_unknown)
        registered = self.sandbox.count_irns(self.company.vat)
        self.credential.signing_certificate = good
        self._generate(move)
        self.assertGenerated(move)
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered, "found by look-up, not resent")
        self.assertFalse(move.activity_ids, "its activity is marked done once the IRN is stored")

    def test_cron_sends_batches_and_reports_errors(self):
        good = [self._invoice(self.partner_intra, [(self.product_laptop, 1, 100.0 * i)]) for i in range(1, 6)]
        self.product_rice.l10n_in_hsn_code = "12"
        bad = self._invoice(self.partner_intra, [(self.product_rice, 1, 100.0)])
        report = dict(self.env["account.move"]._cron_l10n_in_einv_send(batch_size=2))
        for move in good:
            self.assertGenerated(move)
            self.assertEqual(report[move.name], "generated")
        self.assertEqual(bad.l10n_in_einv_state, "error")
        self.assertTrue(bad.activity_ids, "the responsible gets an activity")

    def test_send_on_post(self):
        self.company.l10n_in_einv_sending_mode = "on_post"
        cron = self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 8400.0)])
        self.assertEqual(move.l10n_in_einv_state, "to_send", "never sent inside the posting transaction")
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1,
                         "the scheduled action is woken up for it")
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertGenerated(move)

    def test_refused_credentials_pause_the_queue_without_an_auth_storm(self):
        self.credential.write({"password": "not-the-password"})
        self.credential.action_clear_session()
        moves = self.env["account.move"].browse(
            [self._invoice(self.partner_intra, [(self.product_laptop, 1, 100.0 * i)]).id for i in range(1, 6)])
        self.env["account.move"]._cron_l10n_in_einv_send()
        auth_calls = self.env["l10n_in.einvoice.api.log"].search_count(
            [("credential_id", "=", self.credential.id), ("endpoint", "=", "authenticate")])
        self.assertLessEqual(auth_calls, self.company.l10n_in_einv_parallel_calls, "no authentication per invoice")
        self.assertEqual(set(moves.mapped("l10n_in_einv_state")), {"retry"}, "resumes once credentials are fixed")
        self.assertEqual(set(moves.mapped("l10n_in_einv_attempts")), {0})

    def test_reply_lost_leaves_the_invoice_locked_in_odoo(self):
        self.sandbox.set_faults([{"kind": "hang", "seconds": 8, "endpoint": "generate_irn"},
                                 {"kind": "hang", "seconds": 8, "endpoint": "get_irn_by_doc"}])
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 8450.0)]))
        self.assertEqual(move.l10n_in_einv_state, "retry")
        self.assertTrue(move.l10n_in_einv_outcome_unknown)
        with self.assertRaisesRegex(UserError, "Refresh from IRP"):
            move.button_draft()

    # --- cancel, refresh ----------------------------------------------------------------------

    def test_cancel_within_24_hours(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 9100.0)]))
        with self.assertRaisesRegex(UserError, "Cancel the IRN first"):
            move.button_draft()
        wizard = self.env["l10n_in.einvoice.cancel.wizard"].create(
            {"move_id": move.id, "reason": "2", "remark": "Wrong quantity"})
        self.assertTrue(wizard.within_window)
        self.assertEqual(wizard.action_cancel_irn()["params"]["type"], "success")
        self.assertEqual(move.l10n_in_einv_state, "cancelled")
        self.assertEqual(move.l10n_in_einv_irp_status, "CNL")
        with self.assertRaisesRegex(UserError, "2278"):  # the number is burnt at the IRP
            move.button_draft()
        move.button_cancel()  # cancelling in Odoo is the way forward
        self.assertEqual(move.state, "cancel")
        move.action_l10n_in_einv_refresh()
        self.assertEqual(move.l10n_in_einv_state, "cancelled")

    def test_cancel_whose_reply_is_lost_is_recorded(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 9150.0)]))
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "cancel_irn", "times": 1}])
        cancelled, _message = move._l10n_in_einv_cancel("3", "Order cancelled by buyer")
        self.assertTrue(cancelled)
        self.assertEqual(move.l10n_in_einv_state, "cancelled")
        self.assertIn("get_irn", move.l10n_in_einv_api_log_ids.mapped("endpoint"))

    def test_cancel_refused_after_24_hours(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 9200.0)]))
        # the IRP's clock says 25 hours have passed though Odoo's does not: the IRP refuses (2270)
        self.sandbox.advance_clock(minutes=25 * 60)
        cancelled, message = move._l10n_in_einv_cancel("2", "Too late")
        self.assertFalse(cancelled)
        self.assertIn("credit note", message)
        self.assertEqual(move.l10n_in_einv_state, "generated")
        self.assertIn("2270", move.l10n_in_einv_api_log_ids.mapped("error_codes"), "the refused call is logged")
        # and once Odoo also knows it is late, the wizard offers the credit note only
        with write_guard.trusted():
            move.sudo().l10n_in_einv_ack_date = fields.Datetime.now() - timedelta(hours=25)
        wizard = self.env["l10n_in.einvoice.cancel.wizard"].create({"move_id": move.id, "remark": "x"})
        self.assertFalse(wizard.within_window)
        action = wizard.action_credit_note()
        self.assertEqual(action["res_model"], "account.move.reversal")

    def test_refresh_finds_an_irn_generated_elsewhere(self):
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 9300.0)])
        self.credential._l10n_in_einv_client().generate_irn(move._l10n_in_einv_build_payload())
        move.action_l10n_in_einv_refresh()
        self.assertGenerated(move)

    # --- credentials --------------------------------------------------------------------------------

    def test_connection_authenticates_from_inside_odoo(self):
        self.credential.action_clear_session()
        result = self.credential.action_test_connection()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertIn(master.SELLER_KA["legal_name"], self.credential.last_test_result)
        self.assertTrue(self.credential.token_expiry > fields.Datetime.now())
        logs = self.env["l10n_in.einvoice.api.log"].search([("credential_id", "=", self.credential.id)])
        self.assertIn("authenticate", logs.mapped("endpoint"))

    def test_connection_with_a_wrong_password_says_so(self):
        self.credential.write({"password": "not-the-password"})
        self.credential.action_clear_session()
        result = self.credential.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertRegex(self.credential.last_test_result, "1008|1019|password")


def _self_signed_certificate():
    """A certificate that is not the IRP's: its signatures must be refused."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not the IRP")])
    now = fields.Datetime.now()
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
