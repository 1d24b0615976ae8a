"""Extend the validity of an e-way bill (EXTENDVALIDITY): where the goods are, how far they still
go and why; NIC accepts it only from 8 hours before to 8 hours after the end of validity."""
from odoo import api, fields, models

from ..models.l10n_in_einvoice_ewaybill import TRANSPORT_MODES


class L10nInEinvoiceEwaybillExtendWizard(models.TransientModel):
    _name = "l10n_in.einvoice.ewaybill.extend.wizard"
    _description = "Extend the validity of an e-way bill"

    ewaybill_id = fields.Many2one("l10n_in.einvoice.ewaybill", string="E-way bill", required=True, readonly=True)
    move_id = fields.Many2one(string="Invoice", related="ewaybill_id.move_id")
    valid_till = fields.Datetime(string="Valid till", related="ewaybill_id.valid_till")
    extension_opens = fields.Datetime(string="Extension possible from", related="ewaybill_id.extension_opens")
    extension_closes = fields.Datetime(string="Extension possible until", related="ewaybill_id.extension_closes")
    consignment_status = fields.Selection([("M", "In movement"), ("T", "In transit (stored on the way)")],
                                          string="Goods are", required=True, default="M",
                                          help="In movement: still travelling. In transit: stored on the way (road "
                                          "side, warehouse...).")
    transit_type = fields.Selection([("R", "Road"), ("W", "Warehouse"), ("O", "Others")], string="Transit type",
                                    help="Where goods in transit wait: road, warehouse or others.")
    address_line1 = fields.Char(string="Address line 1", size=50, help="Where the goods in transit are.")
    address_line2 = fields.Char(string="Address line 2", size=50)
    address_line3 = fields.Char(string="Address line 3", size=50)
    remaining_distance = fields.Integer(string="Remaining distance (km)", required=True)
    from_place = fields.Char(string="Current place", size=50, required=True)
    from_state_id = fields.Many2one("res.country.state", string="Current state", required=True,
                                    domain="[('country_id.code', '=', 'IN')]")
    from_pincode = fields.Char(string="Current PIN code", size=6, required=True)
    transport_mode = fields.Selection(TRANSPORT_MODES, string="Transport mode", default="1")
    vehicle_no = fields.Char(string="Vehicle number", size=20)
    transport_doc_no = fields.Char(string="Transport document no.", size=15)
    transport_doc_date = fields.Date(string="Transport document date")
    reason_code = fields.Selection([("1", "Natural calamity"), ("2", "Law and order"), ("4", "Transshipment"),
                                    ("5", "Accident"), ("99", "Others")], string="Reason", required=True)
    remarks = fields.Char(string="Remarks", size=50, required=True,
                          help="Sent to the e-way bill system with the extension (at most 50 characters).")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        bill = self.env["l10n_in.einvoice.ewaybill"].browse(
            values.get("ewaybill_id") or self.env.context.get("default_ewaybill_id"))
        if bill:
            values.setdefault("remaining_distance", bill.distance or 0)
            values.setdefault("transport_mode", bill.transport_mode or "1")
            values.setdefault("vehicle_no", bill.vehicle_no or False)
            values.setdefault("transport_doc_no", bill.transport_doc_no or False)
            values.setdefault("transport_doc_date", bill.transport_doc_date or False)
        return values

    def action_extend(self):
        self.ensure_one()
        pin = (self.from_pincode or "").strip()
        kind, message = self.ewaybill_id._l10n_in_einv_ewb_extend({
            "consignment_status": self.consignment_status, "transit_type": self.transit_type,
            "address_line1": self.address_line1, "address_line2": self.address_line2,
            "address_line3": self.address_line3, "remaining_distance": self.remaining_distance,
            "from_place": self.from_place, "from_state": self.from_state_id.l10n_in_tin or 0,
            "from_pincode": pin if pin.isdigit() else 0, "transport_mode": self.transport_mode,
            "vehicle_no": self.vehicle_no, "transport_doc_no": self.transport_doc_no,
            "transport_doc_date": self.transport_doc_date, "reason_code": self.reason_code, "remarks": self.remarks})
        return self.ewaybill_id._l10n_in_einv_ewb_notify(kind, message)
