"""E-way bills through the e-way bill system's own API, over real HTTP to the in-process
sandbox (/ewaybillapi/v1.03) with real crypto: the credential's EWB part and its Test button,
Part-B, transporter, extension (window and 360-day cap), cancellation, refresh with Part-B
made elsewhere, closure on hold, lost replies, rights and the masked API log."""
import re
from datetime import timedelta, timezone
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import file_open

from ..irp import ewb_validation
from ..irp.ewb_client import part_b_payload
from ..sandbox import master
from ..tools.ewb_problem_texts import EWB_FIELD_LABELS, EWB_PROBLEM_TEXTS
from .test_l10n_in_einv_ewaybill import EwaybillCase

KA = master.SELLER_KA


class EwbSystemCase(EwaybillCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ewb_user = next(u for u in cls.sandbox.ewb_users if u["gstin"] == KA["gstin"])
        cls.credential.write({"ewb_environment": "local_sandbox", "ewb_username": cls.ewb_user["username"],
                              "ewb_password": cls.ewb_user["password"]})

    def setUp(self):
        super().setUp()
        sandbox = self.sandbox
        # the e-way bill system's "now" is the sandbox's (its clock moves in these tests)
        patcher = patch.object(type(self.env["l10n_in.einvoice.ewaybill"]), "_l10n_in_einv_ewb_now",
                               lambda self: sandbox.now())
        patcher.start()
        self.addCleanup(patcher.stop)

    def _bill(self, price, **values):
        move = self._irn_invoice(price)
        params = self._generate_ewb(move, **values)
        self.assertEqual(params["type"], "success", params["message"])
        return move.l10n_in_einv_ewaybill_id

    def _open(self, bill, kind, **values):
        action = bill.with_context(l10n_in_einv_ewb_wizard=kind).action_l10n_in_einv_ewb_wizard()
        return self.env[action["res_model"]].with_context(**action["context"]).create(values)

    def _part_b(self, bill, vehicle="KA05MN4321", **values):
        values = {"reason_code": "1", "reason_remark": "Vehicle broke down", "from_place": "Hassan",
                  "from_state_id": self.state_ka.id, "transport_mode": "1", "vehicle_no": vehicle, **values}
        return self._open(bill, "part_b", **values).action_update()["params"]

    def _extend_values(self, bill, **values):
        return {"consignment_status": "M", "remaining_distance": bill.distance, "from_place": "Bengaluru",
                "from_state_id": self.state_ka.id, "from_pincode": self.company.zip, "transport_mode": "1",
                "vehicle_no": "KA01AB1234", "reason_code": "5", "remarks": "Accident on the way", **values}

    def _calls(self, move):
        return move.l10n_in_einv_api_log_ids.sorted("id").mapped("endpoint")


@tagged("post_install", "-at_install")
class TestEinvoiceEwaybillSystem(EwbSystemCase):

    def test_connection_ok_and_refused(self):
        credential = self.credential
        self.assertTrue(credential.ewb_configured)
        self.assertEqual(credential.ewb_base_url, self.sandbox.ewb_url)
        params = credential.action_l10n_in_einv_ewb_test_connection()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertTrue(credential.ewb_token_expiry)
        self.assertTrue(credential.sudo().ewb_session_encrypted)
        self.assertNotIn(self.ewb_user["password"], credential.sudo().ewb_password_encrypted)
        log = self.env["l10n_in.einvoice.api.log"].search([("credential_id", "=", credential.id)], limit=1)
        self.assertEqual((log.endpoint, log.ok), ("ewb_auth", True))
        credential.write({"ewb_password": "wrong-password"})
        params = credential.action_l10n_in_einv_ewb_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("[108]", params["message"])
        self.assertIn("[108]", credential.ewb_last_test_result)
        credential.write({"ewb_password": self.ewb_user["password"]})

    def test_part_b_update_records_vehicle_and_history(self):
        bill = self._bill(9100.0)
        valid_before = bill.valid_till
        params = self._part_b(bill)
        self.assertEqual(params["type"], "success", params["message"])
        self.assertRecordValues(bill, [{"vehicle_no": "KA05MN4321", "transport_mode": "1", "state": "active"}])
        self.assertEqual(bill.valid_till, valid_before, "a vehicle change keeps the validity")
        event = bill.event_ids.filtered(lambda e: e.kind == "vehicle")
        self.assertEqual(len(event), 1)
        self.assertEqual((event.reason_code, event.reason, event.values["vehicleNo"]),
                         ("1", "Vehicle broke down", "KA05MN4321"))
        held = self.sandbox.ewaybill(bill.name)
        self.assertEqual([row["vehicleNo"] for row in held["VehiclListDetails"]], ["KA05MN4321", "KA01AB1234"])
        self.assertEqual(self._calls(bill.move_id)[-1], "ewb_update_part_b")
        self.assertIn("Part-B updated", bill.move_id.message_ids[0].body)
        # the pre-flight says every problem at once, before any call
        calls = len(bill.move_id.l10n_in_einv_api_log_ids)
        with self.assertRaises(UserError) as caught:
            self._part_b(bill, vehicle="K", reason_remark="  ", from_place=" ")
        message = str(caught.exception)
        for code in ("[304]", "[305]", "[308]"):
            self.assertIn(code, message)
        self.assertEqual(len(bill.move_id.l10n_in_einv_api_log_ids), calls)

    def test_part_a_only_gets_its_validity_at_the_first_part_b(self):
        bill = self._bill(9200.0, part_a_only=True, vehicle_no=False, transporter_gstin=master.BUYER_KA["gstin"],
                          transporter_name="Kaveri Movers")
        self.assertFalse(bill.valid_till)
        wizard = self._open(bill, "part_b", reason_remark="Truck loaded", from_place="Bengaluru",
                            vehicle_no="KA01AB1234")
        self.assertEqual(wizard.reason_code, "4", "a Part-A slip's first vehicle is 'first time'")
        params = wizard.action_update()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertTrue(bill.valid_till)
        self.assertFalse(bill.part_a_only)
        self.assertEqual(bill.move_id.l10n_in_einv_ewb_valid_till, bill.valid_till)
        self.assertIn("valid from now on", params["message"])

    def test_lost_reply_on_part_b_records_exactly_one_update(self):
        bill = self._bill(9300.0)
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "ewb_vehicle", "times": 1}])
        params = self._part_b(bill, vehicle="KA05MN9999")
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn("done once", params["message"])
        self.assertEqual(bill.vehicle_no, "KA05MN9999")
        self.assertEqual(len(bill.event_ids.filtered(lambda e: e.kind == "vehicle")), 1)
        self.assertEqual(len(self.sandbox.ewaybill(bill.name)["VehiclListDetails"]), 2, "one update, not two")
        calls = self._calls(bill.move_id)
        self.assertEqual(calls.count("ewb_update_part_b"), 1)
        self.assertEqual(calls[-1], "ewb_get")
        # a lost reply whose look-up fails too: the user is told to refresh, nothing is resent blindly
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "ewb_vehicle", "times": 1},
                                 {"kind": "http_error", "status": 503, "endpoint": "ewb_get", "times": 1}])
        params = self._part_b(bill, vehicle="KA05MN7777")
        self.assertEqual(params["type"], "warning", params["message"])
        self.assertIn("Refresh", params["message"])
        self.assertEqual(bill.ewb_unknown_action, "update_part_b")
        params = bill.action_l10n_in_einv_ewb_refresh()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertFalse(bill.ewb_unknown_action)
        self.assertEqual(bill.vehicle_no, "KA05MN7777")

    def test_rate_limit_pauses_the_ewb_api_only_and_says_when_to_try_again(self):
        bill = self._bill(9350.0)
        self.sandbox.set_faults([{"kind": "rate_limit", "endpoint": "ewb_vehicle", "retry_after": 120, "times": 1}])
        params = self._part_b(bill, vehicle="KA05MN2222")
        self.assertEqual(params["type"], "warning", params["message"])
        self.assertIn("Try again after", params["message"])
        self.assertEqual(bill.vehicle_no, "KA01AB1234", "nothing changed")
        credential = self.credential
        self.assertTrue(credential.ewb_paused_until)
        self.assertEqual(credential.ewb_pause_reason, "rate_limited")
        self.assertFalse(credential.paused_until, "the IRP is not paused by the e-way bill system")
        calls = len(bill.move_id.l10n_in_einv_api_log_ids)
        params = self._part_b(bill, vehicle="KA05MN2222")
        self.assertEqual(params["type"], "warning", params["message"])
        self.assertEqual(len(bill.move_id.l10n_in_einv_api_log_ids), calls, "deferred while paused: no call")
        self.assertEqual(credential.action_l10n_in_einv_ewb_test_connection()["params"]["type"], "success")
        self.assertFalse(credential.ewb_paused_until)
        self.assertEqual(self._part_b(bill, vehicle="KA05MN2222")["type"], "success")
        self.assertEqual(bill.vehicle_no, "KA05MN2222")

    def test_transporter_update(self):
        bill = self._bill(9400.0)
        wizard = self._open(bill, "transporter", transporter_gstin=master.TRANSPORTER["gstin"],
                            transporter_name="Nandi Roadways")
        params = wizard.action_update()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertRecordValues(bill, [{"transporter_gstin": master.TRANSPORTER["gstin"],
                                        "transporter_name": "Nandi Roadways"}])
        self.assertEqual(bill.event_ids.filtered(lambda e: e.kind == "transporter").values["transporterId"],
                         master.TRANSPORTER["gstin"])
        self.assertEqual(self.sandbox.ewaybill(bill.name)["transporterId"], master.TRANSPORTER["gstin"])
        with self.assertRaisesRegex(UserError, "(?s)Nothing was sent.*15 characters"):
            self._open(bill, "transporter", transporter_gstin="NOT-A-GSTIN").action_update()

    def test_extension_only_inside_its_window_and_never_past_360_days(self):
        bill = self._bill(9500.0)
        calls = len(bill.move_id.l10n_in_einv_api_log_ids)
        with self.assertRaises(UserError) as caught:
            self._open(bill, "extend", **self._extend_values(bill)).action_extend()
        self.assertIn("[382]", str(caught.exception))
        self.assertEqual(len(bill.move_id.l10n_in_einv_api_log_ids), calls, "refused before any call")
        # two hours before its end, with the reminder sent: extended, the reminder starts again
        valid_till = bill.valid_till
        bill._l10n_in_einv_set({"reminded": True})
        bill.move_id._l10n_in_einv_ewaybill_remind(bill)  # what the hourly action did 8 hours before the end
        reminder = bill.move_id.activity_ids.filtered(lambda a: a.summary == "E-way bill expiring")
        self.assertEqual(len(reminder), 1)
        self.sandbox.set_clock(valid_till.replace(tzinfo=timezone.utc) - timedelta(hours=2))
        params = self._open(bill, "extend", **self._extend_values(bill)).action_extend()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertGreater(bill.valid_till, valid_till)
        self.assertRecordValues(bill, [{"state": "active", "reminded": False, "extended_times": 1}])
        self.assertFalse(reminder.exists(), "the reminder of the old end is done; the next one comes before the new")
        self.assertEqual(bill.move_id.l10n_in_einv_ewb_valid_till, bill.valid_till)
        self.assertEqual(bill.event_ids.filtered(lambda e: e.kind == "extended").reason_code, "5")
        self.assertEqual(self._calls(bill.move_id)[-2:], ["ewb_get", "ewb_extend"])
        # past day 360 from its generation: never
        self.sandbox.set_clock(bill.ewb_date.replace(tzinfo=timezone.utc) + timedelta(days=361))
        with self.assertRaises(UserError) as caught:
            self._open(bill, "extend", **self._extend_values(bill)).action_extend()
        self.assertIn("[821]", str(caught.exception))
        self.assertIn("360 days", str(caught.exception))

    def test_extension_of_goods_in_transit(self):
        bill = self._bill(9550.0)
        values = self._extend_values(bill, consignment_status="T", transit_type="W", vehicle_no=False,
                                     address_line1="Warehouse 4", address_line2="Tumkur Road",
                                     address_line3="Bengaluru")
        with self.assertRaises(UserError) as caught:  # in transit: the address is needed
            self._open(bill, "extend", **dict(values, address_line2=False)).action_extend()
        self.assertIn("[707]", str(caught.exception))
        self.sandbox.set_clock(bill.valid_till.replace(tzinfo=timezone.utc) + timedelta(hours=3))
        bill._l10n_in_einv_set({"state": "expired"})  # the hourly action saw its end pass
        params = self._open(bill, "extend", **values).action_extend()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertEqual(bill.state, "active")
        extension = self.sandbox.ewaybill(bill.name)["extensions"][-1]
        self.assertEqual((extension["consignmentStatus"], extension["transitType"]), ("T", "W"))

    def test_production_cancels_only_through_the_ewb_api(self):
        bill = self._bill(9620.0)
        self.credential.write({"environment": "production", "ewb_password": False})
        self.assertFalse(self.credential.ewb_configured)
        calls = len(bill.move_id.l10n_in_einv_api_log_ids)
        with self.assertRaisesRegex(UserError, "In production the IRP does not cancel e-way bills"):
            bill.move_id._l10n_in_einv_ewaybill_cancel(bill, "2", "Order cancelled")
        self.assertEqual(len(bill.move_id.l10n_in_einv_api_log_ids), calls)
        self.assertEqual(bill.state, "active")

    def test_cancel_goes_through_the_ewb_api_and_is_refused_after_24_hours(self):
        bill = self._bill(9600.0)
        action = bill.action_l10n_in_einv_open_cancel_wizard()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create(
            {"reason": "2", "remark": "Order cancelled"})
        params = wizard.action_cancel_ewaybill()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn("e-way bill system", params["message"])
        self.assertRecordValues(bill, [{"state": "cancelled", "cancel_reason": "2",
                                        "cancel_remark": "Order cancelled"}])
        self.assertEqual(self._calls(bill.move_id)[-1], "ewb_cancel")
        self.assertEqual(self.sandbox.ewaybill(bill.name)["status"], "CNL")
        late = self._bill(9650.0)
        self.sandbox.advance_clock(hours=25)
        cancelled, message = late.move_id._l10n_in_einv_ewaybill_cancel(late, "4", "Too late")
        self.assertFalse(cancelled)
        self.assertIn("[315]", message)
        self.assertIn("24 hours", message)
        self.assertEqual(late.state, "active")

    def test_refresh_records_part_b_made_elsewhere_once(self):
        bill = self._bill(9700.0)
        self._part_b(bill, vehicle="KA05MN4321")
        # the transporter's office updates the vehicle directly in the e-way bill system
        client = self.credential._l10n_in_einv_ewb_client()
        client.send_part_b(part_b_payload(bill.name, vehicle_no="KA09XY5678", from_place="Mysuru", from_state=29,
                                          reason_code=2, reason_remark="Transshipment"))
        for _round in range(2):
            params = bill.action_l10n_in_einv_ewb_refresh()["params"]
            self.assertEqual(params["type"], "success", params["message"])
        recorded = bill.event_ids.filtered(lambda e: e.kind == "recorded")
        self.assertEqual([e.values["vehicleNo"] for e in recorded], ["KA09XY5678"],
                         "only the update made elsewhere, once")
        self.assertEqual(bill.vehicle_no, "KA09XY5678")
        self.assertEqual(self._calls(bill.move_id)[-1], "ewb_get")

    def test_closure_hidden_and_refused_while_on_hold(self):
        bill = self._bill(9800.0)
        self.assertFalse(bill.closure_offered)
        with self.assertRaisesRegex(UserError, "on hold"):
            bill.with_context(l10n_in_einv_ewb_wizard="close").action_l10n_in_einv_ewb_wizard()
        calls = len(bill.move_id.l10n_in_einv_api_log_ids)
        kind, message = bill._l10n_in_einv_ewb_close(fields.Date.today(), "Delivered")
        self.assertEqual(kind, "danger")
        self.assertIn("on hold", message)
        self.assertEqual(len(bill.move_id.l10n_in_einv_api_log_ids), calls)
        # once GSTN lets it apply (the company's switch, and NIC's)
        self.company.l10n_in_einv_ewb_closure_rule = True
        self.sandbox.set_rules(ewb_voluntary_closure=True)
        self.addCleanup(self.sandbox.reset_rules)
        bill.invalidate_recordset(["closure_offered"])
        self.assertTrue(bill.closure_offered)
        params = self._open(bill, "close", closure_date=self.sandbox.now().date(),
                            remarks="Delivered").action_close()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertEqual(bill.closure_date, self.sandbox.now().date())

    def test_a_neutralized_copy_never_talks_to_the_real_ewb_system(self):
        self.credential.write({"ewb_environment": "production"})
        self.env.flush_all()
        with file_open("l10n_in_einvoice/data/neutralize.sql") as sql:
            self.env.cr.execute(sql.read())
        self.credential.invalidate_recordset()
        stored = self.credential.sudo()
        self.assertEqual(stored.ewb_environment, "local_sandbox")
        self.assertTrue(stored.ewb_base_url.startswith("http://127.0.0.1"))
        self.assertFalse(stored.ewb_password_encrypted or stored.ewb_session_encrypted)

    def test_every_ewb_problem_is_worded_with_the_same_facts(self):
        def names(template):
            return set(re.findall(r"%\((\w+)\)", template))

        self.assertLessEqual(set(ewb_validation.TEMPLATES), set(EWB_PROBLEM_TEXTS))
        for key, english in ewb_validation.TEMPLATES.items():
            worded = self.env._(EWB_PROBLEM_TEXTS[key])
            self.assertEqual(names(worded), names(english), key)
        self.assertLessEqual(set(EWB_FIELD_LABELS), set(ewb_validation.FIELD_LABELS))
        bill = self._bill(9990.0)
        words = bill._l10n_in_einv_ewb_words(ewb_validation.validate_transporter(bill.name, "NOT-A-GSTIN"))
        self.assertIn("must be 15 characters long", words)  # a GSTIN problem worded for the IRP pre-flight too

    def test_rights_and_masked_log(self):
        bill = self._bill(9900.0)
        users = self.env["res.users"].with_context(no_reset_password=True)
        common = {"company_id": self.company.id, "company_ids": [Command.set(self.company.ids)]}
        clerk = users.create({"name": "Clerk", "login": "ewbs_clerk", **common,
                              "groups_id": [Command.set([self.env.ref("account.group_account_invoice").id])]})
        manager = users.create({"name": "Manager", "login": "ewbs_manager", **common,
                                "groups_id": [Command.set([self.env.ref("account.group_account_manager").id])]})
        # a billing user acts on the e-way bill ...
        params = self._part_b(bill.with_user(clerk), vehicle="KA05MN1111")
        self.assertEqual(params["type"], "success", params["message"])
        # ... but sees no credential; a manager sees the EWB user, never its password
        with self.assertRaises(AccessError):
            self.credential.with_user(clerk).read(["ewb_username"])
        as_manager = self.credential.with_user(manager)
        self.assertEqual(as_manager.ewb_username, self.ewb_user["username"])
        self.assertEqual(as_manager.ewb_password, "********")
        with self.assertRaises(AccessError):
            as_manager.read(["ewb_password_encrypted"])
        # nobody writes what the e-way bill system said, administrators included
        for target in (bill.with_user(clerk), bill, bill.sudo()):
            with self.assertRaises(AccessError):
                target.write({"extended_times": 5})
        for target in (as_manager, self.credential.sudo()):
            with self.assertRaises(AccessError):
                target.write({"ewb_session_encrypted": "forged"})
            with self.assertRaises(AccessError):
                target.write({"ewb_paused_until": fields.Datetime.now()})
        # the log: the EWB password, app_key, SEK and token never appear
        self.credential.action_l10n_in_einv_ewb_test_connection()
        logs = self.env["l10n_in.einvoice.api.log"].search([("gstin", "=", KA["gstin"]),
                                                            ("endpoint", "like", "ewb_")])
        auth = logs.filtered(lambda log: log.endpoint == "ewb_auth")
        self.assertTrue(auth)
        state = self.credential._l10n_in_einv_ewb_client().session_state
        text = "\n".join(f"{log.request_text}\n{log.response_text}" for log in logs)
        for secret in (self.ewb_user["password"], self.sandbox.client_secret, state.auth_token):
            self.assertNotIn(secret, text)
        for log in auth:
            self.assertIn('"password":"***"', log.request_text)
            self.assertIn('"app_key":"***"', log.request_text)
            self.assertIn('"sek":"***"', log.response_text)
            self.assertIn('"authtoken":"***"', log.response_text)


@tagged("post_install", "-at_install")
class TestEinvoiceEwaybillSystemTour(EwbSystemCase, HttpCase):

    def test_generate_then_update_the_vehicle(self):
        self.env.user.write({"company_id": self.company.id, "company_ids": [(4, self.company.id)]})
        move = self._irn_invoice(9950.0)
        self.start_tour(f"/web#action=account.action_move_out_invoice_type&model=account.move&view_type=form"
                        f"&id={move.id}", "l10n_in_einvoice_ewaybill_part_b", login=self.env.user.login)
        bill = move.l10n_in_einv_ewaybill_ids
        self.assertEqual(len(bill), 1)
        self.assertRecordValues(bill, [{"state": "active", "vehicle_no": "KA05MN4321"}])
        self.assertEqual(bill.event_ids.filtered(lambda e: e.kind == "vehicle").reason_code, "1")
        self.assertEqual([row["vehicleNo"] for row in self.sandbox.ewaybill(bill.name)["VehiclListDetails"]],
                         ["KA05MN4321", "KA01AB1234"])
