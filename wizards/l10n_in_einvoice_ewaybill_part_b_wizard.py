"""Update Part-B of an e-way bill (VEHEWB): a new vehicle or transport document, where and why."""
from odoo import api, fields, models

from ..models.l10n_in_einvoice_ewaybill import TRANSPORT_MODES, VEHICLE_TYPES


class L10nInEinvoiceEwaybillPartBWizard(models.TransientModel):
    _name = "l10n_in.einvoice.ewaybill.part.b.wizard"
    _description = "Update Part-B (vehicle) of an e-way bill"

    ewaybill_id = fields.Many2one("l10n_in.einvoice.ewaybill", string="E-way bill", required=True, readonly=True)
    move_id = fields.Many2one(string="Invoice", related="ewaybill_id.move_id")
    current_vehicle = fields.Char(related="ewaybill_id.vehicle_no", string="Current vehicle")
    part_a_only = fields.Boolean(string="Part-A only", related="ewaybill_id.part_a_only")
    reason_code = fields.Selection([("1", "Break down"), ("2", "Transshipment"), ("3", "Others"), ("4", "First time")],
                                   string="Reason", required=True,
                                   help="NIC's reason for the change: 1 break down, 2 transshipment, 3 others, "
                                   "4 first time (the first vehicle of a Part-A slip).")
    reason_remark = fields.Char(string="Remark", size=50, required=True)
    from_place = fields.Char(string="From place", size=50, required=True,
                             help="Where the goods are when the vehicle changes.")
    from_state_id = fields.Many2one("res.country.state", string="From state", required=True,
                                    domain="[('country_id.code', '=', 'IN')]")
    transport_mode = fields.Selection(TRANSPORT_MODES, string="Transport mode", required=True, default="1")
    vehicle_no = fields.Char(string="Vehicle number", size=20)
    vehicle_type = fields.Selection(VEHICLE_TYPES, string="Vehicle type", default="R")
    transport_doc_no = fields.Char(string="Transport document no.", size=15,
                                   help="Railway receipt, airway bill or bill of lading number (rail, air, ship).")
    transport_doc_date = fields.Date(string="Transport document date")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        bill = self.env["l10n_in.einvoice.ewaybill"].browse(
            values.get("ewaybill_id") or self.env.context.get("default_ewaybill_id"))
        if bill:
            company = bill.company_id.partner_id
            values.setdefault("from_place", company.city or False)
            values.setdefault("from_state_id", company.state_id.id or False)
            values.setdefault("transport_mode", bill.transport_mode or "1")
            if bill.part_a_only:
                values.setdefault("reason_code", "4")
        return values

    def action_update(self):
        self.ensure_one()
        kind, message = self.ewaybill_id._l10n_in_einv_ewb_update_part_b({
            "reason_code": self.reason_code, "reason_remark": self.reason_remark, "from_place": self.from_place,
            "from_state": self.from_state_id.l10n_in_tin or 0, "transport_mode": self.transport_mode,
            "vehicle_no": self.vehicle_no if self.transport_mode in ("1", "4") else False,
            "vehicle_type": self.vehicle_type, "transport_doc_no": self.transport_doc_no,
            "transport_doc_date": self.transport_doc_date})
        return self.ewaybill_id._l10n_in_einv_ewb_notify(kind, message)
