from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    l10n_in_einv_enabled = fields.Boolean(related="company_id.l10n_in_einv_enabled", readonly=False)
    l10n_in_einv_sending_mode = fields.Selection(related="company_id.l10n_in_einv_sending_mode", readonly=False)
    l10n_in_einv_parallel_calls = fields.Integer(related="company_id.l10n_in_einv_parallel_calls", readonly=False)
    l10n_in_einv_hsn_master_path = fields.Char(
        string="HSN master file", config_parameter="l10n_in_einvoice.hsn_master_path",
        help="Path, on the server, of the HSN/SAC master (JSON [{\"hsn_code\": ...}] or one code per line): "
        "invoices with codes the IRP does not know are stopped before sending.")

    def action_l10n_in_einv_open_credentials(self):
        return self.env["ir.actions.act_window"]._for_xml_id("l10n_in_einvoice.action_l10n_in_einvoice_credential")
