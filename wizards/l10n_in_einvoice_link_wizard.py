import re
from dataclasses import replace
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, format_datetime

from ..irp import link
from ..irp.results import IrnResult
from ..models.account_move import SENDABLE_STATES

_IRN_IN_TEXT = re.compile(r"\b[0-9a-f]{64}\b")


class L10nInEinvoiceLinkWizard(models.TransientModel):
    """Link an IRN registered outside Odoo (NIC portal, another system, or a duplicate the
    IRP no longer serves) to a posted invoice. irp/link.py decides; this maps its outcome."""

    _name = "l10n_in.einvoice.link.wizard"
    _description = "Link an existing IRN to an invoice"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Buyer")
    buyer_gstin = fields.Char(related="move_id.commercial_partner_id.vat", string="Buyer GSTIN")
    amount_total = fields.Monetary(related="move_id.amount_total", string="Total")
    currency_id = fields.Many2one(string="Currency", related="move_id.currency_id")
    irn = fields.Char(string="IRN", required=True, help="The 64-character IRN shown on the NIC portal.")
    signed_qr = fields.Text(
        string="Signed QR code",
        help="Optional: the signed QR code text of this e-invoice, copied from the NIC portal. Needed to verify an "
        "IRN the IRP no longer serves (it serves an IRN for 2 days only).")
    ack_no = fields.Char(string="Ack No", help="The acknowledgement number shown on the NIC portal.")
    ack_date = fields.Datetime(string="Ack Date", help="The acknowledgement date shown on the NIC portal.")
    not_served = fields.Boolean(string="Not served by the IRP",
                                readonly=True, help="The IRP answered that it does not serve this IRN.")
    need_ack_no = fields.Boolean(string="Ack No needed",
                                 readonly=True, help="Verified from the signed QR code, which carries no Ack No.")
    message = fields.Text(string="Message", readonly=True)
    confirmed = fields.Boolean(
        string="I confirm this IRN was registered at the IRP for this invoice, for this buyer and total")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if not values.get("move_id") and context.get("active_model") == "account.move" and context.get("active_id"):
            values["move_id"] = context["active_id"]
        move = self.env["account.move"].browse(values.get("move_id"))
        if "irn" in fields_list and not values.get("irn") and move.exists() \
                and "2150" in (move.l10n_in_einv_error_codes or ""):
            # the IRP named the IRN it holds (2150) in the error: offer it
            found = _IRN_IN_TEXT.search(move.l10n_in_einv_error or "")
            values["irn"] = found.group(0) if found else False
        return values

    # --- checks ---------------------------------------------------------------------------------

    def _check_rights(self):
        """The button's group, enforced for RPC callers too: the IRP is called with the
        company's credential, and a confirmation is a manager's statement."""
        if not self.env.su and not self.env.user.has_group("l10n_in_einvoice.group_l10n_in_einvoice_manager"):
            raise AccessError(_("Only e-invoicing managers may link an existing IRN to an invoice."))
        self.move_id.check_access("write")

    def _check_move(self):
        move = self.move_id
        if move.state != "posted":
            raise UserError(_("Only a posted invoice can be linked to an IRN: confirm %(move)s first.",
                              move=move.display_name))
        if move.l10n_in_einv_state == "generated":
            raise UserError(_("%(move)s already has IRN %(irn)s: nothing to link.", move=move.display_name,
                              irn=move.l10n_in_einv_irn))
        if move.l10n_in_einv_state == "cancelled":
            raise UserError(_("The IRN of %(move)s was cancelled: a cancelled document number cannot carry "
                              "another IRN.", move=move.display_name))
        if move.l10n_in_einv_state not in SENDABLE_STATES:
            applicable, reason = move._l10n_in_einv_applicability()
            raise UserError(reason if not applicable else _("%(move)s does not need an IRN.", move=move.display_name))
        if move.l10n_in_einv_in_flight_since:
            raise UserError(_("The invoice is being sent to the IRP right now; try again in a moment."))

    def _check_confirmation(self, payload):
        """Offline, before any call: a confirmation needs a plausible Ack No and Ack Date."""
        if not self.ack_no or not self.ack_date:
            raise UserError(_("To confirm an IRN the IRP no longer serves, enter its Ack No and Ack Date as the "
                              "NIC portal shows them."))
        problems = link.confirmation_problems(payload, self.ack_no, self.ack_date.replace(tzinfo=timezone.utc))
        if problems:
            raise UserError(_("The confirmation cannot be recorded:\n%(problems)s", problems="\n".join(
                f"• {self._problem_text(key, params)}" for key, params in problems)))

    # --- the action -----------------------------------------------------------------------------

    def action_link(self):
        """Check the IRN at the IRP (or the pasted signed QR code) and link it.

        Refusals found before any call (rights, state, confirmation details) raise a
        UserError. Once the IRP was asked, the wizard stays open saying what it found
        (differences, an invalid IRN, no answer, not served): nothing is stored and the
        calls stay in the API log."""
        self.ensure_one()
        self._check_rights()
        move = self.move_id
        if not move._l10n_in_einv_try_lock():
            raise UserError(_("The invoice is being processed by another user; try again."))
        move.invalidate_recordset()
        self._check_move()
        payload = move._l10n_in_einv_build_payload()
        if self.confirmed:
            self._check_confirmation(payload)
        elif self.ack_no:
            self._check_ack_no(payload)
        credential = move.company_id._l10n_in_einv_credential()
        if not credential:
            raise UserError(_("No IRP credentials for GSTIN %(gstin)s.", gstin=move.company_id.vat or "?"))
        records = []
        client = credential._l10n_in_einv_client(on_call=records.append)
        try:
            outcome = link.decide(client, self.irn, payload, self.signed_qr)
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=move)
            credential._l10n_in_einv_flush_session()
        if isinstance(outcome, (link.Invalid, link.Mismatch)):
            text = (self._invalid_text(outcome) if isinstance(outcome, link.Invalid)
                    else self._mismatch_text(outcome, payload))
            if not records:  # refused before asking the IRP
                raise UserError(text)
            # the IRP was asked: raising would roll its calls out of the API log
            return self._reopen(text)
        if isinstance(outcome, link.Unreachable) and outcome.reason == "untrusted_signature":
            return self._reopen(_("The IRP's reply failed the signature check (%(error)s), so nothing was stored. "
                                  "Configure the current IRP signing certificate in the e-invoicing credentials, "
                                  "then try again.", error=outcome.error))
        if isinstance(outcome, link.Unreachable):
            return self._reopen(_("The IRP could not be asked now (%(error)s). Nothing was stored; try again in a "
                                  "moment.", error=outcome.error))
        if isinstance(outcome, link.NotServed):
            if not self.confirmed:
                self.not_served = True
                return self._reopen(_("%(why)s It cannot be verified here. Paste its signed QR code from the NIC "
                                      "portal to verify it, or confirm below, entering its Ack No and Ack Date.",
                                      why=self._not_served_text(outcome)))
            return self._store_confirmed(outcome, payload)
        if outcome.source == link.SOURCE_SIGNED_QR:
            if not self.ack_no:
                self.need_ack_no = True
                return self._reopen(_("The signed QR code is the IRP's and matches this invoice. Enter the Ack No "
                                      "the NIC portal shows for it: the QR code does not carry it."))
            return self._store_from_qr(outcome)
        move._l10n_in_einv_store_result(outcome.result, how="linked")
        return self._done(_("IRN %(irn)s verified at the IRP and linked.", irn=outcome.result.irn))

    def _check_ack_no(self, payload):
        problems = link.confirmation_problems(payload, self.ack_no, None)
        if problems:
            raise UserError("\n".join(self._problem_text(key, params) for key, params in problems))

    # --- storing ----------------------------------------------------------------------------------

    def _store_from_qr(self, outcome):
        result = replace(outcome.result, ack_no=link.normalise_ack_no(self.ack_no))
        move = self.move_id
        move._l10n_in_einv_store_result(result, how="linked")
        move._l10n_in_einv_note(_(
            "%(user)s linked IRN %(irn)s from the signed QR code copied from the NIC portal: the IRP no longer "
            "serves it, so the QR code's signature was verified with the IRP signing certificate, and its seller, "
            "buyer, number, date and total match this invoice. Ack No %(ack)s was entered by %(user)s; the signed "
            "invoice is not available.", user=self.env.user.name, irn=result.irn, ack=result.ack_no))
        return self._done(_("IRN %(irn)s verified from its signed QR code and linked.", irn=result.irn))

    def _store_confirmed(self, outcome, payload):
        move = self.move_id
        ack_date = self.ack_date.replace(tzinfo=timezone.utc)
        result = IrnResult(irn=outcome.irn, ack_no=link.normalise_ack_no(self.ack_no), ack_date=ack_date,
                           signed_invoice=None, signed_qr_code=None, status=None)
        move._l10n_in_einv_store_result(result, how="linked")
        doc = payload["DocDtls"]
        move._l10n_in_einv_note(_(
            "%(user)s confirmed, without signed data, that IRN %(irn)s (Ack No %(ack)s of %(date)s) was registered "
            "at the IRP for this invoice: %(doc_type)s %(doc_no)s of %(doc_date)s from seller %(seller)s to buyer "
            "%(buyer)s (%(buyer_name)s), total %(total)s. It could not be verified: %(why)s No signed QR code "
            "was given, so none is stored or printed.",
            user=self.env.user.name, irn=result.irn, ack=result.ack_no,
            date=format_datetime(self.env, self.ack_date), doc_type=doc["Typ"], doc_no=doc["No"],
            doc_date=doc["Dt"], seller=payload["SellerDtls"]["Gstin"], buyer=payload["BuyerDtls"]["Gstin"],
            buyer_name=move.commercial_partner_id.display_name,
            total=format_amount(self.env, payload["ValDtls"]["TotInvVal"], move.company_id.currency_id),
            why=self._not_served_text(outcome)))
        return self._done(_("IRN %(irn)s linked on your confirmation.", irn=result.irn))

    # --- words ------------------------------------------------------------------------------------

    def _not_served_text(self, outcome):
        if outcome.reason == link.TOO_OLD:
            return _("the IRP no longer serves this IRN (%(codes)s: registered more than 2 days ago).",
                     codes=", ".join(outcome.error.codes))
        return _("the IRP does not serve this IRN (%(error)s).",
                 error=self.move_id._l10n_in_einv_explain(outcome.error))

    def _invalid_text(self, outcome):
        # self.env._ in the lambdas: _() finds no language from inside a lambda
        params = outcome.params
        texts = {
            link.IRN_FORMAT: lambda: self.env._(
                "%(irn)s is not an IRN: an IRN is 64 characters, digits 0-9 and letters a-f (it has %(length)s).",
                irn=params.get("irn") or "''", length=params.get("length", 0)),
            link.QR_UNREADABLE: lambda: self.env._(
                "The signed QR code pasted is not one the IRP signed (%(detail)s). Copy the whole signed QR code "
                "text from the NIC portal, or leave it empty.", detail=outcome.detail),
            link.QR_OTHER_IRN: lambda: self.env._(
                "The signed QR code pasted is for IRN %(held)s, not %(irn)s.", held=params.get("held"),
                irn=params.get("irn")),
            link.OTHER_GSTIN: lambda: self.env._(
                "The IRP says this IRN does not belong to GSTIN %(gstin)s: it is another seller's.",
                gstin=params.get("gstin")),
        }
        return texts[outcome.reason]()

    def _mismatch_text(self, outcome, payload):
        source = {link.SOURCE_IRP: _("the IRP's signed invoice"),
                  link.SOURCE_SIGNED_QR: _("the signed QR code")}.get(outcome.source)
        lines = [f"• {self._problem_text(problem.key, problem.params)}" for problem in outcome.problems]
        if source:
            head = _("IRN %(irn)s was NOT linked: %(origin)s describes another document than %(doc)s.",
                     irn=outcome.irn, origin=source, doc=payload["DocDtls"]["No"])
        else:
            head = _("IRN %(irn)s was NOT linked: it is not the IRN of %(doc)s.", irn=outcome.irn,
                     doc=payload["DocDtls"]["No"])
        return "\n".join([head] + lines)

    def _problem_text(self, key, params):
        texts = {
            "irn": lambda: self.env._(
                "NIC computes the IRN from the seller GSTIN, financial year, document type and number; for this "
                "document it is %(expected)s, not %(held)s. Check the IRN for a typo.", **params),
            "seller_gstin": lambda: self.env._(
                "seller GSTIN: %(held)s at the IRP, %(expected)s on this invoice", **params),
            "buyer_gstin": lambda: self.env._(
                "buyer GSTIN: %(held)s at the IRP, %(expected)s on this invoice", **params),
            "doc_type": lambda: self.env._(
                "document type: %(held)s at the IRP, %(expected)s on this invoice", **params),
            "doc_no": lambda: self.env._("number: %(held)s at the IRP, %(expected)s on this invoice", **params),
            "doc_date": lambda: self.env._("date: %(held)s at the IRP, %(expected)s on this invoice", **params),
            "total": lambda: self.env._(
                "total: %(held)s at the IRP, %(expected)s on this invoice (NIC allows ±1 rupee)", **params),
            "ack_no_format": lambda: self.env._(
                "the Ack No %(value)s is not an acknowledgement number (digits only, as the NIC portal shows it)",
                **params),
            "ack_date_future": lambda: self.env._("the Ack Date %(value)s is in the future", **params),
            "ack_date_before_document": lambda: self.env._(
                "the Ack Date %(value)s is before the invoice date %(doc_date)s", **params),
        }
        return texts[key]() if key in texts else link.describe(key, params)

    # --- navigation -------------------------------------------------------------------------------

    def _reopen(self, message):
        self.message = message
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id, "view_mode": "form",
                "target": "new", "name": _("Link existing IRN")}

    def _done(self, message):
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-invoice"), "message": message, "type": "success",
                           "next": {"type": "ir.actions.act_window_close"}}}
