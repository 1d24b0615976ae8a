"""The dated IRP rules (irp/rules_calendar.py) on account.move: the 30-day reporting limit
(last day, days left, a warning and an activity while there is still time) and document
numbers that the IRP takes for the same one because they differ only in letter case."""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import create_index

from ..irp import ist

PENDING_STATES = ("to_send", "retry", "error")
WARN_DAYS = 5  # the banner and Send & Print say how many days are left from this many
ACTIVITY_DAYS = 3  # an activity reminds the invoice's salesperson from this many


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_in_einv_last_day = fields.Date(
        string="IRN last day", compute="_compute_l10n_in_einv_last_day",
        help="The last day the IRP gives this invoice an IRN: 30 days from its date for a company whose turnover "
        "(AATO, in the settings) is ₹10 crore or more.")
    l10n_in_einv_days_left = fields.Integer(
        string="Days left", compute="_compute_l10n_in_einv_last_day",
        help="Days left to register this invoice at the IRP (negative: too late).")

    @api.depends("invoice_date", "l10n_in_einv_state", "company_id.l10n_in_einv_aato_band")
    def _compute_l10n_in_einv_last_day(self):
        today = ist.today()
        for move in self:
            limit = move._l10n_in_einv_reporting_limit(today)
            known = limit is not None and limit.band_known
            move.l10n_in_einv_last_day = limit.last_day if known else False
            move.l10n_in_einv_days_left = limit.days_left if known else 0

    def _l10n_in_einv_reporting_limit(self, today=None):
        """The 30-day limit that applies to this invoice if it still needs an IRN, else None."""
        self.ensure_one()
        if self.l10n_in_einv_state not in PENDING_STATES or not self.invoice_date:
            return None
        company = self.company_id
        return company._l10n_in_einv_calendar().reporting_limit(
            self.invoice_date, company.l10n_in_einv_aato_band or None, today or ist.today())

    # --- pre-flight ----------------------------------------------------------------------

    def _l10n_in_einv_collect_warnings(self, payload, items):
        warnings = super()._l10n_in_einv_collect_warnings(payload, items)
        today = ist.today()
        limit = self._l10n_in_einv_reporting_limit(today)
        if limit is not None and limit.band_known and 0 <= limit.days_left <= WARN_DAYS:
            warnings.append(_(
                "The IRP takes this invoice only until %(last_day)s (%(days)d days left): after that it can never "
                "get an IRN (30-day limit for a turnover of ₹10 crore and above).",
                last_day=limit.last_day.strftime("%d/%m/%Y"), days=limit.days_left))
        elif limit is not None and not limit.band_known and limit.days_left <= WARN_DAYS:
            warnings.append(_(
                "If %(company)s's turnover (AATO) is ₹10 crore or more, the IRP takes this invoice only until "
                "%(last_day)s. Set the turnover in Settings > E-invoicing so that this is checked.",
                company=self.company_id.name, last_day=limit.last_day.strftime("%d/%m/%Y")))
        company = self.company_id
        if not company.l10n_in_einv_aato_band and company._l10n_in_einv_calendar().min_hsn_digits(None, today) is None:
            short = sorted({item["HsnCd"] for item in items if item.get("HsnCd") and len(item["HsnCd"]) < 6})
            if short:
                warnings.append(_(
                    "HSN codes %(codes)s have fewer than 6 digits: if %(company)s's turnover (AATO) is ₹5 crore or "
                    "more, the IRP needs at least 6. Set the turnover in Settings > E-invoicing.",
                    codes=", ".join(short), company=company.name))
        return warnings

    def _l10n_in_einv_extra_problems(self, payload, items):
        problems = super()._l10n_in_einv_extra_problems(payload, items)
        if twin := self._l10n_in_einv_case_twin():
            problems.append(self._l10n_in_einv_case_twin_message(twin))
        return problems

    # --- document numbers that differ only in case ------------------------------------------

    def _auto_init(self):
        result = super()._auto_init()
        # the case-twin look-up runs for every invoice sent and posted: without this index it
        # reads every posted move of the company (milliseconds each with thousands of them)
        create_index(self.env.cr, "account_move_l10n_in_einv_upper_name_index", self._table,
                     ["company_id", "upper(name)"], where="state = 'posted'")
        return result

    def _l10n_in_einv_case_twin(self):
        """Another posted document of the same company, type and financial year whose number
        differs from this one only in letter case, when the IRP takes them for the same."""
        self.ensure_one()
        if not self.name or self.name == "/" or not self.invoice_date:
            return self.browse()
        calendar = self.company_id._l10n_in_einv_calendar()
        if not calendar.applies("doc_no_case_insensitive", ist.today()):
            return self.browse()
        self.env.cr.execute(
            """SELECT id FROM account_move
                WHERE company_id = %s AND id != %s AND state = 'posted' AND upper(name) = upper(%s) AND name != %s
                  AND l10n_in_einv_state != 'not_applicable'""",
            (self.company_id.id, self.id or 0, self.name, self.name))
        others = self.browse([row[0] for row in self.env.cr.fetchall()])
        kind, year = self._l10n_in_einv_document_type(), _financial_year(self.invoice_date)
        return others.filtered(lambda other: other._l10n_in_einv_document_type() == kind
                               and _financial_year(other.invoice_date) == year)[:1]

    def _l10n_in_einv_case_twin_message(self, twin):
        return _(
            "Invoice number '%(number)s' differs only in letter case from '%(other)s', already posted: since 1 June "
            "2025 the IRP takes them for the same document and refuses the second as a duplicate. Give this one "
            "another number. [2150]", number=self.name, other=twin.name)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        for move in posted:
            if move.l10n_in_einv_state in PENDING_STATES and (twin := move._l10n_in_einv_case_twin()):
                raise UserError(move._l10n_in_einv_case_twin_message(twin))
        return posted

    # --- reminders ---------------------------------------------------------------------------

    @api.model
    def _cron_l10n_in_einv_deadline_activities(self):
        """An activity on each invoice still without IRN whose last day is near, for its salesperson."""
        today = ist.today()
        companies = self.env["res.company"].search([("l10n_in_einv_enabled", "=", True),
                                                    ("l10n_in_einv_aato_band", "!=", False)])
        for company in companies:
            calendar = company._l10n_in_einv_calendar()
            oldest = today - timedelta(days=30)
            moves = self.search([("company_id", "=", company.id), ("state", "=", "posted"),
                                 ("l10n_in_einv_state", "in", PENDING_STATES), ("invoice_date", ">=", oldest)])
            for move in moves:
                limit = calendar.reporting_limit(move.invoice_date, company.l10n_in_einv_aato_band, today)
                if limit is None or not 0 <= limit.days_left <= ACTIVITY_DAYS:
                    continue
                move._l10n_in_einv_schedule_activity(
                    _("The IRP gives %(move)s an IRN only until %(last_day)s (%(days)d days left). Fix what stops it "
                      "and send it; after that day it can never be registered.", move=move.name,
                      last_day=limit.last_day.strftime("%d/%m/%Y"), days=limit.days_left),
                    summary=_("E-invoice: last day for the IRN"), deadline=limit.last_day)


def _financial_year(day):
    return day.year if day.month >= 4 else day.year - 1
