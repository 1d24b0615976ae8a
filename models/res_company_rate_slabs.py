"""The 40 % GST slab of 22 September 2025 in a company's taxes. Odoo 18's Indian chart
ships 5 / 12 / 18 / 28 % only; the 40 % taxes are made on request, each from its 28 %
sibling (same tags, accounts and groups), under the xml ids a later chart update would
use (account.<company>_igst_sale_40...), so an update finds them instead of doubling them."""
from odoo import _, models
from odoo.exceptions import UserError

# (new xml id, 28 % sibling, new rate, old rate in names); groups after their children.
RATE_40_TAXES = (
    ("igst_sale_40", "igst_sale_28", 40.0, "28"),
    ("cgst_sale_20", "cgst_sale_14", 20.0, "14"),
    ("sgst_sale_20", "sgst_sale_14", 20.0, "14"),
    ("sgst_sale_40", "sgst_sale_28", 40.0, "28"),
    ("igst_sale_40_sez_exp", "igst_sale_28_sez_exp", 40.0, "28"),
    ("igst_sale_40_sez_exp_lut", "igst_sale_28_sez_exp_lut", 40.0, "28"),
    ("igst_purchase_40", "igst_purchase_28", 40.0, "28"),
    ("cgst_purchase_20", "cgst_purchase_14", 20.0, "14"),
    ("sgst_purchase_20", "sgst_purchase_14", 20.0, "14"),
    ("sgst_purchase_40", "sgst_purchase_28", 40.0, "28"),
)
GROUP_CHILDREN = {"sgst_sale_40": ("sgst_sale_20", "cgst_sale_20"),
                  "sgst_purchase_40": ("sgst_purchase_20", "cgst_purchase_20")}


class ResCompany(models.Model):
    _inherit = "res.company"

    def _l10n_in_einv_rate_40_missing(self):
        """The 40 % taxes this company's Indian chart could have and does not."""
        self.ensure_one()
        chart = self.env["account.chart.template"].with_company(self)
        return [new for new, sibling, _rate, _old in RATE_40_TAXES
                if chart.ref(sibling, raise_if_not_found=False) and not chart.ref(new, raise_if_not_found=False)]

    def _l10n_in_einv_add_rate_40_taxes(self):
        """Make the missing 40 % taxes; returns them. Existing taxes are never changed."""
        self.ensure_one()
        if self.account_fiscal_country_id.code != "IN":
            raise UserError(_("The 40 %% GST slab applies to Indian companies; %(company)s is not one.",
                              company=self.name))
        chart = self.env["account.chart.template"].with_company(self)
        missing = set(self._l10n_in_einv_rate_40_missing())
        created = self.env["account.tax"]
        for new, sibling_xmlid, rate, old in RATE_40_TAXES:
            if new not in missing:
                continue
            sibling = chart.ref(sibling_xmlid)
            new_label = "%g" % rate
            values = {
                "name": sibling.name.replace(old, new_label, 1),
                "description": sibling.description and sibling.description.replace(old, new_label),
                "invoice_label": sibling.invoice_label and sibling.invoice_label.replace(old, new_label),
                "amount": rate,
            }
            if new in GROUP_CHILDREN:
                values["children_tax_ids"] = [(6, 0, [chart.ref(child).id for child in GROUP_CHILDREN[new]])]
            tax = sibling.copy(values)
            self.env["ir.model.data"].sudo().create({
                "module": "account", "name": f"{self.id}_{new}", "model": "account.tax", "res_id": tax.id,
                "noupdate": True,
            })
            created |= tax
        return created
