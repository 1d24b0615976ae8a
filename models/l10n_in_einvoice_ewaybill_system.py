"""What an e-way bill does through the e-way bill system's own API (nic-ewb-api.md §5):
Part-B (vehicle), transporter, extension, cancellation, refresh with the Part-B history, and
voluntary closure (on hold). The conversations and their recovery are irp/ewb_policy.py's, the
pre-flight irp/ewb_validation.py's; here each outcome becomes the record, a history row, a
chatter note on the invoice and a notification, in words from tools/ewb_problem_texts.py."""
import logging
from datetime import datetime, timedelta, timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from ..irp import ewb_client, ewb_policy, ewb_validation, ist
from ..irp.errors import AUTH, TRANSIENT, UNKNOWN_OUTCOME
from ..irp.ewb_errors import EwbError, UntrustedReply
from ..irp.ewb_results import EwbBill, PartBEntry, normalise_vehicle
from ..tools.ewb_problem_texts import EWB_FIELD_LABELS, EWB_PROBLEM_TEXTS
from ..tools.problem_texts import PROBLEM_TEXTS
from .account_move import _utc_naive
from .account_move_irp import _ist as _ist_text

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

ACTION_WORDS = {
    "update_part_b": _lt("Part-B update"), "update_transporter": _lt("transporter update"),
    "cancel": _lt("cancellation"), "extend": _lt("extension"), "close": _lt("closure"), "refresh": _lt("refresh"),
}


def _aware(value):
    return value.replace(tzinfo=timezone.utc) if value and not value.tzinfo else value


def _minute(moment):
    """A moment (aware, or naive UTC) as 'YYYY-MM-DD HH:MM' in UTC: how Part-B entries are matched."""
    if not moment:
        return ""
    if isinstance(moment, str):
        return moment[:16]
    return _aware(moment).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


