"""E-way bills by IRN: records, generate / refresh / cancel over real HTTP to the sandbox,
the IRN cancel that waits for the e-way bill, the PDF, the reminder, rights and a tour."""
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..sandbox import master, rules_ewb
from .common import L10nInEinvoiceCommon


class EwaybillCase(L10nInEinvoiceCommon):

    def _irn_invoice(self, price=7300.0):
        move = self._generate(self._invoice(self.partner_inter, [(self.product_laptop, 1, price, self.igst_18)]))
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        return move

    def _wizard(self, move, **values):
        values = {"transport_mode": "1", "vehicle_no": "KA01AB1234", "vehicle_type": "R", "distance": 0, **values}
        return self.env["l10n_in.einvoice.ewaybill.wizard"].with_context(default_move_id=move.id).create(values)

    def _generate_ewb(self, move, **values):
        result = self._wizard(move, **values).action_generate()
        return result["params"]

    def _endpoints(self, move):
        return move.l10n_in_einv_api_log_ids.sorted("id").mapped("endpoint")

    def _sandbox_bills(self):
        return self.sandbox.app.store.count_ewaybills()


@tagged("post_install", "-at_install")
class TestEinvoiceEwaybill(EwaybillCase):

    def test_generate_with_vehicle_writes_back_the_computed_distance(self):
        move = self._irn_invoice()
        params = self._generate_ewb(move)
        self.assertEqual(params["type"], "success", params["message"])
        bill = move.l10n_in_einv_ewaybill_ids
        self.assertEqual(len(bill), 1)
        computed = rules_ewb.pin_distance(self.company.zip, self.partner_inter.zip)
        self.assertRecordValues(bill, [{
            "state": "active", "source": "by_irn", "distance": computed, "distance_computed": True,
            "transport_mode": "1", "vehicle_no": "KA01AB1234", "vehicle_type": "R", "is_current": True,
            "from_pin": self.company.zip, "to_pin": self.partner_inter.zip}])
        self.assertTrue(bill.valid_till > bill.ewb_date)
        self.assertIn(f"{computed} km", params["message"])
        # the invoice shows its current e-way bill
        self.assertRecordValues(move, [{
            "l10n_in_einv_ewaybill_id": bill.id, "l10n_in_einv_ewb_no": bill.name, "l10n_in_einv_ewb_status": "active",
            "l10n_in_einv_ewb_date": bill.ewb_date, "l10n_in_einv_ewb_valid_till": bill.valid_till,
            "l10n_in_einv_ewaybill_count": 1}])
        self.assertEqual(bill.event_ids.mapped("kind"), ["generated"])
        self.assertEqual(bill.event_ids.values["VehNo"], "KA01AB1234")
        self.assertEqual(self._endpoints(move)[-1], "generate_ewaybill")
        self.assertEqual(move.action_l10n_in_einv_open_ewaybills()["res_id"], bill.id)
        with self.assertRaisesRegex(UserError, "already has the active e-way bill"):
            move.action_l10n_in_einv_open_ewaybill_wizard()

    def test_part_a_only_has_no_validity_yet(self):
        move = self._irn_invoice(7400.0)
        params = self._generate_ewb(move, part_a_only=True, vehicle_no=False,
                                    transporter_gstin=master.BUYER_KA["gstin"], transporter_name="Kaveri Movers")
        self.assertEqual(params["type"], "success", params["message"])
        bill = move.l10n_in_einv_ewaybill_id
        self.assertRecordValues(bill, [{"state": "active", "valid_till": False, "part_a_only": True,
                                        "transporter_gstin": master.BUYER_KA["gstin"], "vehicle_no": False}])
        self.assertIn("Part-A only", params["message"])

    def test_preflight_refuses_before_any_call(self):
        move = self._irn_invoice(7500.0)
        calls = len(move.l10n_in_einv_api_log_ids)
        with self.assertRaises(UserError) as caught:
            self._generate_ewb(move, transport_mode="2", vehicle_no=False, transport_doc_no=False)
        message = str(caught.exception)
        self.assertIn("Nothing was sent to the IRP", message)
        self.assertIn("[4012]", message)
        self.assertIn("[4023]", message)
        self.assertEqual(len(move.l10n_in_einv_api_log_ids), calls, "no API call")
        self.assertFalse(move.l10n_in_einv_ewaybill_ids)
        # the 180-day document age, with the last permitted day (judged on the day of generation)
        payload = move._l10n_in_einv_ewaybill_payload({"transport_mode": "1", "vehicle_no": "KA01AB1234",
                                                       "vehicle_type": "R", "distance": 0})
        late = move.invoice_date + timedelta(days=181)
        problems = move._l10n_in_einv_ewaybill_preflight(payload, today=late)
        last_day = (move.invoice_date + timedelta(days=180)).strftime("%d/%m/%Y")
        self.assertTrue(any("[4043]" in p and last_day in p for p in problems), problems)
        self.assertFalse(move._l10n_in_einv_ewaybill_preflight(payload, today=late - timedelta(days=1)))

    def test_lost_reply_on_generate_makes_exactly_one(self):
        move = self._irn_invoice(7600.0)
        before = self._sandbox_bills()
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_ewaybill", "times": 1}])
        params = self._generate_ewb(move)
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn("after a lost reply", params["message"])
        self.assertEqual(self._sandbox_bills(), before + 1)
        self.assertEqual(len(move.l10n_in_einv_ewaybill_ids), 1)
        self.assertEqual(self._endpoints(move)[-2:], ["generate_ewaybill", "get_ewaybill"])
        self.assertFalse(move.l10n_in_einv_ewb_unknown_since)

    def test_lost_reply_with_failed_lookup_is_looked_up_before_a_resend(self):
        move = self._irn_invoice(7650.0)
        before = self._sandbox_bills()
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_ewaybill", "times": 1},
                                 {"kind": "http_error", "status": 503, "endpoint": "get_ewaybill", "times": 1}])
        params = self._generate_ewb(move)
        self.assertEqual(params["type"], "warning", params["message"])
        self.assertIn("never generated twice", params["message"])
        self.assertTrue(move.l10n_in_einv_ewb_unknown_since)
        self.assertFalse(move.l10n_in_einv_ewaybill_ids)
        params = self._generate_ewb(move)
        self.assertEqual(params["type"], "success", params["message"])
        self.assertEqual(self._endpoints(move)[-1], "get_ewaybill", "found by the look-up, not sent again")
        self.assertEqual(self._sandbox_bills(), before + 1)
        self.assertEqual(len(move.l10n_in_einv_ewaybill_ids), 1)

    def test_duplicate_adopts_the_one_the_irp_holds(self):
        move = self._irn_invoice(7700.0)
        made = self.credential._l10n_in_einv_client().generate_ewaybill(
            {"Irn": move.l10n_in_einv_irn, "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234", "VehType": "R"})
        params = self._generate_ewb(move)
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn("already held", params["message"])
        self.assertEqual(move.l10n_in_einv_ewb_no, made.ewb_no)

    def test_refresh_follows_the_irp(self):
        move = self._irn_invoice(7800.0)
        self._generate_ewb(move)
        bill = move.l10n_in_einv_ewaybill_id
        self.credential._l10n_in_einv_client().cancel_ewaybill(bill.name, 4, "Cancelled at the portal")
        result = bill.action_l10n_in_einv_refresh()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual((bill.state, move.l10n_in_einv_ewb_status), ("cancelled", "cancelled"))
        self.assertIn("refreshed", bill.event_ids.mapped("kind"))
        self.assertEqual(self._endpoints(move)[-1], "get_ewaybill")

    def test_an_ewaybill_reported_with_the_irn_is_recorded(self):
        move = self._irn_invoice(7850.0)
        client = self.credential._l10n_in_einv_client()
        made = client.generate_ewaybill(
            {"Irn": move.l10n_in_einv_irn, "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234", "VehType": "R"})
        move._l10n_in_einv_store_result(client.get_irn(move.l10n_in_einv_irn), how="linked")
        self.assertRecordValues(move.l10n_in_einv_ewaybill_ids, [{"name": made.ewb_no, "source": "irn_reply",
                                                                  "state": "active"}])
        self.assertEqual(move.l10n_in_einv_ewb_no, made.ewb_no)

    def test_cancel_within_24_hours_and_refused_after(self):
        move = self._irn_invoice(7900.0)
        self._generate_ewb(move)
        bill = move.l10n_in_einv_ewaybill_id
        action = bill.action_l10n_in_einv_open_cancel_wizard()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create(
            {"reason": "2", "remark": "Order cancelled"})
        params = wizard.action_cancel_ewaybill()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertRecordValues(bill, [{"state": "cancelled", "cancel_reason": "2",
                                        "cancel_remark": "Order cancelled"}])
        self.assertTrue(bill.cancel_date)
        self.assertEqual(move.l10n_in_einv_ewb_status, "cancelled")
        self.assertEqual(bill.event_ids.sorted("id").mapped("kind"), ["generated", "cancelled"])
        # a new one may follow; the IRP refuses its cancellation after 24 hours
        self.assertEqual(self._generate_ewb(move)["type"], "success")
        second = move.l10n_in_einv_ewaybill_id
        self.assertNotEqual(second, bill)
        self.assertEqual(move.l10n_in_einv_ewb_no, second.name, "the invoice shows the active one")
        self.sandbox.advance_clock(hours=25)
        cancelled, message = move._l10n_in_einv_ewaybill_cancel(second, "4", "Too late")
        self.assertFalse(cancelled)
        self.assertIn("24 hours", message)
        self.assertEqual(second.state, "active")
        # and Odoo says so before any call once 24 hours passed here too
        second._l10n_in_einv_set({"ewb_date": fields.Datetime.now() - timedelta(hours=25)})
        calls = len(move.l10n_in_einv_api_log_ids)
        with self.assertRaisesRegex(UserError, "within 24 hours"):
            move._l10n_in_einv_ewaybill_cancel(second, "4", "Too late")
        self.assertEqual(len(move.l10n_in_einv_api_log_ids), calls)
        with self.assertRaises(UserError):  # the remark: at most 50 characters
            move._l10n_in_einv_ewaybill_cancel(second, "4", "x" * 51)

    def test_irn_is_not_cancelled_while_its_ewaybill_is_active(self):
        move = self._irn_invoice(8000.0)
        self._generate_ewb(move)
        wizard = self.env["l10n_in.einvoice.cancel.wizard"].create(
            {"move_id": move.id, "reason": "2", "remark": "Wrong buyer"})
        self.assertEqual(wizard.ewaybill_id, move.l10n_in_einv_ewaybill_id)
        with self.assertRaisesRegex(UserError, "Cancel the e-way bill first"):
            wizard.action_cancel_irn()
        self.assertEqual(move.l10n_in_einv_state, "generated")
        action = wizard.action_cancel_ewaybill()
        self.assertEqual(action["res_model"], "l10n_in.einvoice.ewaybill.cancel.wizard")
        ewb_wizard = self.env[action["res_model"]].with_context(**action["context"]).create(
            {"reason": "1", "remark": "Duplicate"})
        self.assertEqual(ewb_wizard.ewaybill_id, move.l10n_in_einv_ewaybill_id)
        self.assertEqual(ewb_wizard.action_cancel_ewaybill()["params"]["type"], "success")
        wizard = self.env["l10n_in.einvoice.cancel.wizard"].create(
            {"move_id": move.id, "reason": "2", "remark": "Wrong buyer"})
        self.assertFalse(wizard.ewaybill_id)
        wizard.action_cancel_irn()
        self.assertEqual(move.l10n_in_einv_state, "cancelled")

    def test_pdf_prints_the_current_ewaybill(self):
        move = self._irn_invoice(8100.0)
        self._generate_ewb(move)
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        html = report._render_qweb_html("account.account_invoices", move.ids)[0].decode()
        self.assertIn(move.l10n_in_einv_ewb_no, html)
        self.assertIn("valid till", html)
        move._l10n_in_einv_ewaybill_cancel(move.l10n_in_einv_ewaybill_id, "3", "Data entry mistake")
        html = report._render_qweb_html("account.account_invoices", move.ids)[0].decode()
        self.assertIn(move.l10n_in_einv_ewb_no, html)
        self.assertIn("(cancelled)", html)

    def test_reminder_before_expiry_once_and_expired_after(self):
        move = self._irn_invoice(8200.0)
        self._generate_ewb(move)
        bill = move.l10n_in_einv_ewaybill_id
        Bill = self.env["l10n_in.einvoice.ewaybill"]
        bill._l10n_in_einv_set({"valid_till": fields.Datetime.now() + timedelta(hours=3)})
        self.assertIn(bill, Bill.search([("expiry", "=", "expiring")]))
        Bill._cron_l10n_in_einv_ewaybill_expiry()
        Bill._cron_l10n_in_einv_ewaybill_expiry()
        reminders = move.activity_ids.filtered(lambda a: a.summary == "E-way bill expiring")
        self.assertEqual(len(reminders), 1)
        self.assertEqual(reminders.user_id, move.invoice_user_id or self.env.user)
        bill._l10n_in_einv_set({"valid_till": fields.Datetime.now() - timedelta(hours=1)})
        self.assertIn(bill, Bill.search([("expiry", "=", "expired")]))
        Bill._cron_l10n_in_einv_ewaybill_expiry()
        self.assertEqual((bill.state, move.l10n_in_einv_ewb_status), ("expired", "expired"))
        self.assertIn(bill, Bill.search([("state", "=", "expired")]))

    def test_rights(self):
        move = self._irn_invoice(8300.0)
        self._generate_ewb(move)
        bill = move.l10n_in_einv_ewaybill_id
        users = self.env["res.users"].with_context(no_reset_password=True)
        common = {"company_id": self.company.id, "company_ids": [Command.set(self.company.ids)]}
        auditor = users.create({"name": "Auditor", "login": "ewb_auditor", **common,
                                "groups_id": [Command.set([self.env.ref("account.group_account_readonly").id])]})
        clerk = users.create({"name": "Clerk", "login": "ewb_clerk", **common,
                              "groups_id": [Command.set([self.env.ref("account.group_account_invoice").id])]})
        other = self._irn_invoice(8400.0)
        with self.assertRaises(AccessError):
            other.with_user(auditor).action_l10n_in_einv_open_ewaybill_wizard()
        with self.assertRaises(AccessError):
            other.with_user(auditor)._l10n_in_einv_ewaybill_generate(
                {"transport_mode": "1", "vehicle_no": "KA01AB1234"})
        self.assertFalse(other.l10n_in_einv_ewaybill_ids)
        # an e-invoicing user reads the record; nobody writes it, administrators included
        self.assertEqual(bill.with_user(clerk).read(["name"])[0]["name"], bill.name)
        for target in (bill.with_user(clerk), bill, bill.sudo()):
            with self.assertRaises(AccessError):
                target.write({"state": "cancelled"})
        with self.assertRaises(AccessError):
            self.env["l10n_in.einvoice.ewaybill"].sudo().create({"name": "999999999999", "move_id": other.id})
        with self.assertRaises(AccessError):
            bill.event_ids.sudo().write({"reason": "forged"})
        with self.assertRaises(AccessError):
            bill.sudo().unlink()
        with self.assertRaises(AccessError):
            move.write({"l10n_in_einv_ewaybill_id": False})
        self.assertEqual(bill.state, "active")


@tagged("post_install", "-at_install")
class TestEinvoiceEwaybillTour(EwaybillCase, HttpCase):

    def test_generate_ewaybill_from_the_invoice(self):
        self.env.user.write({"company_id": self.company.id, "company_ids": [(4, self.company.id)]})
        move = self._irn_invoice(8500.0)
        self.start_tour(f"/web#action=account.action_move_out_invoice_type&model=account.move&view_type=form"
                        f"&id={move.id}", "l10n_in_einvoice_ewaybill_generate", login=self.env.user.login)
        bill = move.l10n_in_einv_ewaybill_ids
        self.assertEqual(len(bill), 1)
        self.assertRecordValues(bill, [{"state": "active", "vehicle_no": "KA01AB1234", "distance_computed": True}])
        self.assertEqual(move.l10n_in_einv_ewb_no, bill.name)
