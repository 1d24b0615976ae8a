"""Events for other systems: Odoo's automation rules see the addon's state changes
(IRN registered / failed / cancelled, e-way bill generated / cancelled) and their
"Send Webhook Notification" action posts them to a real HTTP server of the test.

Odoo 18 posts a webhook synchronously, inside the write that set the state, with a
1-second timeout and no retry (ir.actions.server._run_action_webhook). The server
here records each body before it answers, and the test waits for the bodies it
expects, so a slow machine delays the test instead of failing it."""
import http.server
import json
import threading
from urllib.parse import parse_qs, urlparse

from odoo import Command
from odoo.tests import tagged

from ..irp import crypto
from ..tools import write_guard
from .common import L10nInEinvoiceCommon

WAIT_SECONDS = 10

REGISTERED_FIELDS = ["name", "move_type", "l10n_in_einv_state", "l10n_in_einv_irn", "l10n_in_einv_ack_no",
                     "l10n_in_einv_ack_date"]
FAILED_FIELDS = ["name", "l10n_in_einv_state", "l10n_in_einv_error", "l10n_in_einv_error_codes"]
CANCELLED_FIELDS = ["name", "l10n_in_einv_state", "l10n_in_einv_irn", "l10n_in_einv_cancel_reason",
                    "l10n_in_einv_cancel_remark", "l10n_in_einv_cancel_date"]
