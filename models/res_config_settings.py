from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    l10n_in_einv_enabled = fields.Boolean(string="E-invoicing (IRP)",
                                          related="company_id.l10n_in_einv_enabled", readonly=False)
    l10n_in_einv_sending_mode = fields.Selection(string="When IRNs are generated",
                                                 related="company_id.l10n_in_einv_sending_mode", readonly=False)
    l10n_in_einv_parallel_calls = fields.Integer(string="Parallel IRP calls per GSTIN",
                                                 related="company_id.l10n_in_einv_parallel_calls", readonly=False)
    l10n_in_einv_aato_band = fields.Selection(string="Aggregate annual turnover (AATO)",
                                              related="company_id.l10n_in_einv_aato_band", readonly=False)
    l10n_in_einv_ship_to_rule = fields.Boolean(string="Apply the ship-to GSTIN rule",
                                               related="company_id.l10n_in_einv_ship_to_rule", readonly=False)
    l10n_in_einv_rate_40_missing = fields.Boolean(string="40 % GST taxes missing",
                                                  compute="_compute_l10n_in_einv_rate_40_missing",
                                                  help="The company has 28 % GST taxes but not yet the 40 % ones of "
                                                  "22 September 2025.")
    l10n_in_einv_hsn_master_path = fields.Char(
        string="HSN master file", config_parameter="l10n_in_einvoice.hsn_master_path",
        help="Path, on the server, of the HSN/SAC master (JSON [{\"hsn_code\": ...}] or one code per line): "
        "invoices with codes the IRP does not know are stopped before sending.")

    def _compute_l10n_in_einv_rate_40_missing(self):
        for settings in self:
            company = settings.company_id
            settings.l10n_in_einv_rate_40_missing = company.account_fiscal_country_id.code == "IN" and bool(
                company._l10n_in_einv_rate_40_missing())

    def action_l10n_in_einv_add_rate_40_taxes(self):
        """The 40 % GST taxes (slab of 22 September 2025), made from the 28 % ones."""
        self.env["account.tax"].check_access("create")
        taxes = self.company_id._l10n_in_einv_add_rate_40_taxes()
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "success", "message": _("Added: %(taxes)s", taxes=", ".join(taxes.mapped("name"))),
            "next": {"type": "ir.actions.client", "tag": "reload"}}}

    def action_l10n_in_einv_open_credentials(self):
        return self.env["ir.actions.act_window"]._for_xml_id("l10n_in_einvoice.action_l10n_in_einvoice_credential")

    def action_l10n_in_einv_import_odoo_edi(self):
        """Import the IRNs and e-way bills Odoo's e-invoicing registered for this company."""
        if not self.env.user.has_group("l10n_in_einvoice.group_l10n_in_einvoice_manager"):
            raise AccessError(_("Only e-invoicing managers may import from Odoo's e-invoicing."))
        company = self.company_id
        if not company.l10n_in_einv_enabled:
            raise UserError(_(
                "Turn E-invoicing (IRN) on and save the settings first: imported IRNs are then cancelled and "
                "printed by this addon, and Odoo's e-invoicing stops sending for %(company)s.", company=company.name))
        moves = self.env["account.move"].sudo().with_company(company)  # rights checked above
        return moves._l10n_in_einv_import_odoo_edi_notification(moves._l10n_in_einv_import_odoo_edi(company))
