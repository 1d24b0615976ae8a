from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_in_einv_ewb_closure_rule = fields.Boolean(
        string="Allow voluntary closure of e-way bills",
        help="GSTN announced voluntary closure of e-way bills after delivery (advisory 661, from 1 August 2026), "
        "then put it on hold with the ship-to GSTIN rule (advisory 668, 29 July 2026). Turn this on once GSTN "
        "announces that it applies: the e-way bill form then offers Close e-way bill.")

    def _l10n_in_einv_calendar(self):
        """The dated rules with this company's e-way bill closure switch (rule ewb_voluntary_closure)."""
        calendar = super()._l10n_in_einv_calendar()
        switches = {rule.key: on for rule, on in calendar.rules() if rule.switchable}
        switches["ewb_voluntary_closure"] = self.l10n_in_einv_ewb_closure_rule
        return type(calendar)(switches)
