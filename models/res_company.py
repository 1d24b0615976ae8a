import logging

from odoo import fields, models

from ..irp import rules_calendar

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_in_einv_enabled = fields.Boolean(
        string="E-invoicing (IRP)",
        help="Register customer invoices, credit notes and debit notes with the Invoice Registration Portal.")
    l10n_in_einv_sending_mode = fields.Selection(
        [("manual", "Manual"), ("on_post", "On posting"), ("scheduled", "Scheduled")],
        string="When IRNs are generated", default="on_post", required=True,
        help="Manual: only when someone clicks Generate IRN, uses the list action or Send & Print; posting does not "
        "send.\nOn posting: each applicable invoice is sent right after it is posted (in the background, once the "
        "posting is saved).\nScheduled: posted invoices wait for the next run of the scheduled action "
        "(every 5 minutes by default), which sends everything pending.\nIn every mode an invoice can be held back "
        "one by one, and failures are retried by the scheduled action.")
    l10n_in_einv_parallel_calls = fields.Integer(
        string="Parallel IRP calls per GSTIN", default=4,
        help="How many calls the scheduled action keeps in flight at once for one GSTIN.")
    l10n_in_einv_aato_band = fields.Selection(
        [("below_5cr", "Below ₹5 crore"), ("5cr_to_10cr", "₹5 crore to below ₹10 crore"),
         ("10cr_to_100cr", "₹10 crore to below ₹100 crore"), ("100cr_plus", "₹100 crore and above")],
        string="Aggregate annual turnover (AATO)",
        help="The turnover band GSTN holds for this GSTIN (the IRP applies its rules from GSTN's data, not from the "
        "invoice). It decides the 30-day reporting limit (₹10 crore and above: an invoice gets an IRN only within "
        "30 days of its date) and the HSN digits (₹5 crore and above: at least 6). Left empty, those rules only "
        "warn.")
    l10n_in_einv_ship_to_rule = fields.Boolean(
        string="Apply the ship-to GSTIN rule",
        help="GSTN announced that the consignee's GSTIN (or URP) becomes mandatory when an e-way bill is made with "
        "or by the IRN (advisories 661 and 663, from 1 August 2026), then put it on hold (advisory 668, 29 July "
        "2026). Turn this on once GSTN announces that it applies.")
    l10n_in_einv_credential_ids = fields.One2many(
        "l10n_in.einvoice.credential", "company_id", string="IRP credentials",
        help="API credentials of the company's GSTINs for the IRP.")

    def _l10n_in_einv_credential(self):
        """The active credential for this company's own GSTIN, or an empty recordset."""
        self.ensure_one()
        return self.env["l10n_in.einvoice.credential"].sudo().search(
            [("company_id", "=", self.id), ("gstin", "=", self.vat)], limit=1)

    def _l10n_in_einv_calendar(self):
        """The dated IRP rules as this company applies them (rules on hold switched by its settings)."""
        self.ensure_one()
        return rules_calendar.Calendar({"ship_to_gstin": self.l10n_in_einv_ship_to_rule})

    def write(self, vals):
        # Switching e-invoicing on takes over from Odoo's l10n_in_edi: what it registered
        # is imported at once, so existing invoices keep printing and cancelling here.
        switched_on = self.filtered(lambda c: not c.l10n_in_einv_enabled) if vals.get("l10n_in_einv_enabled") else None
        result = super().write(vals)
        for company in switched_on or ():
            # as superuser: whoever may switch it on may not read every invoice; the data is verified
            report = self.env["account.move"].sudo().with_company(company)._l10n_in_einv_import_odoo_edi(company)
            if report["blocked"]:
                _logger.info("E-invoice import for %s waits: %s", company.name, report["blocked"])
        return result
