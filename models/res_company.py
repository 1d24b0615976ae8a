import logging

from odoo import fields, models

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
    l10n_in_einv_credential_ids = fields.One2many(
        "l10n_in.einvoice.credential", "company_id", string="IRP credentials")

    def _l10n_in_einv_credential(self):
        """The active credential for this company's own GSTIN, or an empty recordset."""
        self.ensure_one()
        return self.env["l10n_in.einvoice.credential"].sudo().search(
            [("company_id", "=", self.id), ("gstin", "=", self.vat)], limit=1)

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