EWB_FIELDS = ["name", "l10n_in_einv_irn", "l10n_in_einv_ewb_no", "l10n_in_einv_ewb_status",
              "l10n_in_einv_ewb_valid_till"]


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Another system's endpoint: keeps every JSON body with the event named in its URL."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
        event = parse_qs(urlparse(self.path).query).get("event", [None])[0]
        with self.server.arrived:  # recorded before the answer: a late answer loses nothing
            self.server.received.append((event, self.headers.get("Content-Type"), body))
            self.server.arrived.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestEinvoiceEvents(L10nInEinvoiceCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        server.received, server.arrived = [], threading.Condition()
        threading.Thread(target=server.serve_forever, name="einv-webhook-receiver", daemon=True).start()
        cls.addClassCleanup(server.server_close)
        cls.addClassCleanup(server.shutdown)
        cls.receiver = server
        cls.hook_url = "http://127.0.0.1:%d/odoo-einvoice" % server.server_address[1]

    def setUp(self):
        super().setUp()
        with self.receiver.arrived:
            self.receiver.received.clear()

    # --- helpers --------------------------------------------------------------------------

    def _field(self, name):
        return self.env["ir.model.fields"]._get("account.move", name)

    def _webhook_rule(self, event, field, value, payload_fields):
        """What a user builds in Settings > Technical > Automation Rules: on save, when `field`
        was updated and now equals `value`, send a webhook with `payload_fields`."""
        rule = self.env["base.automation"].create({
            "name": f"E-invoice event: {event}",
            "model_id": self.env["ir.model"]._get("account.move").id,
            "trigger": "on_create_or_write",
            "trigger_field_ids": [Command.set(self._field(field).ids)],
            "filter_domain": repr([(field, "=", value)]),
        })
        self._webhook_action(rule, event, payload_fields)
        return rule

    def _state_set_rule(self, event, field, value, payload_fields):
        """The "State is set to" trigger, pointed at one of our selection fields (possible from
        data or code; the UI offers it only for a field named 'state')."""
        selection = self.env["ir.model.fields.selection"].search(
            [("field_id", "=", self._field(field).id), ("value", "=", value)])
        rule = self.env["base.automation"].create({
            "name": f"E-invoice event: {event}",
            "model_id": self.env["ir.model"]._get("account.move").id,
            "trigger": "on_state_set",
            "trigger_field_ids": [Command.set(self._field(field).ids)],
            "trg_selection_field_id": selection.id,
        })
        self.assertEqual(rule.filter_domain, repr([(field, "=", value)]))
        self._webhook_action(rule, event, payload_fields)
        return rule

    def _webhook_action(self, rule, event, payload_fields):
        action = self.env["ir.actions.server"].create({
            "name": f"Post {event}", "model_id": rule.model_id.id, "usage": "base_automation",
            "base_automation_id": rule.id, "state": "webhook", "webhook_url": f"{self.hook_url}?event={event}",
            "webhook_field_ids": [Command.set([self._field(name).id for name in payload_fields])],
        })
        rule.write({"action_server_ids": [Command.set(action.ids)]})
        self.addCleanup(rule.unlink)  # takes its hooks off account.move again
        return action

    def _events(self, count):
        """The first `count` bodies received, waiting for them if needed; then all of them."""
        with self.receiver.arrived:
            self.receiver.arrived.wait_for(lambda: len(self.receiver.received) >= count, timeout=WAIT_SECONDS)
            return list(self.receiver.received)

    def _irn_rules(self):
        self._webhook_rule("irn_registered", "l10n_in_einv_state", "generated", REGISTERED_FIELDS)
        self._webhook_rule("irn_failed", "l10n_in_einv_state", "error", FAILED_FIELDS)
        self._webhook_rule("irn_cancelled", "l10n_in_einv_state", "cancelled", CANCELLED_FIELDS)

    # --- IRN events -----------------------------------------------------------------------

    def test_registered_posts_one_event_with_irn_and_ack(self):
        self._irn_rules()
        move = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7100.0)])
        self.assertEqual(self._events(0), [], "posting (to send) is no event of these rules")
        move.action_l10n_in_einv_generate()
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        [(event, content_type, body)] = self._events(1)
        self.assertEqual((event, content_type), ("irn_registered", "application/json"))
        rule = self.env["base.automation"].search([("name", "=", "E-invoice event: irn_registered")])
        action = rule.action_server_ids
        self.assertEqual(body, {
            "_id": move.id, "_model": "account.move", "_action": f"{action.name}(#{action.id})", "id": move.id,
            "name": move.name, "move_type": "out_invoice", "l10n_in_einv_state": "generated",
            "l10n_in_einv_irn": move.l10n_in_einv_irn, "l10n_in_einv_ack_no": move.l10n_in_einv_ack_no,
            "l10n_in_einv_ack_date": str(move.l10n_in_einv_ack_date),
        })
        self.assertEqual(len(move.l10n_in_einv_irn), 64)
        self.assertEqual(len(move.l10n_in_einv_ack_no), 15)
        # the IRN the event carries is one the IRP holds, for this invoice
        held = self.credential._l10n_in_einv_client().get_irn(body["l10n_in_einv_irn"])
        self.assertEqual((held.irn, str(held.ack_no)), (move.l10n_in_einv_irn, body["l10n_in_einv_ack_no"]))

    def test_refusal_posts_the_failed_event(self):
        self._irn_rules()
        self.product_rice.l10n_in_hsn_code = "12"  # stopped before any call: a person must fix the product
        move = self._invoice(self.partner_intra, [(self.product_rice, 1, 100.0)])
        self.env["account.move"]._cron_l10n_in_einv_send()
        self.assertEqual(move.l10n_in_einv_state, "error")
        [(event, _type, body)] = self._events(1)
        self.assertEqual(event, "irn_failed")
        self.assertEqual((body["_id"], body["name"], body["l10n_in_einv_state"]), (move.id, move.name, "error"))
        self.assertEqual(body["l10n_in_einv_error_codes"], "preflight")
        self.assertEqual(body["l10n_in_einv_error"], move.l10n_in_einv_error)
        self.assertIn("HSN", body["l10n_in_einv_error"])
        # only a change is an event: failing again posts nothing, another invoice's IRN posts its own
        other = self._invoice(self.partner_intra, [(self.product_laptop, 1, 7150.0)])
        (move + other).action_l10n_in_einv_generate()
        self.assertEqual((move.l10n_in_einv_state, other.l10n_in_einv_state), ("error", "generated"))
        self.assertEqual([(event, body["_id"]) for event, _type, body in self._events(2)],
                         [("irn_failed", move.id), ("irn_registered", other.id)])

    def test_cancelled_posts_the_cancelled_event(self):
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 7200.0)]))
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        self._irn_rules()
        cancelled, message = move._l10n_in_einv_cancel("1", "Duplicate")
        self.assertTrue(cancelled, message)
        [(event, _type, body)] = self._events(1)
        self.assertEqual(event, "irn_cancelled")
        self.assertEqual(body["l10n_in_einv_state"], "cancelled")
        self.assertEqual(body["l10n_in_einv_irn"], move.l10n_in_einv_irn)
        self.assertEqual((body["l10n_in_einv_cancel_reason"], body["l10n_in_einv_cancel_remark"]), ("1", "Duplicate"))
        self.assertEqual(body["l10n_in_einv_cancel_date"], str(move.l10n_in_einv_cancel_date))
        # the IRP says so too
        self.assertEqual(move.action_l10n_in_einv_refresh()["params"]["type"], "success")
        self.assertEqual(move.l10n_in_einv_irp_status, "CNL")
        self.assertEqual(len(self._events(1)), 1, "a refresh that changes nothing posts nothing")

    def test_ui_state_trigger_targets_the_posting_state(self):
        """Why the README builds the rules with "On save": in the UI, "State is set to" on an
        invoice watches its posting state, never our fields."""
        rule = self.env["base.automation"].create({
            "name": "state", "model_id": self.env["ir.model"]._get("account.move").id, "trigger": "on_state_set"})
        self.assertEqual(rule.trigger_field_ids.mapped("name"), ["state"])

    # --- e-way bill events ----------------------------------------------------------------

    def test_e_way_bill_events(self):
        """Generated: the addon stores an e-way bill the IRP reports with the IRN (here one made at
        the portal while Odoo's reply was lost, found by the look-up). Cancelled: no code path of the
        addon cancels an e-way bill yet, so the fields are written as the addon writes them (ORM write
        inside write_guard.trusted()), after a real cancellation at the sandbox."""
        self._state_set_rule("ewb_generated", "l10n_in_einv_ewb_status", "active", EWB_FIELDS)
        self._state_set_rule("ewb_cancelled", "l10n_in_einv_ewb_status", "cancelled", EWB_FIELDS)
        move = self._invoice(self.partner_inter, [(self.product_laptop, 1, 7300.0, self.igst_18)])
        self.sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn"},
                                 {"kind": "http_error", "status": 502, "endpoint": "get_irn_by_doc"}])
        move.action_l10n_in_einv_generate()
        self.assertTrue(move.l10n_in_einv_outcome_unknown)
        self.sandbox.clear_faults()
        irn = crypto.irn_hash(self.company.vat, move.invoice_date, move._l10n_in_einv_build_payload()["DocDtls"]["Typ"],
                              move.name)
        client = self.credential._l10n_in_einv_client()
        ewb = client.generate_ewaybill({"Irn": irn, "TransMode": "1", "Distance": 0, "VehNo": "KA01AB1234",
                                        "VehType": "R"})
        self.assertEqual(self._events(0), [])
        move.action_l10n_in_einv_refresh()  # found at the IRP with its e-way bill, and stored
        self.assertEqual((move.l10n_in_einv_state, move.l10n_in_einv_irn), ("generated", irn))
        [(event, _type, body)] = self._events(1)
        self.assertEqual(event, "ewb_generated")
        self.assertEqual((body["l10n_in_einv_ewb_no"], body["l10n_in_einv_ewb_status"], body["l10n_in_einv_irn"]),
                         (ewb.ewb_no, "active", irn))
        self.assertEqual(body["l10n_in_einv_ewb_valid_till"], str(move.l10n_in_einv_ewb_valid_till))
        client.cancel_ewaybill(ewb.ewb_no, 3, "Data entry mistake")
        with write_guard.trusted():
            move.write({"l10n_in_einv_ewb_status": "cancelled"})
        events = self._events(2)
        self.assertEqual([event for event, _type, _body in events], ["ewb_generated", "ewb_cancelled"])
        self.assertEqual((events[1][2]["l10n_in_einv_ewb_no"], events[1][2]["l10n_in_einv_ewb_status"]),
                         (ewb.ewb_no, "cancelled"))


