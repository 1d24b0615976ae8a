from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_in_einv_enabled = fields.Boolean(
        string="E-invoicing (IRP)",
        help="Register customer invoices, credit notes and debit notes with the Invoice Registration Portal.")
    l10n_in_einv_send_on_post = fields.Boolean(
        string="Send IRN on posting",
        help="Queue each applicable invoice for the IRP as soon as it is posted and send it right away; "
        "failures are retried by the scheduled action.")
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
