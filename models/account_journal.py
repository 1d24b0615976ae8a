"""The E-invoices block of the Invoicing dashboard: per sale journal of an Indian
company that e-invoices, how many documents wait, retry, failed, need a person,
got their IRN today, and how many e-way bills expire soon; each count opens its list."""
from datetime import datetime, time, timedelta, timezone

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..irp import policy
from ..irp.ist import IST, today as ist_today

# An e-way bill this close to its end needs its validity extended (or the goods delivered).
EWB_EXPIRY_HORIZON = timedelta(hours=8)
DASHBOARD_GROUP = "l10n_in_einvoice.group_l10n_in_einvoice_user"


class AccountJournal(models.Model):
    _inherit = "account.journal"

    # --- what each count means (one definition for the count and for the list it opens) ---

    def _l10n_in_einv_dashboard_buckets(self):
        """{bucket: (label, domain on account.move)}, the moments taken now.

        Only columns of account_move appear in these domains: they are turned into
        FILTER clauses of one grouped query (see _l10n_in_einv_dashboard_counts)."""
        now = fields.Datetime.now()
        # "today" is India's day, whatever the server's or the user's time zone
        day_start = datetime.combine(ist_today(), time.min, IST).astimezone(timezone.utc).replace(tzinfo=None)
        posted = [("state", "=", "posted")]
        return {
            "to_send": (_("To send"), posted + [("l10n_in_einv_state", "=", "to_send")]),
            "retry": (_("Retrying"), posted + [("l10n_in_einv_state", "=", "retry")]),
            "error": (_("Error"), posted + [("l10n_in_einv_state", "=", "error")]),
            # an IRN may exist at the IRP, or retries went on long enough for a person to look
            "attention": (_("Needs attention"), posted + [
                "|", ("l10n_in_einv_outcome_unknown", "=", True),
                "&", ("l10n_in_einv_state", "=", "retry"),
                ("l10n_in_einv_attempts", ">=", policy.TRANSIENT_ALERT_ATTEMPTS),
            ]),
            "registered_today": (_("Registered today"), [
                ("l10n_in_einv_ack_date", ">=", day_start),
                ("l10n_in_einv_ack_date", "<", day_start + timedelta(days=1)),
            ]),
            "ewb_expiring": (_("E-way bills expiring"), [
                ("l10n_in_einv_ewb_status", "=", "active"),
                ("l10n_in_einv_ewb_valid_till", ">=", now),
                ("l10n_in_einv_ewb_valid_till", "<=", now + EWB_EXPIRY_HORIZON),
            ]),
        }

    def _l10n_in_einv_dashboard_journals(self):
        """Sale journals of Indian companies that e-invoice (the user may read the journal
        but not its company: the company is read as superuser)."""
        def e_invoicing(company):
            company = company.sudo()
            country = company.account_fiscal_country_id or company.country_id
            return company.l10n_in_einv_enabled and country.code == "IN"

        return self.filtered(lambda journal: journal.type == "sale" and e_invoicing(journal.company_id))

    # --- the counts ---------------------------------------------------------------------------

    def _get_journal_dashboard_data_batched(self):
        dashboard_data = super()._get_journal_dashboard_data_batched()
        self._l10n_in_einv_fill_dashboard_data(dashboard_data)
        return dashboard_data

    def _l10n_in_einv_fill_dashboard_data(self, dashboard_data):
        journals = self._l10n_in_einv_dashboard_journals()
        if not journals or not self.env.user.has_group(DASHBOARD_GROUP) \
                or not self.env["account.move"].has_access("read"):
            return
        counts = journals._l10n_in_einv_dashboard_counts()
        for journal in journals:
            dashboard_data[journal.id]["l10n_in_einv"] = counts[journal.id]

    def _l10n_in_einv_dashboard_counts(self):
        """{journal id: {bucket: count}} for these journals in one grouped query.

        The base query applies the user's record rules and the companies selected in
        the switcher, like Odoo's own dashboard counts; each bucket is a FILTER."""
        if not self:
            return {}
        Move = self.env["account.move"]
        buckets = self._l10n_in_einv_dashboard_buckets()
        base = Move._search([
            *Move._check_company_domain(self.env.companies),
            ("journal_id", "in", self.ids),
            ("l10n_in_einv_state", "!=", "not_applicable"),
        ])
        filters = []
        for name, (_label, domain) in buckets.items():
            condition = Move._where_calc(domain)
            # a join here would not be part of the base query's FROM
            assert not condition._joins, "dashboard buckets must use account_move columns only"
            filters.append(SQL("COUNT(*) FILTER (WHERE %s) AS %s", condition.where_clause, SQL.identifier(name)))
        rows = self.env.execute_query(SQL(
            "%s GROUP BY account_move.journal_id", base.select(SQL("account_move.journal_id"), *filters)))
        empty = dict.fromkeys(buckets, 0)
        counts = {journal_id: dict(empty) for journal_id in self.ids}
        for journal_id, *values in rows:
            counts[journal_id] = dict(zip(buckets, values))
        return counts

    # --- the lists they open ------------------------------------------------------------------

    def action_l10n_in_einv_open_moves(self):
        """The invoices of this journal behind one count (bucket in the context)."""
        self.ensure_one()
        bucket = self.env.context.get("l10n_in_einv_bucket")
        buckets = self._l10n_in_einv_dashboard_buckets()
        if bucket not in buckets:
            raise UserError(_("Unknown list of e-invoices: %(bucket)s", bucket=bucket))
        label, domain = buckets[bucket]
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_in_einvoice.action_l10n_in_einvoice_queue")
        title = _("%(list)s (%(journal)s)", list=label, journal=self.name)
        action.update({
            "name": title, "display_name": title,  # the web client shows display_name
            "domain": domain + [("journal_id", "=", self.id), ("l10n_in_einv_state", "!=", "not_applicable")],
            "context": {"default_journal_id": self.id},
        })
        if bucket == "ewb_expiring":
            view = self.env.ref("l10n_in_einvoice.view_l10n_in_einv_ewb_expiring_list")
            action["views"] = [(view.id, "list"), (False, "form")]
        return action
