"""The customers' GSTIN status in the pre-flight (irp/gstin_status.judge): the buyer and
a ship-to party with a GSTIN of its own, as kept on the partner, refreshed before
sending when older than the company's maximum age (one call per GSTIN per run,
never blocking the sending by itself)."""
import logging
from datetime import date

import psycopg2

from odoo import _, api, fields, models
from odoo.tools import format_date
from odoo.tools.translate import LazyTranslate

from ..irp import gstin_status, validation
from ..irp import gstin as gstin_rules
from .account_move import SENDABLE_STATES

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# This module's words for irp/gstin_status's keys, with the same named parameters.
GSTIN_TEXTS = {
    "gstin_cancelled": _lt("GSTIN %(gstin)s is %(status_label)s at the GST portal (de-registered on "
                           "%(deregistered_on)s; checked on %(checked_on)s)"),
    "gstin_inactive": _lt("GSTIN %(gstin)s is %(status_label)s at the GST portal (checked on %(checked_on)s): the "
                          "IRP refuses invoices for it. Check the GSTIN with the customer"),
    "gstin_suspended": _lt("GSTIN %(gstin)s is %(status_label)s at the GST portal (checked on %(checked_on)s)"),
    "gstin_blocked": _lt("GSTIN %(gstin)s is blocked for e-way bills at the GST portal because its returns were not "
                         "filed (checked on %(checked_on)s)"),
    "gstin_not_yet_registered": _lt("the invoice date %(doc_date)s is before GSTIN %(gstin)s was registered, on "
                                    "%(registered_on)s (checked on %(checked_on)s)"),
    "gstin_deregistered_before": _lt("the invoice date %(doc_date)s is after GSTIN %(gstin)s was cancelled, on "
                                     "%(deregistered_on)s (checked on %(checked_on)s): the IRP refuses invoices for "
                                     "it after that date"),
    "gstin_treatment_mismatch": _lt("the GST treatment '%(treatment)s' does not fit GSTIN %(gstin)s, registered at "
                                    "the GST portal as %(txp_label)s: '%(expected)s' was expected (checked on "
                                    "%(checked_on)s)"),
}
ROLE_SECTIONS = {"buyer": "BuyerDtls", "ship_to": "ShipDtls"}


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_in_einv_buyer_gstin_partner_id = fields.Many2one(
        "res.partner", string="Customer with GSTIN", compute="_compute_l10n_in_einv_gstin_parties", check_company=True,
        help="The customer whose GSTIN goes on the e-invoice.")
    l10n_in_einv_ship_gstin_partner_id = fields.Many2one(
        "res.partner", string="Delivery address with its own GSTIN", compute="_compute_l10n_in_einv_gstin_parties",
        check_company=True, help="The delivery address, when it has a GSTIN of its own.")
    l10n_in_einv_buyer_gstin_status = fields.Char(
        string="Customer's GSTIN status", compute="_compute_l10n_in_einv_gstin_parties",
        help="Status of the customer's GSTIN as the IRP last reported it.")
    l10n_in_einv_buyer_gstin_checked_at = fields.Datetime(
        string="Customer's GSTIN checked at", compute="_compute_l10n_in_einv_gstin_parties")

    @api.depends("partner_id.vat", "partner_shipping_id.vat", "partner_id.l10n_in_einv_gstin_checked_at")
    def _compute_l10n_in_einv_gstin_parties(self):
        for move in self:
            buyer, ship = move._l10n_in_einv_gstin_parties()
            kept = buyer and buyer._l10n_in_einv_gstin_kept()
            move.l10n_in_einv_buyer_gstin_partner_id = buyer
            move.l10n_in_einv_ship_gstin_partner_id = ship
            move.l10n_in_einv_buyer_gstin_status = kept and buyer.l10n_in_einv_gstin_status_label or False
            move.l10n_in_einv_buyer_gstin_checked_at = kept and kept.checked_at or False

    def _l10n_in_einv_gstin_parties(self):
        """(buyer, ship-to): the partners whose GSTIN status matters for this invoice: the
        customer (commercial partner) with a GSTIN, and the delivery address's commercial
        partner when it has a GSTIN other than the customer's. Empty recordsets otherwise."""
        partners = self.env["res.partner"]
        buyer = self.partner_id.commercial_partner_id
        if not buyer._l10n_in_einv_gstin_value():
            buyer = partners
        ship = self.partner_shipping_id
        ship_gstin = (ship.vat or "").strip()
        ship_owner = ship.commercial_partner_id if ship.commercial_partner_id._l10n_in_einv_gstin_value() == ship_gstin \
            else ship
        if not ship_gstin or ship_gstin == buyer._l10n_in_einv_gstin_value():
            ship_owner = partners
        return buyer, ship_owner

    # --- pre-flight ---------------------------------------------------------------------------

    def _l10n_in_einv_gstin_judgements(self, payload):
        """[(role, blocking problems, warnings)] from the kept statuses."""
        if self.env.context.get("l10n_in_einv_gstin_skip"):
            return []
        doc_date = self.invoice_date or fields.Date.context_today(self)
        with_ewaybill = bool(payload.get("EwbDtls")) if payload else False
        buyer, ship = self._l10n_in_einv_gstin_parties()
        judgements = []
        for role, partner in (("buyer", buyer), ("ship_to", ship)):
            if not partner or (role == "buyer" and payload
                               and (payload.get("BuyerDtls") or {}).get("Gstin") in (None, "", "URP")):
                continue
            status = partner._l10n_in_einv_gstin_kept()
            if status is None:
                continue
            blocking, warnings = gstin_status.judge(status, doc_date=doc_date, role=role, with_ewaybill=with_ewaybill)
            if role == "buyer":
                mismatch = gstin_status.treatment_warning(status, self.l10n_in_gst_treatment)
                if mismatch:
                    warnings.append(mismatch)
            judgements.append((role, blocking, warnings))
        return judgements

    def _l10n_in_einv_extra_problems(self, payload, items):
        problems = super()._l10n_in_einv_extra_problems(payload, items)
        for role, blocking, _warnings in self._l10n_in_einv_gstin_judgements(payload):
            problems += [self._l10n_in_einv_gstin_words(problem, role) for problem in blocking]
        return problems

    def _l10n_in_einv_collect_warnings(self, payload, items):
        warnings = super()._l10n_in_einv_collect_warnings(payload, items)
        for role, _blocking, found in self._l10n_in_einv_gstin_judgements(payload):
            warnings += [self._l10n_in_einv_gstin_words(problem, role) for problem in found]
        return warnings

    def _l10n_in_einv_gstin_words(self, problem, role):
        """'<customer or delivery address>: <what the GST portal says> [<NIC code>]'."""
        params = dict(problem.params)
        for name, value in params.items():
            if isinstance(value, date):
                params[name] = format_date(self.env, value)
        for name in ("checked_on", "deregistered_on", "registered_on"):
            if name in params and not params[name]:
                params[name] = _("unknown")
        words = self.env["res.partner"]._l10n_in_einv_gstin_status_words()
        status = (problem.params.get("status_label") or "").strip()
        code_of = {label: code for code, label in gstin_status.STATUS_LABELS.items()}
        if status in code_of:
            params["status_label"] = words.get(code_of[status], status)
        if "treatment" in params:
            labels = dict(self._fields["l10n_in_gst_treatment"]._description_selection(self.env))
            params["treatment"] = labels.get(params["treatment"], params["treatment"])
            params["expected"] = labels.get(params["expected"], params["expected"])
        if "txp_type" in params:
            types = self.env["res.partner"]._l10n_in_einv_gstin_type_words()
            params["txp_label"] = types.get(params["txp_type"], params.get("txp_label"))
        template = GSTIN_TEXTS.get(problem.key)
        try:
            text = self.env._(template) % params if template is not None else None
        except (KeyError, ValueError, TypeError):
            text = None
        if text is None:
            english = gstin_status.TEMPLATES.get(problem.key)
            text = problem.render(english) if english else problem.text
        code = "" if problem.code in (validation.SCHEMA_CODE, validation.LOCAL_CODE) else f" [{problem.code}]"
        return f"{self._l10n_in_einv_place(ROLE_SECTIONS.get(role, 'BuyerDtls'))}: {text}{code}"

    # --- buttons ---------------------------------------------------------------------------------

    def action_l10n_in_einv_generate(self):
        """Generate IRN on one invoice raises its pre-flight problems, which rolls back what the
        GSTIN check just before asked the IRP, and its API log. So when the check asked and the
        invoice cannot go, its problems are stored on it (error) and said in a notification."""
        if len(self) == 1 and self.state == "posted" and self.l10n_in_einv_state in SENDABLE_STATES:
            self._l10n_in_einv_check_rights()
            credential = self.company_id._l10n_in_einv_credential()
            if credential and self._l10n_in_einv_refresh_party_gstins(credential):
                problems = self._l10n_in_einv_preflight()
                if problems:
                    self._l10n_in_einv_set_error("\n".join(problems), codes="preflight")
                    return self._l10n_in_einv_notify(
                        [(self.name, _("not sent: %(problems)s", problems="; ".join(problems)))])
        return super().action_l10n_in_einv_generate()

    def action_l10n_in_einv_verify_buyer_gstin(self):
        """Verify GSTIN for the customer, with the credential of the invoice's company."""
        self.ensure_one()
        return self._l10n_in_einv_gstin_parties()[0].with_company(self.company_id).action_l10n_in_einv_verify_gstin()

    def action_l10n_in_einv_verify_ship_gstin(self):
        """Verify GSTIN for the delivery address's own GSTIN."""
        self.ensure_one()
        return self._l10n_in_einv_gstin_parties()[1].with_company(self.company_id).action_l10n_in_einv_verify_gstin()

    # --- before sending -------------------------------------------------------------------------

    def _l10n_in_einv_refresh_party_gstins(self, credential):
        """Ask the IRP again for the GSTINs of these invoices' buyers and ship-to parties whose kept
        status is older than the company's maximum age (or missing): one call per GSTIN, logged
        on the first invoice that needed it, and only for invoices that nothing else stops. A
        failure leaves the status as it was and never stops the sending by itself (the
        registration meets and handles the same IRP). Returns {gstin: (status, error)}."""
        if not self or not credential:
            return {}
        try:
            now = fields.Datetime.now()
            max_age = credential.company_id.l10n_in_einv_gstin_max_age_days or 0
            stale, move_for = self.env["res.partner"], {}
            for move in self:
                parties = [partner for partner in move._l10n_in_einv_gstin_parties()
                           if partner and gstin_rules.is_well_formed(partner._l10n_in_einv_gstin_value())
                           and gstin_status.needs_refresh(partner._l10n_in_einv_gstin_kept(), now, max_age)]
                # an invoice stopped by its own problems sends nothing to the IRP, not even a GSTIN check
                if not parties or move.with_context(l10n_in_einv_gstin_skip=True)._l10n_in_einv_preflight():
                    continue
                for partner in parties:
                    stale |= partner
                    move_for.setdefault(partner._l10n_in_einv_gstin_value(), move)
            if not stale:
                return {}
            with self.env.cr.savepoint():
                return stale._l10n_in_einv_gstin_refresh(credential, move_for=move_for)
        except psycopg2.OperationalError:  # another sender is writing the same partner: its check will do
            _logger.info("E-invoice: customers' GSTIN status not kept (written concurrently); sending goes on")
            return {}
        except Exception:  # noqa: BLE001 - a check that fails must not keep invoices from the IRP
            _logger.exception("E-invoice: refreshing customers' GSTIN status failed; sending goes on")
            return {}
