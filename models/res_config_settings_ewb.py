from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    l10n_in_einv_ewb_closure_rule = fields.Boolean(
        string="Allow voluntary closure of e-way bills",
        related="company_id.l10n_in_einv_ewb_closure_rule", readonly=False)
