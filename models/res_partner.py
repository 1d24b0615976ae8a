"""A customer's GSTIN as the IRP's master knows it (Get GSTIN details / Sync GSTIN,
nic-irp-api.md §5.4, §9.4): the status kept on the partner, the Verify GSTIN button,
the list action and the scheduled refresh. irp/gstin_status.py says what a status
means for a document; here it is only asked for, kept and shown."""
import logging
import threading
from datetime import datetime, timedelta, timezone

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date, format_datetime

from ..irp import errors, gstin_status, policy, validation
from ..irp import gstin as gstin_rules
from ..irp.errors import IrpError
from ..tools import write_guard

_logger = logging.getLogger(__name__)

# Written only by the addon, from the IRP's replies.
PROTECTED_FIELDS = frozenset({
    "l10n_in_einv_gstin_checked", "l10n_in_einv_gstin_status", "l10n_in_einv_gstin_blocked",
    "l10n_in_einv_gstin_txp_type", "l10n_in_einv_gstin_registered_on", "l10n_in_einv_gstin_deregistered_on",
    "l10n_in_einv_gstin_checked_at", "l10n_in_einv_gstin_legal_name"})
BULK_LIMIT = 100  # distinct GSTINs one click of the list action may ask for
NOT_IN_MASTER = "3028"  # the IRP's master does not hold it (yet): Sync GSTIN fetches it
NOT_AT_PORTAL = "3001"
INVALID = "3030"


def _testing():
    return getattr(threading.current_thread(), "testing", False)