@tagged("post_install", "-at_install")
class TestEinvoiceRulesCannotHarmAnIrn(L10nInEinvoiceCommon):
    """Automation rules run inside the addon's writes: they get no permission to write
    what the IRP said, and their failure never loses an IRN."""

    def _code_rule(self, code):
        field = self.env["ir.model.fields"]._get("account.move", "l10n_in_einv_state")
        rule = self.env["base.automation"].create({
            "name": "A user's rule on registered IRNs",
            "model_id": self.env["ir.model"]._get("account.move").id,
            "trigger": "on_create_or_write", "trigger_field_ids": [Command.set(field.ids)],
            "filter_domain": repr([("l10n_in_einv_state", "=", "generated")]),
        })
        action = self.env["ir.actions.server"].create({
            "name": "Rule action", "model_id": rule.model_id.id, "usage": "base_automation",
            "base_automation_id": rule.id, "state": "code", "code": code,
        })
        rule.write({"action_server_ids": [Command.set(action.ids)]})
        self.addCleanup(rule.unlink)

    def test_a_rule_cannot_rewrite_the_ack_no(self):
        self._code_rule("record.write({'l10n_in_einv_ack_no': '999999999999999'})")
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 4100.0)]))
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        signed = crypto.signed_data(move.l10n_in_einv_signed_invoice)
        self.assertEqual(move.l10n_in_einv_ack_no, str(signed["AckNo"]), "the IRP's Ack No, not the rule's")
        self.assertIn("automation rule failed", move.message_ids[0].body)

    def test_a_failing_rule_never_loses_the_irn(self):
        self._code_rule("raise UserError('our ERP is down')")
        registered = self.sandbox.count_irns(self.company.vat)
        move = self._generate(self._invoice(self.partner_intra, [(self.product_laptop, 1, 4200.0)]))
        self.assertEqual(move.l10n_in_einv_state, "generated", move.l10n_in_einv_error)
        self.assertEqual(self.sandbox.count_irns(self.company.vat), registered + 1)
        self.assertTrue(move.l10n_in_einv_irn and move.l10n_in_einv_api_log_ids)
        self.assertIn("our ERP is down", move.message_ids[0].body)
