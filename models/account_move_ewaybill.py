"""The invoice's e-way bills (by IRN): the records, the current one the invoice shows, and
the generate / refresh / cancel conversations, whose protocol decisions are
irp/ewb_irn_policy.py's. The invoice holds the IRN, the row lock and the API log."""
import logging
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..irp import crypto, ewb_irn_policy as ewb_policy, policy, validation
from ..irp.ist import date_of, today as ist_today
from ..tools import write_guard
from .account_move import _utc_naive
from .account_move_irp import _ist as _ist_text
from .l10n_in_einvoice_ewaybill import CANCEL_WINDOW, EWB_CANCEL_REASONS, EWB_STATES

_logger = logging.getLogger(__name__)

URP = "URP"


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_in_einv_ewaybill_ids = fields.One2many("l10n_in.einvoice.ewaybill", "move_id", string="E-way bills",
                                                readonly=True)
    l10n_in_einv_ewaybill_id = fields.Many2one(
        "l10n_in.einvoice.ewaybill", string="Current e-way bill", compute="_compute_l10n_in_einv_ewaybill_id",
        store=True, readonly=True, copy=False, index="btree_not_null", check_company=True,
        help="The active e-way bill, else the latest one: what the invoice shows and prints.")
    l10n_in_einv_ewaybill_count = fields.Integer(string="E-way bill count",
                                                 compute="_compute_l10n_in_einv_ewaybill_count")
    # The invoice's e-way bill fields follow its current record: one source of truth (the dashboard,
    # the PDF, list filters and automation rules keep using these).
    l10n_in_einv_ewb_no = fields.Char(string="E-way bill", compute="_compute_l10n_in_einv_ewb", store=True,
                                      readonly=True, copy=False, help="Number of the invoice's current e-way bill.")
    l10n_in_einv_ewb_date = fields.Datetime(string="E-way bill date", compute="_compute_l10n_in_einv_ewb",
                                            store=True, readonly=True, copy=False)
    l10n_in_einv_ewb_valid_till = fields.Datetime(string="E-way bill valid till", compute="_compute_l10n_in_einv_ewb",
                                                  store=True, readonly=True, copy=False,
                                                  help="End of validity of the current e-way bill; empty while it "
                                                  "has only Part-A.")
    l10n_in_einv_ewb_status = fields.Selection(EWB_STATES, string="E-way bill status",
                                               compute="_compute_l10n_in_einv_ewb", store=True, readonly=True,
                                               copy=False)
    l10n_in_einv_ewb_unknown_since = fields.Datetime(
        string="E-way bill outcome unknown since", copy=False, readonly=True,
        help="A Generate e-way bill request went unanswered: the IRP is asked (by IRN) before anything is resent.")
    l10n_in_einv_ewb_can_generate = fields.Boolean(string="E-way bill can be generated",
                                                   compute="_compute_l10n_in_einv_ewb_can_generate",
                                                   help="The invoice has an active IRN and no active e-way bill.")
    l10n_in_einv_ewb_api_ready = fields.Boolean(related="l10n_in_einv_ewaybill_id.ewb_api_ready",
                                                string="E-way bill API configured",
                                                help="The GSTIN has credentials for the e-way bill system's own "
                                                "API, needed to update Part-B, change the transporter, extend or "
                                                "cancel.")

    @api.depends("l10n_in_einv_ewaybill_ids.state", "l10n_in_einv_ewaybill_ids.ewb_date")
    def _compute_l10n_in_einv_ewaybill_id(self):
        for move in self:
            bills = move.l10n_in_einv_ewaybill_ids.sorted(lambda b: (b.ewb_date or fields.Datetime.now(), b.id),
                                                          reverse=True)
            move.l10n_in_einv_ewaybill_id = (bills.filtered(lambda b: b.state == "active") or bills)[:1]

    def _compute_l10n_in_einv_ewaybill_count(self):
        counts = dict(self.env["l10n_in.einvoice.ewaybill"]._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]))
        for move in self:
            move.l10n_in_einv_ewaybill_count = counts.get(move._origin, 0)

    @api.depends("l10n_in_einv_ewaybill_id.name", "l10n_in_einv_ewaybill_id.ewb_date",
                 "l10n_in_einv_ewaybill_id.valid_till", "l10n_in_einv_ewaybill_id.state")
    def _compute_l10n_in_einv_ewb(self):
        for move in self:
            bill = move.l10n_in_einv_ewaybill_id
            move.l10n_in_einv_ewb_no = bill.name or False
            move.l10n_in_einv_ewb_date = bill.ewb_date or False
            move.l10n_in_einv_ewb_valid_till = bill.valid_till or False
            move.l10n_in_einv_ewb_status = bill.state or False

    @api.depends("state", "l10n_in_einv_state", "l10n_in_einv_ewb_status", "move_type")
    def _compute_l10n_in_einv_ewb_can_generate(self):
        for move in self:
            move.l10n_in_einv_ewb_can_generate = (
                move.state == "posted" and move.l10n_in_einv_state == "generated" and move.move_type == "out_invoice"
                and move.l10n_in_einv_ewb_status != "active")

    # --- the records ----------------------------------------------------------------------

    def _l10n_in_einv_ewaybill_record(self, ewb_no, source, ewb_date=None, valid_till=None, state="active",
                                      details=None, event="imported", event_values=None):
        """The record of e-way bill `ewb_no` of this invoice, created or brought up to date
        with what the IRP said. `details`: transport fields of the request. Returns it."""
        self.ensure_one()
        Bill = self.env["l10n_in.einvoice.ewaybill"].sudo()
        bill = Bill.search([("move_id", "=", self.id), ("name", "=", str(ewb_no))], limit=1)
        vals = {"ewb_date": _utc_naive(ewb_date) if ewb_date else False,
                "valid_till": _utc_naive(valid_till) if valid_till else False, "state": state, **(details or {})}
        with write_guard.trusted():
            if bill:
                changes = {key: value for key, value in vals.items() if value and bill[key] != value}
                if changes:
                    bill.write(changes)
                return bill.with_env(self.env)
            bill = Bill.create({"name": str(ewb_no), "move_id": self.id, "source": source, **vals})
        bill._l10n_in_einv_log(event, event_values or {key: str(value) for key, value in vals.items() if value})
        return bill.with_env(self.env)

    def _l10n_in_einv_ewaybill_known(self):
        return self.l10n_in_einv_ewaybill_ids.filtered(lambda b: b.state != "active").mapped("name")

    def action_l10n_in_einv_open_ewaybills(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_in_einvoice.action_l10n_in_einvoice_ewaybill")
        action.update(domain=[("move_id", "=", self.id)], context={"default_move_id": self.id})
        if len(self.l10n_in_einv_ewaybill_ids) == 1:
            action.update(res_id=self.l10n_in_einv_ewaybill_ids.id, view_mode="form",
                          views=[(False, "form")])
        return action

    def action_l10n_in_einv_open_ewaybill_wizard(self):
        self.ensure_one()
        self._l10n_in_einv_check_rights()
        self._l10n_in_einv_ewaybill_check_generate()
        return {"type": "ir.actions.act_window", "res_model": "l10n_in.einvoice.ewaybill.wizard",
                "view_mode": "form", "target": "new", "name": _("Generate e-way bill"),
                "context": {"default_move_id": self.id}}

    def action_l10n_in_einv_ewaybill_cancel(self):
        """The e-way bill cancel wizard, for the current active e-way bill (or the one in context)."""
        self.ensure_one()
        bill = self.env["l10n_in.einvoice.ewaybill"].browse(self.env.context.get("l10n_in_einv_ewaybill_id")) \
            if self.env.context.get("l10n_in_einv_ewaybill_id") else self.l10n_in_einv_ewaybill_id
        if not bill or bill.state != "active":
            raise UserError(_("%(move)s has no active e-way bill to cancel.", move=self.name))
        return {"type": "ir.actions.act_window", "res_model": "l10n_in.einvoice.ewaybill.cancel.wizard",
                "view_mode": "form", "target": "new", "name": _("Cancel e-way bill"),
                "context": {"default_ewaybill_id": bill.id}}

    def action_l10n_in_einv_ewb_wizard(self):
        """Part-B, transporter, extension or closure of the current e-way bill (context key
        l10n_in_einv_ewb_wizard), through the e-way bill system's API."""
        self.ensure_one()
        if not self.l10n_in_einv_ewaybill_id:
            raise UserError(_("%(move)s has no e-way bill.", move=self.name))
        return self.l10n_in_einv_ewaybill_id.action_l10n_in_einv_ewb_wizard()

    def action_l10n_in_einv_ewb_refresh(self):
        """The current e-way bill as the e-way bill system holds it (GetEwayBill)."""
        self.ensure_one()
        if not self.l10n_in_einv_ewaybill_id:
            raise UserError(_("%(move)s has no e-way bill.", move=self.name))
        return self.l10n_in_einv_ewaybill_id.action_l10n_in_einv_ewb_refresh()

    # --- generate ---------------------------------------------------------------------------

    def _l10n_in_einv_ewaybill_check_generate(self):
        """What forbids an e-way bill whatever the transport details (UserError, no call)."""
        if self.state != "posted" or self.l10n_in_einv_state != "generated" or not self.l10n_in_einv_irn:
            raise UserError(_("An e-way bill is made from an active IRN: %(move)s has none.", move=self.name))
        if self.move_type != "out_invoice":
            raise UserError(_("No e-way bill for a credit or debit note (%(move)s).", move=self.name))
        if self.l10n_in_einv_ewb_status == "active":
            raise UserError(_("%(move)s already has the active e-way bill %(number)s.", move=self.name,
                              number=self.l10n_in_einv_ewb_no))

    def _l10n_in_einv_irn_payload(self):
        """The invoice as the IRP holds it (its signed copy), else as built now."""
        if self.l10n_in_einv_signed_invoice:
            try:
                data = crypto.signed_data(self.l10n_in_einv_signed_invoice)
                if isinstance(data, dict) and data.get("DocDtls"):
                    return data
            except Exception:  # noqa: BLE001 - an unreadable copy: the built payload says the same
                _logger.info("Signed invoice of %s unreadable; using the built payload", self.name)
        return self._l10n_in_einv_build_payload()

    def _l10n_in_einv_ewaybill_payload(self, values):
        """The Generate e-way bill by IRN request (§9.2) from the wizard's values."""
        self.ensure_one()
        payload = {"Irn": self.l10n_in_einv_irn, "Distance": int(values.get("distance") or 0)}
        if values.get("transporter_gstin"):
            payload["TransId"] = values["transporter_gstin"].strip().upper()
        if values.get("transporter_name"):
            payload["TransName"] = values["transporter_name"].strip()
        mode = values.get("transport_mode")
        if mode and not values.get("part_a_only"):
            payload["TransMode"] = mode
            if mode == "1" or values.get("vehicle_no"):
                if values.get("vehicle_no"):
                    payload["VehNo"] = "".join(values["vehicle_no"].split()).upper()
                payload["VehType"] = values.get("vehicle_type") or "R"
            if values.get("transport_doc_no"):
                payload["TransDocNo"] = values["transport_doc_no"].strip()
            if values.get("transport_doc_date"):
                payload["TransDocDt"] = fields.Date.to_date(values["transport_doc_date"]).strftime("%d/%m/%Y")
        seller = self.company_id.partner_id
        dispatch = values.get("dispatch_partner")
        if dispatch and self._l10n_in_einv_address_key(dispatch) != self._l10n_in_einv_address_key(seller):
            payload["DispDtls"] = {k: v for k, v in {
                "Nm": self._l10n_in_einv_fit(dispatch.name or self.company_id.name, 100),
                **self._l10n_in_einv_address(dispatch)}.items() if v not in (None, "")}
        ship = values.get("ship_partner")
        buyer_address = self._l10n_in_einv_buyer_address_partner()
        export = self.l10n_in_gst_treatment == "overseas"
        if ship and not self._l10n_in_einv_is_foreign(ship) and (
                export or self._l10n_in_einv_address_key(ship) != self._l10n_in_einv_address_key(buyer_address)):
            block = {k: v for k, v in self._l10n_in_einv_address(ship).items() if v not in (None, "")}
            if self.company_id._l10n_in_einv_calendar().applies("ship_to_gstin", ist_today()):
                block["Gstin"] = (ship.vat or "").strip() or URP
            payload["ExpShipDtls"] = block
        return payload

    def _l10n_in_einv_ewaybill_preflight(self, payload, values=None, today=None):
        """Every problem of the request, in words naming what to fix; [] when it may be sent.
        today: the day of generation in India (the document age is judged on it)."""
        self.ensure_one()
        values = values or {}
        company = self.company_id
        today = today or ist_today()
        problems = validation.validate_ewaybill(payload, invoice=self._l10n_in_einv_irn_payload(), today=today,
                                                calendar=company._l10n_in_einv_calendar())
        places = {
            "DispDtls": _("Dispatch address '%(name)s'", name=values.get("dispatch_partner") and
                          values["dispatch_partner"].display_name or ""),
            "ExpShipDtls": _("Ship-to address '%(name)s'", name=values.get("ship_partner") and
                             values["ship_partner"].display_name or ""),
            "Irn": _("Invoice '%(name)s'", name=self.name),
        }
        messages = [self._l10n_in_einv_problem_message(problem, place=places.get(problem.section, _("E-way bill")))
                    for problem in problems]
        if not company._l10n_in_einv_credential():
            messages.append(_("No IRP credentials for GSTIN %(gstin)s.", gstin=company.vat or "?"))
        if values.get("vehicle_no") and values.get("part_a_only"):
            messages.append(_("E-way bill: a Part-A slip carries no vehicle; untick 'Part-A only' to send it."))
        return messages

    def _l10n_in_einv_ewaybill_generate(self, values):
        """Generate the e-way bill by IRN. Returns (notification type, message).

        Pre-flight problems raise UserError before any call. Once the IRP was called nothing
        is raised (that would roll back the API log and the record)."""
        self.ensure_one()
        self._l10n_in_einv_check_rights()
        self._l10n_in_einv_ewaybill_check_generate()
        payload = self._l10n_in_einv_ewaybill_payload(values)
        problems = self._l10n_in_einv_ewaybill_preflight(payload, values)
        if problems:
            raise UserError(_("Nothing was sent to the IRP. Fix these first:\n%(problems)s",
                              problems="\n".join(f"• {p}" for p in problems)))
        if not self._l10n_in_einv_try_lock():
            raise UserError(_("The invoice is being processed by another user; try again."))
        credential = self.company_id._l10n_in_einv_credential()
        knowledge = policy.MAYBE_SENT if self.l10n_in_einv_ewb_unknown_since else policy.NEVER_SENT
        gate = policy.GstinGate(credential._l10n_in_einv_pause())
        records = []
        try:
            client = credential._l10n_in_einv_client(on_call=records.append)
            outcome = ewb_policy.generate(client, payload, knowledge, gate=gate,
                                          known=self._l10n_in_einv_ewaybill_known())
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=self)
            credential._l10n_in_einv_flush_session()
        if isinstance(outcome, (policy.RetryAt, policy.Unknown)):
            credential._l10n_in_einv_after_outcome(outcome)
        return self._l10n_in_einv_ewaybill_apply(outcome, payload, values)

    def _l10n_in_einv_ewaybill_details(self, payload, values):
        dispatch = payload.get("DispDtls") or {}
        ship = payload.get("ExpShipDtls") or {}
        irn_payload = self._l10n_in_einv_irn_payload()
        origin = irn_payload.get("DispDtls") or irn_payload.get("SellerDtls") or {}
        from_pin = dispatch.get("Pin") or origin.get("Pin")
        to_pin = ship.get("Pin") or (irn_payload.get("ShipDtls") or irn_payload.get("BuyerDtls") or {}).get("Pin")
        return {
            "transport_mode": payload.get("TransMode") or False, "vehicle_no": payload.get("VehNo") or False,
            "vehicle_type": payload.get("VehType") if payload.get("VehNo") else False,
            "transporter_gstin": payload.get("TransId") or False, "transporter_name": payload.get("TransName") or False,
            "transport_doc_no": payload.get("TransDocNo") or False,
            "transport_doc_date": values.get("transport_doc_date") if payload.get("TransDocDt") else False,
            "from_pin": from_pin and str(from_pin) or False, "to_pin": to_pin and str(to_pin) or False,
        }

    def _l10n_in_einv_ewaybill_apply(self, outcome, payload, values):
        """One outcome of the policy on the records and the chatter; (type, message)."""
        if isinstance(outcome, (ewb_policy.Generated, ewb_policy.Adopted)):
            bill = outcome.bill
            adopted = isinstance(outcome, ewb_policy.Adopted)
            details = {} if adopted else self._l10n_in_einv_ewaybill_details(payload, values)
            if not adopted:
                sent = payload.get("Distance") or 0
                details.update(distance=bill.distance if not sent and bill.distance else sent,
                               distance_computed=bool(not sent and bill.distance))
            record = self._l10n_in_einv_ewaybill_record(
                bill.ewb_no, "by_irn", bill.ewb_date, bill.valid_till, details=details,
                event="generated" if not adopted else "imported",
                event_values={k: v for k, v in payload.items() if k != "Irn"})
            with write_guard.trusted():
                self.write({"l10n_in_einv_ewb_unknown_since": False})
            if adopted:
                message = _("The IRP already held e-way bill %(number)s for this IRN: it was fetched and recorded "
                            "(nothing new was generated).", number=bill.ewb_no)
            elif outcome.recovered:
                message = _("E-way bill %(number)s found at the IRP after a lost reply, and recorded (generated "
                            "once).", number=bill.ewb_no)
            else:
                message = _("E-way bill %(number)s generated.", number=bill.ewb_no)
            if record.distance_computed:
                message += " " + _("Distance computed by the IRP from the PIN codes: %(km)s km.", km=record.distance)
            if record.valid_till:
                message += " " + _("Valid till %(till)s.", till=_ist_text(record.valid_till))
            else:
                message += " " + _("Part-A only: it becomes valid once the vehicle (Part-B) is added.")
            self._l10n_in_einv_note(message)
            self._l10n_in_einv_refresh_pdf()
            return "success", message
        if isinstance(outcome, policy.Refused):
            message = _("The IRP refused the e-way bill:\n%(problems)s",
                        problems=self._l10n_in_einv_explain_problems(outcome.problems))
            self._l10n_in_einv_note(message)
            return "danger", message
        if isinstance(outcome, policy.Unknown):
            with write_guard.trusted():
                self.write({"l10n_in_einv_ewb_unknown_since": self.l10n_in_einv_ewb_unknown_since
                            or fields.Datetime.now()})
            message = _("The IRP may have generated the e-way bill but its reply was lost (%(error)s). Press "
                        "Refresh e-way bill, or Generate again after %(at)s: the IRP is asked first, so it is "
                        "never generated twice.", error=outcome.error, at=_ist_text(outcome.at))
            self._l10n_in_einv_note(message)
            return "warning", message
        message = _("The IRP is not answering now (%(error)s): nothing was generated. Try again after %(at)s.",
                    error=outcome.error or (outcome.pause and outcome.pause.detail) or outcome.why,
                    at=_ist_text(outcome.at))
        return "warning", message

    # --- refresh ----------------------------------------------------------------------------

    def action_l10n_in_einv_ewaybill_refresh(self):
        """Ask the IRP for this IRN's e-way bill (get by IRN) and record what it says."""
        self.ensure_one()
        self._l10n_in_einv_check_rights()
        if not self.l10n_in_einv_irn:
            raise UserError(_("%(move)s has no IRN: its e-way bill is looked up by IRN.", move=self.name))
        credential = self.company_id._l10n_in_einv_credential()
        if not credential:
            raise UserError(_("No IRP credentials for GSTIN %(gstin)s.", gstin=self.company_id.vat))
        records = []
        try:
            client = credential._l10n_in_einv_client(on_call=records.append)
            found = ewb_policy.look_up(client, self.l10n_in_einv_irn)
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=self)
            credential._l10n_in_einv_flush_session()
        kind, message = self._l10n_in_einv_ewaybill_refreshed(found)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-way bill"), "message": message, "type": kind,
                           "next": {"type": "ir.actions.act_window_close"}}}

    def _l10n_in_einv_ewaybill_refreshed(self, found):
        if found is None:
            if self.l10n_in_einv_ewb_unknown_since:
                with write_guard.trusted():  # nothing was made: generating is safe again
                    self.write({"l10n_in_einv_ewb_unknown_since": False})
            return "info", _("The IRP holds no e-way bill for the IRN of %(move)s.", move=self.name)
        if isinstance(found, policy.RetryAt):
            return "warning", _("The IRP could not be asked now (%(error)s); try again in a moment.",
                                error=found.error)
        if isinstance(found, policy.Refused):
            return "danger", self._l10n_in_einv_explain_problems(found.problems)
        state = "cancelled" if found.status == ewb_policy.CANCELLED else "active"
        if state == "active" and found.valid_till and found.valid_till.astimezone(timezone.utc).replace(
                tzinfo=None) < fields.Datetime.now():
            state = "expired"
        existing = self.l10n_in_einv_ewaybill_ids.filtered(lambda b: b.name == found.ewb_no)
        previous = existing.state
        bill = self._l10n_in_einv_ewaybill_record(found.ewb_no, "by_irn", found.ewb_date, found.valid_till,
                                                  state=state, event="imported")
        if existing and previous != state:
            bill._l10n_in_einv_log("refreshed", {"state": state}, reason=_("Status at the IRP: %(status)s",
                                                                           status=found.status))
            if state == "cancelled" and not bill.cancel_date:
                bill._l10n_in_einv_set({"cancel_date": fields.Datetime.now()})
        if self.l10n_in_einv_ewb_unknown_since:
            with write_guard.trusted():
                self.write({"l10n_in_einv_ewb_unknown_since": False})
        if previous != state:
            self._l10n_in_einv_note(_("E-way bill %(number)s: %(status)s at the IRP.", number=found.ewb_no,
                                      status=dict(EWB_STATES)[state]))
            self._l10n_in_einv_refresh_pdf()
        return "success", _("E-way bill %(number)s: %(status)s.", number=found.ewb_no,
                            status=dict(EWB_STATES)[state])

    # --- cancel -----------------------------------------------------------------------------

    def _l10n_in_einv_ewaybill_cancel(self, bill, reason, remark):
        """Cancel e-way bill `bill` at the IRP. Returns (cancelled, message); checks that need
        no call raise UserError, nothing is raised once the IRP was called."""
        self.ensure_one()
        self._l10n_in_einv_check_rights()
        if bill.move_id != self or bill.state != "active":
            raise UserError(_("Only an active e-way bill of this invoice can be cancelled."))
        problems = validation.validate_ewaybill_cancel(bill.name, reason, remark)
        if problems:
            raise UserError("\n".join(self._l10n_in_einv_problem_message(p, place=_("E-way bill cancellation"))
                                      for p in problems))
        if not bill.cancellable:
            raise UserError(_(
                "E-way bill %(number)s was generated on %(date)s: it can be cancelled only within 24 hours of its "
                "generation (until %(until)s). Let it expire, or ask the recipient to reject it.",
                number=bill.name, date=_ist_text(bill.ewb_date), until=_ist_text(bill.ewb_date + CANCEL_WINDOW)))
        credential = self.company_id._l10n_in_einv_credential()
        if credential and credential._l10n_in_einv_ewb_configured():
            return bill._l10n_in_einv_ewb_cancel(reason, remark)  # the e-way bill system's own API
        if credential and credential._l10n_in_einv_is_production():
            raise UserError(_(
                "In production the IRP does not cancel e-way bills: they are cancelled through the e-way bill "
                "system's own API. A manager enters its user name and password on the credentials of GSTIN "
                "%(gstin)s (E-way bill system tab), then cancel again.", gstin=credential.gstin))
        if not self._l10n_in_einv_try_lock():
            raise UserError(_("The invoice is being processed by another user; try again."))
        records = []
        try:
            client = credential._l10n_in_einv_client(on_call=records.append)
            outcome = ewb_policy.cancel(client, bill.name, reason, remark, irn=self.l10n_in_einv_irn)
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=self)
            credential._l10n_in_einv_flush_session()
        if isinstance(outcome, ewb_policy.CancelRefused):
            refusal = {
                "window_closed": lambda: self.env._(
                    "The IRP refuses: e-way bill %(number)s can be cancelled only within 24 hours of its generation.",
                    number=bill.name),
                "verified": lambda: self.env._(
                    "The IRP refuses: e-way bill %(number)s was verified by an officer and can no longer be cancelled.",
                    number=bill.name),
                "not_answered": lambda: self.env._(
                    "The IRP did not answer (%(error)s). E-way bill %(number)s is still active; try again in a moment.",
                    error=outcome.error, number=bill.name),
            }.get(outcome.reason, lambda: self._l10n_in_einv_explain_problems(outcome.problems))()
            self._l10n_in_einv_note(_("E-way bill cancellation refused: %(reason)s", reason=refusal))
            return False, refusal
        bill._l10n_in_einv_set({"state": "cancelled", "cancel_reason": reason, "cancel_remark": remark,
                                "cancel_date": _utc_naive(outcome.cancel_date)})
        bill._l10n_in_einv_log("cancelled", {"cancel_date": str(_utc_naive(outcome.cancel_date))},
                               reason_code=reason, reason=remark)
        message = _("E-way bill %(number)s cancelled at the IRP (%(reason)s: %(remark)s).", number=bill.name,
                    reason=dict(EWB_CANCEL_REASONS)[reason], remark=remark)
        self._l10n_in_einv_note(message)
        self._l10n_in_einv_refresh_pdf()
        return True, message

    # --- reminders --------------------------------------------------------------------------

    def _l10n_in_einv_ewaybill_remind(self, bill):
        """An activity on the salesperson while the goods may still be moving."""
        self.ensure_one()
        self._l10n_in_einv_schedule_activity(
            _("E-way bill %(number)s of %(move)s is valid till %(till)s. If the goods are still moving, extend it "
              "(from 8 hours before to 8 hours after its end) or they travel without a valid e-way bill.",
              number=bill.name, move=self.name, till=_ist_text(bill.valid_till)),
            summary=_("E-way bill expiring"), deadline=date_of(bill.valid_till.replace(tzinfo=timezone.utc)))