class ResPartner(models.Model):
    _inherit = "res.partner"

    l10n_in_einv_gstin_checked = fields.Char(
        string="GSTIN checked", readonly=True, copy=False,
        help="The GSTIN the status below was given for; when the partner's GSTIN changes, it no longer applies.")
    l10n_in_einv_gstin_status = fields.Char(string="GSTIN status code", readonly=True, copy=False,
                                            help="ACT (active), CNL (cancelled), SUS (suspended)... as the IRP "
                                            "reported it.")
    l10n_in_einv_gstin_status_label = fields.Char(
        string="GSTIN status", compute="_compute_l10n_in_einv_gstin_labels",
        help="As the IRP's master gave it at the last check: Active, Cancelled, Inactive, Suspended...")
    l10n_in_einv_gstin_blocked = fields.Boolean(
        string="Blocked for e-way bills", readonly=True, copy=False,
        help="The GST portal blocks e-way bills of this GSTIN (returns not filed).")
    l10n_in_einv_gstin_txp_type = fields.Char(string="Taxpayer type code", readonly=True, copy=False)
    l10n_in_einv_gstin_txp_label = fields.Char(string="Taxpayer type", compute="_compute_l10n_in_einv_gstin_labels")
    l10n_in_einv_gstin_registered_on = fields.Date(string="GST registration date", readonly=True, copy=False)
    l10n_in_einv_gstin_deregistered_on = fields.Date(string="GST de-registration date", readonly=True, copy=False)
    l10n_in_einv_gstin_checked_at = fields.Datetime(string="GSTIN checked at", readonly=True, copy=False,
                                                    help="When the GSTIN was last checked with the IRP.")
    l10n_in_einv_gstin_legal_name = fields.Char(string="Legal name (GST portal)", readonly=True, copy=False)
    l10n_in_einv_gstin_outdated = fields.Boolean(
        string="GSTIN changed since checked", compute="_compute_l10n_in_einv_gstin_labels",
        help="The GSTIN changed since it was last checked: the status shown is that of the former GSTIN.")

    @api.depends("l10n_in_einv_gstin_status", "l10n_in_einv_gstin_txp_type", "l10n_in_einv_gstin_checked", "vat")
    def _compute_l10n_in_einv_gstin_labels(self):
        statuses, types = self._l10n_in_einv_gstin_status_words(), self._l10n_in_einv_gstin_type_words()
        for partner in self:
            code, txp = partner.l10n_in_einv_gstin_status, partner.l10n_in_einv_gstin_txp_type
            partner.l10n_in_einv_gstin_status_label = code and statuses.get(code, code) or False
            partner.l10n_in_einv_gstin_txp_label = txp and types.get(txp, txp) or False
            partner.l10n_in_einv_gstin_outdated = bool(partner.l10n_in_einv_gstin_checked) and (
                partner.l10n_in_einv_gstin_checked != partner._l10n_in_einv_gstin_value())

    def _l10n_in_einv_gstin_status_words(self):
        return {
            gstin_status.ACTIVE: _("Active"), gstin_status.CANCELLED: _("Cancelled"),
            gstin_status.INACTIVE: _("Inactive"), gstin_status.SUSPENDED: _("Suspended"),
            gstin_status.PROVISIONAL: _("Provisional"),
        }

    def _l10n_in_einv_gstin_type_words(self):
        words = {"REG": _("Regular"), "COM": _("Composition"), "SEZ": _("SEZ unit"), "SED": _("SEZ developer"),
                 "TDS": _("Tax deductor (TDS)"), "TCS": _("E-commerce operator (TCS)"),
                 "NRT": _("Non-resident taxable person"), "CAS": _("Casual taxable person"),
                 "ISD": _("Input Service Distributor")}
        return {code: words.get(code, label) for code, label in gstin_status.TAXPAYER_TYPES.items()}

    @api.model_create_multi
    def create(self, vals_list):
        write_guard.check(self, vals_list, PROTECTED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        write_guard.check(self, [vals], PROTECTED_FIELDS)
        return super().write(vals)

    # --- the GSTIN as typed ----------------------------------------------------------------

    def _l10n_in_einv_gstin_value(self):
        return (self.vat or "").strip()

    def _l10n_in_einv_gstin_strict(self, company=None):
        """Check characters are required except with sandbox credentials (NIC's test GSTINs, §15)."""
        credential = (company or self.env.company)._l10n_in_einv_credential()
        return credential.environment not in ("local_sandbox", "nic_sandbox")

    @api.onchange("vat")
    def _onchange_l10n_in_einv_gstin_vat(self):
        """Say at once what is wrong with a typed GSTIN; never change it."""
        gstin = self._l10n_in_einv_gstin_value()
        country = self.country_id.code or self.env.company.country_id.code
        if not gstin or country != "IN":
            return None
        problem = validation.gstin_problem("BuyerDtls.Gstin", gstin,
                                           require_check_digit=self._l10n_in_einv_gstin_strict())
        if problem is None:
            return None
        return {"warning": {"title": _("Check the GSTIN"),
                            "message": self.env["account.move"]._l10n_in_einv_problem_text(problem)}}

    # --- the kept status ----------------------------------------------------------------------

    def _l10n_in_einv_gstin_kept(self):
        """The kept GstinStatus of this partner's current GSTIN, or None (never checked, or
        checked for another GSTIN)."""
        self.ensure_one()
        gstin = self._l10n_in_einv_gstin_value()
        if not gstin or not self.l10n_in_einv_gstin_checked_at or self.l10n_in_einv_gstin_checked != gstin:
            return None
        return gstin_status.GstinStatus(
            gstin=gstin, status=self.l10n_in_einv_gstin_status or None,
            blk_status=gstin_status.BLOCKED if self.l10n_in_einv_gstin_blocked else gstin_status.UNBLOCKED,
            txp_type=self.l10n_in_einv_gstin_txp_type or None,
            registered_on=self.l10n_in_einv_gstin_registered_on or None,
            deregistered_on=self.l10n_in_einv_gstin_deregistered_on or None,
            checked_at=self.l10n_in_einv_gstin_checked_at)

    def _l10n_in_einv_gstin_store(self, details, checked_at=None):
        """Keep what the IRP said of these partners' GSTIN (status fields only)."""
        status = gstin_status.GstinStatus.from_details(details, checked_at or fields.Datetime.now())
        with write_guard.trusted():
            self.sudo().write({
                "l10n_in_einv_gstin_checked": status.gstin,
                "l10n_in_einv_gstin_status": status.status or False,
                "l10n_in_einv_gstin_blocked": status.is_blocked,
                "l10n_in_einv_gstin_txp_type": status.txp_type or False,
                "l10n_in_einv_gstin_registered_on": status.registered_on or False,
                "l10n_in_einv_gstin_deregistered_on": status.deregistered_on or False,
                "l10n_in_einv_gstin_checked_at": status.checked_at,
                "l10n_in_einv_gstin_legal_name": details.legal_name or False,
            })
        return status

    # --- asking the IRP -----------------------------------------------------------------------

    @api.model
    def _l10n_in_einv_gstin_lookup(self, credential, gstin, sync=False, move=None):
        """(GstinDetails, None) or (None, what failed): one Get GSTIN details (or Sync GSTIN)
        call with the credential, logged in the API log. Never raises for the IRP; a failure
        that concerns the whole GSTIN of the credential pauses it like the registration does."""
        pause = credential._l10n_in_einv_pause()
        if pause is not None:
            return None, pause
        records = []
        try:
            client = credential._l10n_in_einv_client(on_call=records.append)
        except UserError as exc:
            return None, exc
        try:
            return (client.sync_gstin if sync else client.get_gstin)(gstin), None
        except (IrpError, ValueError) as exc:
            pause = policy.pause_for(exc, datetime.now(timezone.utc))
            if pause is not None:
                credential._l10n_in_einv_set_pause(pause)
            return None, exc
        finally:
            credential._l10n_in_einv_call_hook().bind(None)
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=credential, move=move)
            credential._l10n_in_einv_flush_session()

    def _l10n_in_einv_gstin_error_text(self, gstin, error):
        """Words for a look-up that gave no details."""
        if isinstance(error, policy.Pause):
            return _("Calls to the IRP are paused until %(until)s (%(detail)s); try again then.",
                     until=format_datetime(self.env, error.until.replace(tzinfo=None)), detail=error.detail or "-")
        codes = getattr(error, "codes", None) or []
        if NOT_IN_MASTER in codes:
            return _("The IRP's master does not hold GSTIN %(gstin)s yet [3028]: Sync from GST portal fetches it "
                     "from the GST common portal.", gstin=gstin)
        if NOT_AT_PORTAL in codes:
            return _("Neither the IRP nor the GST portal knows GSTIN %(gstin)s [3001]: check it with the customer.",
                     gstin=gstin)
        if INVALID in codes:
            return _("The IRP finds GSTIN %(gstin)s invalid [3030]: check it with the customer.", gstin=gstin)
        return _("The IRP could not be asked about GSTIN %(gstin)s: %(error)s", gstin=gstin, error=error)

    def _l10n_in_einv_gstin_refresh(self, credential, move_for=None, commit=False):
        """Ask the IRP once per distinct GSTIN of these partners and keep the status on each.

        Returns {gstin: (GstinStatus or None, error or None)}. Stops asking when the
        IRP is paused, out of reach or the credential unusable: what is left is reported
        as not checked. Never raises for the IRP; `move_for` maps a GSTIN to the
        invoice its call is logged on."""
        by_gstin = {}
        for partner in self:
            gstin = partner._l10n_in_einv_gstin_value()
            if gstin_rules.is_well_formed(gstin):
                by_gstin.setdefault(gstin, self.browse())
                by_gstin[gstin] |= partner
        report, stop = {}, None
        for gstin, partners in by_gstin.items():
            if stop is not None:
                report[gstin] = (None, stop)
                continue
            details, error = self._l10n_in_einv_gstin_lookup(credential, gstin, move=(move_for or {}).get(gstin))
            if details is not None:
                report[gstin] = (partners._l10n_in_einv_gstin_store(details), None)
            else:
                report[gstin] = (None, error)
                if not isinstance(error, IrpError) or error.kind != errors.DATA:
                    stop = error  # paused, unreachable or refused credentials: ask no more now
            if commit:
                # the scheduled refresh keeps each status the IRP gave, even if a later GSTIN fails
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return report

    # --- buttons --------------------------------------------------------------------------------

    def _l10n_in_einv_gstin_check_rights(self):
        if not self.env.user.has_group("l10n_in_einvoice.group_l10n_in_einvoice_user"):
            raise AccessError(_("Only e-invoicing users may check GSTINs with the IRP."))

    def _l10n_in_einv_gstin_credential(self):
        company = self.env.company
        credential = company._l10n_in_einv_credential()
        if not credential:
            raise UserError(_(
                "GSTINs are checked with the IRP credentials of the current company, and %(company)s (GSTIN "
                "%(gstin)s) has none: add them in Accounting > Configuration > E-invoicing credentials.",
                company=company.name, gstin=company.vat or "-"))
        return credential

    def action_l10n_in_einv_verify_gstin(self):
        """Get GSTIN details from the IRP and show them, with what would change on the partner."""
        self.ensure_one()
        self._l10n_in_einv_gstin_check_rights()
        partner = self.commercial_partner_id
        gstin = partner._l10n_in_einv_gstin_value()
        if not gstin:
            raise UserError(_("%(partner)s has no GSTIN to check.", partner=partner.display_name))
        credential = self._l10n_in_einv_gstin_credential()
        details, error = self._l10n_in_einv_gstin_lookup(credential, gstin)
        return self.env["l10n_in.einvoice.gstin.wizard"]._l10n_in_einv_open(partner, gstin, details, error)

    def action_l10n_in_einv_verify_gstins(self):
        """List action: the status of each selected partner's GSTIN, one call per GSTIN. Names and
        addresses are never changed here; one notification says what each partner's check gave."""
        self._l10n_in_einv_gstin_check_rights()
        partners = self.commercial_partner_id
        with_gstin = partners.filtered(lambda p: p._l10n_in_einv_gstin_value())
        distinct = {p._l10n_in_einv_gstin_value() for p in with_gstin}
        if len(distinct) > BULK_LIMIT:
            raise UserError(_("Select at most %(limit)d GSTINs at once (%(count)d selected): each one is a call to "
                              "the IRP.", limit=BULK_LIMIT, count=len(distinct)))
        credential = self._l10n_in_einv_gstin_credential()
        report = with_gstin._l10n_in_einv_gstin_refresh(credential)
        lines, failed = [], False
        for partner in partners:
            gstin = partner._l10n_in_einv_gstin_value()
            if not gstin:
                text, failed = _("no GSTIN"), True
            elif gstin not in report:
                text, failed = _("GSTIN %(gstin)s is not well formed; not asked", gstin=gstin), True
            else:
                status, error = report[gstin]
                text = partner._l10n_in_einv_gstin_summary(status) if status else \
                    self._l10n_in_einv_gstin_error_text(gstin, error)
                failed = failed or status is None or not status.is_active or status.is_blocked
            lines.append(_("%(partner)s: %(result)s", partner=partner.display_name, result=text))
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "title": _("GSTINs checked with the IRP"), "message": "\n".join(lines),
            "type": "warning" if failed else "success", "sticky": failed,
            "next": {"type": "ir.actions.act_window_close"}}}

    def _l10n_in_einv_gstin_summary(self, status):
        words = self._l10n_in_einv_gstin_status_words()
        text = _("GSTIN %(gstin)s is %(status)s", gstin=status.gstin,
                 status=words.get(status.status, status.status or _("of unknown status")))
        if status.deregistered_on:
            text += _(", de-registered on %(date)s", date=format_date(self.env, status.deregistered_on))
        if status.is_blocked:
            text += _(", blocked for e-way bills")
        return text

    # --- scheduled action ---------------------------------------------------------------------------

    @api.model
    def _l10n_in_einv_gstin_invoiced_partners(self, company, days):
        """Buyers and ship-to parties of posted customer invoices and credit notes of the last
        `days` days, as commercial partners with a GSTIN."""
        since = fields.Date.context_today(self) - timedelta(days=days)
        moves = self.env["account.move"].sudo()
        domain = [("company_id", "=", company.id), ("state", "=", "posted"),
                  ("move_type", "in", ("out_invoice", "out_refund")), ("invoice_date", ">=", since)]
        partners = self.browse()
        for field in ("commercial_partner_id", "partner_shipping_id"):
            partners |= self.browse([p.id for (p,) in moves._read_group(domain, [field]) if p])
        return partners.commercial_partner_id.filtered(lambda p: p._l10n_in_einv_gstin_value())

    @api.model
    def _cron_l10n_in_einv_refresh_gstins(self, limit=200):
        """Refresh the status of GSTINs invoiced lately whose check is older than the company's
        maximum age, per company with its own credential; never raises."""
        done = remaining = 0
        now = fields.Datetime.now()
        for company in self.env["res.company"].sudo().search([("l10n_in_einv_enabled", "=", True)]):
            credential = company._l10n_in_einv_credential()
            if not credential:
                continue
            try:
                partners = self.sudo()._l10n_in_einv_gstin_invoiced_partners(
                    company, company.l10n_in_einv_gstin_invoiced_days or 30)
                stale = partners.filtered(lambda p: gstin_status.needs_refresh(
                    p._l10n_in_einv_gstin_kept(), now, company.l10n_in_einv_gstin_max_age_days or 0))
                gstins = list(dict.fromkeys(p._l10n_in_einv_gstin_value() for p in stale))
                batch = gstins[:max(0, limit - done)]
                report = stale.filtered(lambda p: p._l10n_in_einv_gstin_value() in batch)._l10n_in_einv_gstin_refresh(
                    credential, commit=not _testing())
                done += sum(1 for status, _error in report.values() if status)
                remaining += len(gstins) - len(batch)  # failures wait for the next run, not a rerun now
            except Exception:  # noqa: BLE001 - one company's surprise never stops the others
                _logger.exception("E-invoice: GSTIN refresh for %s failed unexpectedly", company.name)
                if not _testing():
                    self.env.cr.rollback()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done, remaining