class L10nInEinvoiceEwaybill(models.Model):
    _inherit = "l10n_in.einvoice.ewaybill"

    extended_times = fields.Integer(string="Extensions", readonly=True,
                                    help="How many times the validity was extended.")
    closure_date = fields.Date(string="Closed on", readonly=True)
    closure_remark = fields.Char(string="Closure remark", readonly=True)
    ewb_unknown_action = fields.Char(
        string="Update with an unknown outcome", readonly=True, copy=False,
        help="A request to the e-way bill system went unanswered: it is asked before that update is sent again.")
    ewb_unknown_since = fields.Datetime(string="Unknown outcome since", readonly=True, copy=False,
                                        help="An update sent to the e-way bill system got no reply since then: it "
                                        "is read back before anything is sent again.")
    ewb_api_ready = fields.Boolean(compute="_compute_ewb_api_ready", string="E-way bill API configured")
    closure_offered = fields.Boolean(compute="_compute_closure_offered", string="Voluntary closure available",
                                     help="Voluntary closure is switched on for the company and this e-way bill can "
                                     "be closed.")
    extension_opens = fields.Datetime(compute="_compute_extension_window", string="Extension possible from",
                                      help="The e-way bill system accepts an extension from 8 hours before the end "
                                      "of validity.")
    extension_closes = fields.Datetime(compute="_compute_extension_window", string="Extension possible until",
                                       help="The e-way bill system accepts an extension until 8 hours after the "
                                       "end of validity, and never past 360 days from generation.")

    @api.depends("company_id")
    def _compute_ewb_api_ready(self):
        for bill in self:
            credential = bill.company_id and bill.company_id._l10n_in_einv_credential()
            bill.ewb_api_ready = bool(credential) and credential._l10n_in_einv_ewb_configured()

    @api.depends("state", "company_id", "ewb_api_ready")
    def _compute_closure_offered(self):
        for bill in self:
            calendar = bill.company_id and bill.company_id._l10n_in_einv_calendar()
            bill.closure_offered = bool(bill.state == "active" and bill.ewb_api_ready and calendar
                                        and ewb_validation.closure_available(calendar, ist.today()) is None
                                        and not bill.closure_date)

    @api.depends("valid_till")
    def _compute_extension_window(self):
        for bill in self:
            opens, closes = ewb_validation.extension_window(bill.valid_till) if bill.valid_till else (False, False)
            bill.extension_opens, bill.extension_closes = opens, closes

    # --- the conversation -----------------------------------------------------------------

    def _l10n_in_einv_ewb_now(self):
        """Now, aware UTC: the moment the rules (window, cap, 24 h) are judged at."""
        return datetime.now(timezone.utc)

    def _l10n_in_einv_ewb_credential(self):
        self.ensure_one()
        credential = self.company_id._l10n_in_einv_credential()
        if not credential or not credential._l10n_in_einv_ewb_configured():
            raise UserError(_(
                "E-way bill %(number)s: this is done through the e-way bill system's own API, and GSTIN %(gstin)s "
                "has no credentials for it yet. A manager enters its user name and password on the e-invoicing "
                "credentials (E-way bill system tab).", number=self.name, gstin=self.company_id.vat or "?"))
        return credential

    def _l10n_in_einv_ewb_knowledge(self, action):
        return ewb_policy.MAYBE_SENT if self.ewb_unknown_action == action else ewb_policy.NEVER_SENT

    def _l10n_in_einv_ewb_run(self, action, run):
        """Lock, call run(client, gate, clock) (an ewb_policy action), log every exchange on the
        invoice, keep the session and the e-way bill pause; returns the outcome."""
        self.ensure_one()
        move = self.move_id
        move._l10n_in_einv_check_rights()
        credential = self._l10n_in_einv_ewb_credential()
        self.env.cr.execute("SELECT id FROM l10n_in_einvoice_ewaybill WHERE id = %s FOR UPDATE SKIP LOCKED",
                            [self.id])
        if not self.env.cr.fetchone() or not move._l10n_in_einv_try_lock():
            raise UserError(_("E-way bill %(number)s is being updated by another user; try again.", number=self.name))
        records = []
        try:
            client = credential._l10n_in_einv_ewb_client(on_call=records.append)
            outcome = run(client, credential._l10n_in_einv_ewb_gate(), self._l10n_in_einv_ewb_now)
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=move)
            credential._l10n_in_einv_ewb_flush_session()
        credential._l10n_in_einv_ewb_after_outcome(outcome)
        if isinstance(outcome, ewb_policy.Unknown):
            self._l10n_in_einv_set({"ewb_unknown_action": action,
                                    "ewb_unknown_since": self.ewb_unknown_since or fields.Datetime.now()})
        elif not isinstance(outcome, ewb_policy.RetryAt) and self.ewb_unknown_action == action:
            self._l10n_in_einv_set({"ewb_unknown_action": False, "ewb_unknown_since": False})
        return outcome

    def _l10n_in_einv_ewb_finish(self, action, outcome, on_done):
        """(notification type, message) of an outcome; on_done(outcome) records a success."""
        what = self.env._(ACTION_WORDS[action])
        if isinstance(outcome, ewb_policy.Done):
            message = on_done(outcome)
            if outcome.recovered:
                message += " " + _("(The reply was lost; the e-way bill system showed that it took effect: done "
                                   "once.)")
            self.move_id._l10n_in_einv_note(message)
            return "success", message
        if isinstance(outcome, ewb_policy.Refused):
            if outcome.reason == ewb_policy.PREFLIGHT:
                message = _("Nothing was sent to the e-way bill system. Fix these first:\n%(problems)s",
                            problems=self._l10n_in_einv_ewb_words(outcome.problems))
            elif outcome.reason == ewb_policy.CLOSURE_NOT_AVAILABLE:
                message = _("Voluntary closure of e-way bills is on hold (GSTN advisory 668); it is offered once the "
                            "company's setting allows it. Nothing was sent.")
            else:
                message = _("The e-way bill system refused the %(what)s of e-way bill %(number)s:\n%(problems)s",
                            what=what, number=self.name, problems=self._l10n_in_einv_ewb_words(outcome.problems))
                self.move_id._l10n_in_einv_note(message)
            return "danger", message
        if isinstance(outcome, ewb_policy.Unknown):
            message = _("The %(what)s of e-way bill %(number)s may have been made, but the reply of the e-way bill "
                        "system was lost (%(error)s). An update may have been made: press Refresh from the e-way "
                        "bill system. Trying again asks it first, so nothing is done twice.",
                        what=what, number=self.name, error=outcome.error or outcome.reason)
            self.move_id._l10n_in_einv_note(message)
            return "warning", message
        pause = outcome.pause
        reason = (pause and pause.detail) or outcome.error or outcome.why
        return "warning", _("The e-way bill system is not answering now (%(error)s): the %(what)s of e-way bill "
                            "%(number)s was not made. Try again after %(at)s.", error=reason, what=what,
                            number=self.name, at=_ist_text(outcome.at))

    @api.model
    def _l10n_in_einv_ewb_notify(self, kind, message, title=None):
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": title or _("E-way bill"), "message": message, "type": kind,
                           "sticky": kind != "success", "next": {"type": "ir.actions.act_window_close"}}}

    # --- words ------------------------------------------------------------------------------

    def _l10n_in_einv_ewb_words(self, problems):
        """Pre-flight problems and NIC refusals, one line each, with NIC's code, translatable."""
        hints = {
            "315": _("An e-way bill is cancelled only within 24 hours of its generation: let it expire, or ask the "
                     "recipient to reject it."),
            "316": _("An officer verified the goods: the e-way bill can no longer be cancelled."),
            "312": _("The e-way bill system holds it as not yours or already cancelled: Refresh to see its status."),
            "311": _("The e-way bill is no longer valid: extend it (8 hours either side of its end) first."),
            "382": _("Extensions are accepted only from 8 hours before to 8 hours after the end of validity."),
            "821": _("No extension once 360 days have passed since the e-way bill was generated."),
            "338": _("The transporter already entered the vehicle: only they can update it now."),
            "635": _("The transporter already entered the vehicle: only they can update it now."),
            "636": _("Another transporter is assigned to this e-way bill: only they can update its vehicle."),
            "637": _("The transporter already entered the vehicle: only they can extend it now."),
        }
        lines = []
        for problem in problems:
            key = getattr(problem, "key", None)
            if key is not None:
                label = EWB_FIELD_LABELS.get(problem.field)
                template = EWB_PROBLEM_TEXTS.get(key) or PROBLEM_TEXTS.get(key)  # shared keys (GSTINs)
                text = problem.render(self.env._(template), label and self.env._(label)) if template else None
                text = text or problem.text
                code = "" if problem.code in (ewb_validation.SCHEMA_CODE, ewb_validation.LOCAL_CODE) \
                    else f" [{problem.code}]"
                lines.append(f"• {text[:1].upper()}{text[1:]}{code}")
            else:
                lines.append(f"• [{problem.code}] {problem.message}" if problem.code else f"• {problem.message}")
        for code in dict.fromkeys(getattr(p, "code", "") for p in problems):
            if code in hints:
                lines.append(_("What to do: %(hint)s", hint=hints[code]))
        return "\n".join(lines)

    def _l10n_in_einv_ewb_preflight(self, problems):
        if problems:
            raise UserError(_("Nothing was sent to the e-way bill system. Fix these first:\n%(problems)s",
                              problems=self._l10n_in_einv_ewb_words(problems)))

    def _l10n_in_einv_ewb_require(self, states=("active",)):
        self.ensure_one()
        self.move_id._l10n_in_einv_check_rights()
        if self.state not in states:
            raise UserError(_("E-way bill %(number)s is %(state)s: this is done only on an active e-way bill.",
                              number=self.name, state=dict(self._fields["state"]._description_selection(self.env))
                              .get(self.state)))

    # --- recording what the e-way bill system said ----------------------------------------------

    def _l10n_in_einv_ewb_store(self, vals):
        """Write the record; a later validity restarts the reminder and closes the one sent."""
        valid_till = vals.get("valid_till")
        if valid_till and valid_till != self.valid_till:
            vals = dict(vals, reminded=False)
            if self.state == "expired" and valid_till > fields.Datetime.now():
                vals["state"] = "active"
            summary = _("E-way bill expiring")
            self.move_id.activity_ids.filtered(lambda a: a.summary == summary).action_feedback(
                feedback=_("Validity of e-way bill %(number)s now ends %(till)s.", number=self.name,
                           till=_ist_text(valid_till)))
        self._l10n_in_einv_set(vals)
        if {"valid_till", "state"} & set(vals):
            self.move_id._l10n_in_einv_refresh_pdf()

    def _l10n_in_einv_ewb_known_part_b(self):
        """Keys (vehicle or document, minute entered) of the Part-B entries the history already has."""
        keys = set()
        for event in self.event_ids:
            values = event.values or {}
            what = normalise_vehicle(values.get("vehicleNo") or values.get("VehNo") or values.get("transDocNo")
                                     or values.get("TransDocNo"))
            if event.kind == "generated" and self.ewb_date:
                # the IRP rounds the generation to the nearest minute; NIC's Part-B entry keeps the minute
                for shift in (-1, 0, 1):
                    keys.add((what, _minute(self.ewb_date + timedelta(minutes=shift))))
            elif values.get("entered_at"):
                keys.add((what, values["entered_at"]))
        return keys

    @staticmethod
    def _l10n_in_einv_ewb_entry_values(entry):
        return {k: v for k, v in {
            "vehicleNo": entry.vehicle_no, "fromPlace": entry.from_place, "fromState": entry.from_state,
            "transMode": entry.trans_mode, "transDocNo": entry.trans_doc_no,
            "transDocDate": entry.trans_doc_date and str(entry.trans_doc_date), "enteredBy": entry.entered_by,
            "entered_at": _minute(entry.entered_at)}.items() if v}

    # --- Part-B ------------------------------------------------------------------------------

    def _l10n_in_einv_ewb_update_part_b(self, values):
        """VEHEWB from the wizard's values. Returns (type, message)."""
        self._l10n_in_einv_ewb_require()
        mode = values.get("transport_mode") or "1"
        vehicle = "".join((values.get("vehicle_no") or "").split()).upper()
        payload = ewb_client.part_b_payload(
            self.name, vehicle_no=vehicle, from_place=(values.get("from_place") or "").strip(),
            from_state=int(values.get("from_state") or 0), reason_code=values.get("reason_code"),
            reason_remark=(values.get("reason_remark") or "").strip(), trans_mode=mode,
            trans_doc_no=(values.get("transport_doc_no") or "").strip(),
            trans_doc_date=values.get("transport_doc_date"),
            vehicle_type=values.get("vehicle_type") if vehicle else None)
        now = self._l10n_in_einv_ewb_now()
        doc_date = self.move_id.invoice_date
        self._l10n_in_einv_ewb_preflight(ewb_validation.validate_part_b(payload, doc_date=doc_date,
                                                                        today=ist.date_of(now)))
        outcome = self._l10n_in_einv_ewb_run("update_part_b", lambda client, gate, clock: ewb_policy.update_part_b(
            client, payload, self._l10n_in_einv_ewb_knowledge("update_part_b"), gate=gate, clock=clock,
            doc_date=doc_date))

        def done(outcome):
            result = outcome.result
            if isinstance(result, EwbBill):
                entry = result.current_part_b or PartBEntry()
                updated_at, valid_until = entry.entered_at, result.valid_until
            else:
                updated_at, valid_until = result.updated_at, result.valid_until
            first = self.part_a_only
            vals = {"transport_mode": mode, "vehicle_no": vehicle or False,
                    "vehicle_type": (values.get("vehicle_type") or "R") if vehicle else False,
                    "transport_doc_no": payload["transDocNo"] or False,
                    "transport_doc_date": values.get("transport_doc_date") or False}
            if valid_until:
                vals["valid_till"] = _utc_naive(valid_until)
            self._l10n_in_einv_ewb_store(vals)
            self._l10n_in_einv_log("vehicle", {
                **{k: v for k, v in payload.items() if k not in ("ewbNo", "reasonCode", "reasonRem") and v},
                "entered_at": _minute(updated_at or now), "validUpto": valid_until and _ist_text(valid_until)},
                reason_code=str(payload["reasonCode"]), reason=payload["reasonRem"])
            message = _("E-way bill %(number)s: Part-B updated (%(what)s, from %(place)s).", number=self.name,
                        what=vehicle or payload["transDocNo"], place=payload["fromPlace"])
            if self.valid_till:
                message += " " + (_("It is valid from now on, till %(till)s.", till=_ist_text(self.valid_till))
                                  if first else _("Valid till %(till)s.", till=_ist_text(self.valid_till)))
            return message

        return self._l10n_in_einv_ewb_finish("update_part_b", outcome, done)

    # --- transporter -------------------------------------------------------------------------

    def _l10n_in_einv_ewb_update_transporter(self, transporter_id, transporter_name=None):
        self._l10n_in_einv_ewb_require()
        transporter_id = (transporter_id or "").strip().upper()
        strict = self.company_id._l10n_in_einv_credential().environment in ("production", "gsp")
        self._l10n_in_einv_ewb_preflight(ewb_validation.validate_transporter(self.name, transporter_id,
                                                                             require_check_digit=strict))
        outcome = self._l10n_in_einv_ewb_run(
            "update_transporter", lambda client, gate, clock: ewb_policy.update_transporter(
                client, self.name, transporter_id, self._l10n_in_einv_ewb_knowledge("update_transporter"),
                gate=gate, clock=clock, preflight=False))

        def done(outcome):
            result = outcome.result
            name = (transporter_name or "").strip() or (isinstance(result, EwbBill) and result.transporter_name) \
                or False
            self._l10n_in_einv_ewb_store({"transporter_gstin": transporter_id, "transporter_name": name})
            updated_at = getattr(result, "updated_at", None)
            self._l10n_in_einv_log("transporter", {"transporterId": transporter_id, "transporterName": name,
                                                   "updated_at": _minute(updated_at)})
            # no f-string inside _(...): Odoo's term export (babel 2.10) cannot read it and skips the file
            transporter = f"{transporter_id} {name or ''}".strip()
            return _("E-way bill %(number)s: transporter changed to %(transporter)s.", number=self.name,
                     transporter=transporter)

        return self._l10n_in_einv_ewb_finish("update_transporter", outcome, done)

    # --- extension ---------------------------------------------------------------------------

    def _l10n_in_einv_ewb_as_held(self):
        """The e-way bill as this record knows it, for the pre-flight before any call (the policy
        judges again on what GetEwayBill returns)."""
        part_b = () if self.part_a_only else (PartBEntry(vehicle_no=self.vehicle_no or None,
                                                         trans_doc_no=self.transport_doc_no or None),)
        return EwbBill(ewb_no=self.name, status="CNL" if self.state == "cancelled" else "ACT",
                       ewb_date=_aware(self.ewb_date) or None, valid_until=_aware(self.valid_till) or None,
                       distance=self.distance or None, extended_times=self.extended_times, part_b=part_b)

    def _l10n_in_einv_ewb_extend(self, values):
        """EXTENDVALIDITY from the wizard's values: only inside NIC's window, never past day 360."""
        self._l10n_in_einv_ewb_require(states=("active", "expired"))
        transit = values.get("consignment_status") == "T"
        mode = "5" if transit else (values.get("transport_mode") or "1")
        vehicle = "".join((values.get("vehicle_no") or "").split()).upper()
        payload = ewb_client.extend_payload(
            self.name, from_place=(values.get("from_place") or "").strip(),
            from_state=int(values.get("from_state") or 0), from_pincode=int(values.get("from_pincode") or 0),
            remaining_distance=int(values.get("remaining_distance") or 0),
            reason_code=values.get("reason_code") or 0, remarks=(values.get("remarks") or "").strip(),
            trans_mode=mode, vehicle_no=vehicle if not transit else None,
            trans_doc_no=values.get("transport_doc_no") if not transit else None,
            trans_doc_date=values.get("transport_doc_date") if not transit else None,
            consignment_status="T" if transit else "M", transit_type=values.get("transit_type") if transit else "",
            address_lines=[values.get(f"address_line{n}") or "" for n in (1, 2, 3)] if transit else ())
        now = self._l10n_in_einv_ewb_now()
        calendar = self.company_id._l10n_in_einv_calendar()
        self._l10n_in_einv_ewb_preflight(ewb_validation.validate_extend(
            payload, bill=self._l10n_in_einv_ewb_as_held(), now=now, calendar=calendar))
        outcome = self._l10n_in_einv_ewb_run("extend", lambda client, gate, clock: ewb_policy.extend(
            client, payload, self._l10n_in_einv_ewb_knowledge("extend"), gate=gate, clock=clock, calendar=calendar))

        def done(outcome):
            result = outcome.result
            valid_until = result.valid_until
            updated_at = getattr(result, "updated_at", None) or (
                isinstance(result, EwbBill) and result.current_part_b and result.current_part_b.entered_at)
            vals = {"extended_times": result.extended_times if isinstance(result, EwbBill)
                    else self.extended_times + 1, "state": "active"}
            if valid_until:
                vals["valid_till"] = _utc_naive(valid_until)
            if not transit and payload["vehicleNo"]:
                vals.update(vehicle_no=payload["vehicleNo"], transport_mode=mode)
            self._l10n_in_einv_ewb_store(vals)
            self._l10n_in_einv_log("extended", {
                **{k: v for k, v in payload.items() if k not in ("ewbNo", "extnRsnCode", "extnRemarks") and v},
                "entered_at": _minute(updated_at or now), "validUpto": valid_until and _ist_text(valid_until)},
                reason_code=str(payload["extnRsnCode"]), reason=payload["extnRemarks"])
            return _("E-way bill %(number)s extended: valid till %(till)s.", number=self.name,
                     till=_ist_text(self.valid_till))

        return self._l10n_in_einv_ewb_finish("extend", outcome, done)

    # --- cancellation (the invoice's cancel wizard comes here when this API is used) ----------------

    def _l10n_in_einv_ewb_cancel(self, reason, remark):
        """CANEWB. Returns (cancelled, message) like the by-IRN cancellation."""
        self._l10n_in_einv_ewb_require()
        self._l10n_in_einv_ewb_preflight(ewb_validation.validate_cancel(self.name, reason, remark))
        outcome = self._l10n_in_einv_ewb_run("cancel", lambda client, gate, clock: ewb_policy.cancel(
            client, self.name, reason, remark, self._l10n_in_einv_ewb_knowledge("cancel"), gate=gate, clock=clock))

        def done(outcome):
            result = outcome.result
            when = getattr(result, "cancel_date", None) or self._l10n_in_einv_ewb_now()
            self._l10n_in_einv_ewb_store({"state": "cancelled", "cancel_reason": reason, "cancel_remark": remark,
                                          "cancel_date": _utc_naive(when)})
            self._l10n_in_einv_log("cancelled", {"cancel_date": str(_utc_naive(when)), "via": "e-way bill system"},
                                   reason_code=reason, reason=remark)
            return _("E-way bill %(number)s cancelled in the e-way bill system (%(reason)s: %(remark)s).",
                     number=self.name, reason=dict(self._fields["cancel_reason"]._description_selection(self.env))
                     .get(reason), remark=remark)

        kind, message = self._l10n_in_einv_ewb_finish("cancel", outcome, done)
        return kind == "success", message

    # --- refresh ------------------------------------------------------------------------------

    def action_l10n_in_einv_ewb_refresh(self):
        """GetEwayBill: status, validity, transporter, vehicle, and the Part-B entries made elsewhere."""
        self.ensure_one()
        self.move_id._l10n_in_einv_check_rights()

        def read(client, gate, clock):
            if gate.is_open():
                return gate.deferred()
            try:
                return client.get(self.name)
            except EwbError as exc:
                return exc

        found = self._l10n_in_einv_ewb_run("refresh", read)
        if isinstance(found, ewb_policy.RetryAt):
            kind, message = self._l10n_in_einv_ewb_finish("refresh", found, None)
            return self._l10n_in_einv_ewb_notify(kind, message)
        if isinstance(found, Exception):
            if isinstance(found, UntrustedReply) or found.kind in (TRANSIENT, UNKNOWN_OUTCOME, AUTH):
                message = _("The e-way bill system could not be asked now (%(error)s); try again in a moment.",
                            error=found)
                return self._l10n_in_einv_ewb_notify("warning", message)
            return self._l10n_in_einv_ewb_notify("danger", self._l10n_in_einv_ewb_words(ewb_policy.problems_of(found)))
        return self._l10n_in_einv_ewb_notify(*self._l10n_in_einv_ewb_refreshed(found))

    def _l10n_in_einv_ewb_refreshed(self, bill):
        previous = self.state
        state = "cancelled" if bill.is_cancelled else "rejected" if bill.rejected else "active"
        if state == "active" and bill.valid_until and _utc_naive(bill.valid_until) < fields.Datetime.now():
            state = "expired"
        current = bill.current_part_b
        vals = {"state": state, "extended_times": bill.extended_times,
                "valid_till": _utc_naive(bill.valid_until) if bill.valid_until else self.valid_till,
                "transporter_gstin": bill.transporter_id or self.transporter_gstin,
                "transporter_name": bill.transporter_name or self.transporter_name,
                "ewb_unknown_action": False, "ewb_unknown_since": False}
        if bill.distance:
            vals["distance"] = bill.distance
        if current is not None and (current.vehicle_no or current.trans_doc_no):
            vals.update(vehicle_no=current.vehicle_no or False, transport_doc_no=current.trans_doc_no or False,
                        transport_mode=current.trans_mode if current.trans_mode in ("1", "2", "3", "4")
                        else self.transport_mode)
        self._l10n_in_einv_ewb_store({k: v for k, v in vals.items() if self[k] != v})
        known, recorded = self._l10n_in_einv_ewb_known_part_b(), []
        for entry in bill.part_b:
            key = (normalise_vehicle(entry.vehicle_no or entry.trans_doc_no), _minute(entry.entered_at))
            if key not in known:
                known.add(key)
                self._l10n_in_einv_log("recorded", self._l10n_in_einv_ewb_entry_values(entry),
                                       reason=_("Part-B entered in the e-way bill system by %(by)s",
                                                by=entry.entered_by or "?"))
                recorded.append(entry.vehicle_no or entry.trans_doc_no)
        if previous != state:
            self._l10n_in_einv_log("refreshed", {"state": state}, reason=_("Status in the e-way bill system: "
                                                                            "%(status)s", status=bill.status))
            if state == "cancelled" and not self.cancel_date:
                self._l10n_in_einv_set({"cancel_date": fields.Datetime.now()})
        labels = dict(self._fields["state"]._description_selection(self.env))
        message = _("E-way bill %(number)s: %(status)s in the e-way bill system.", number=self.name,
                    status=labels[state])
        if recorded:
            message += " " + _("Part-B entries recorded from it: %(entries)s.",
                               entries=", ".join(filter(None, recorded)))
        if previous != state or recorded:
            self.move_id._l10n_in_einv_note(message)
        return "success", message

    # --- voluntary closure (on hold) ---------------------------------------------------------

    def _l10n_in_einv_ewb_close(self, closure_date, remarks):
        self._l10n_in_einv_ewb_require()
        calendar = self.company_id._l10n_in_einv_calendar()
        now = self._l10n_in_einv_ewb_now()
        problems = ewb_validation.validate_close(self.name, closure_date, remarks, calendar=calendar,
                                                 today=ist.date_of(now))
        if any(problem.key == "ewb_closure_not_available" for problem in problems):
            return self._l10n_in_einv_ewb_finish("close", ewb_policy.Refused(ewb_policy.CLOSURE_NOT_AVAILABLE,
                                                                             tuple(problems)), None)
        self._l10n_in_einv_ewb_preflight(problems)
        outcome = self._l10n_in_einv_ewb_run("close", lambda client, gate, clock: ewb_policy.close(
            client, self.name, closure_date, remarks, self._l10n_in_einv_ewb_knowledge("close"), gate=gate,
            clock=clock))

        def done(outcome):
            self._l10n_in_einv_ewb_store({"closure_date": closure_date, "closure_remark": remarks})
            self._l10n_in_einv_log("closed", {"closureDate": str(closure_date)}, reason=remarks)
            return _("E-way bill %(number)s closed (delivered on %(date)s).", number=self.name, date=closure_date)

        return self._l10n_in_einv_ewb_finish("close", outcome, done)

    # --- buttons -------------------------------------------------------------------------------

    def action_l10n_in_einv_ewb_wizard(self):
        """Open the wizard named by the context key l10n_in_einv_ewb_wizard (part_b, transporter, extend, close)."""
        self.ensure_one()
        kind = self.env.context.get("l10n_in_einv_ewb_wizard")
        models_titles = {
            "part_b": ("l10n_in.einvoice.ewaybill.part.b.wizard", _("Update Part-B (vehicle)")),
            "transporter": ("l10n_in.einvoice.ewaybill.transporter.wizard", _("Update transporter")),
            "extend": ("l10n_in.einvoice.ewaybill.extend.wizard", _("Extend validity")),
            "close": ("l10n_in.einvoice.ewaybill.close.wizard", _("Close e-way bill")),
        }
        if kind not in models_titles:
            raise UserError(_("Unknown e-way bill action %(kind)s.", kind=kind))
        self._l10n_in_einv_ewb_require(states=("active", "expired") if kind == "extend" else ("active",))
        self._l10n_in_einv_ewb_credential()
        if kind == "close" and not self.closure_offered:
            raise UserError(_("Voluntary closure of e-way bills is on hold (GSTN advisory 668): it is offered once "
                              "the company's setting allows it."))
        model, title = models_titles[kind]
        return {"type": "ir.actions.act_window", "res_model": model, "view_mode": "form", "target": "new",
                "name": title, "context": {"default_ewaybill_id": self.id}}
