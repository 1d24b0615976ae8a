from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_in_einv_gstin_max_age_days = fields.Integer(
        string="GSTIN status valid for (days)", default=7,
        help="A customer's GSTIN status checked with the IRP longer ago than this is checked again before an "
        "invoice is sent to them, and by the scheduled GSTIN refresh. A customer never checked is checked before "
        "their first invoice is sent.")
    l10n_in_einv_gstin_invoiced_days = fields.Integer(
        string="Refresh GSTINs invoiced within (days)", default=30,
        help="The scheduled GSTIN refresh checks the customers and delivery addresses of posted invoices and "
        "credit notes of this many last days.")

    _sql_constraints = [
        ("l10n_in_einv_gstin_days_positive",
         "CHECK(l10n_in_einv_gstin_max_age_days >= 0 AND l10n_in_einv_gstin_invoiced_days >= 0)",
         "The GSTIN check intervals must be zero or more days."),
    ]
