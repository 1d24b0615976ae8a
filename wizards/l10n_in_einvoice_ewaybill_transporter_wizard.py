"""Assign another transporter to an e-way bill (UPDATETRANSPORTER)."""
from odoo import fields, models


class L10nInEinvoiceEwaybillTransporterWizard(models.TransientModel):
    _name = "l10n_in.einvoice.ewaybill.transporter.wizard"
    _description = "Update the transporter of an e-way bill"

    ewaybill_id = fields.Many2one("l10n_in.einvoice.ewaybill", string="E-way bill", required=True, readonly=True)
    move_id = fields.Many2one(string="Invoice", related="ewaybill_id.move_id")
    current_transporter = fields.Char(related="ewaybill_id.transporter_gstin", string="Current transporter")
    transporter_gstin = fields.Char(string="Transporter ID", size=15, required=True, help="GSTIN or TRANSIN.")
    transporter_name = fields.Char(string="Transporter name", size=100)

    def action_update(self):
        self.ensure_one()
        kind, message = self.ewaybill_id._l10n_in_einv_ewb_update_transporter(self.transporter_gstin,
                                                                              self.transporter_name)
        return self.ewaybill_id._l10n_in_einv_ewb_notify(kind, message)
