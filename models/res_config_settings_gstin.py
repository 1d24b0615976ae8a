from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    l10n_in_einv_gstin_max_age_days = fields.Integer(
        string="GSTIN status valid for (days)", related="company_id.l10n_in_einv_gstin_max_age_days", readonly=False)
    l10n_in_einv_gstin_invoiced_days = fields.Integer(
        string="Refresh GSTINs invoiced within (days)",
        related="company_id.l10n_in_einv_gstin_invoiced_days", readonly=False)
