"""Generate an e-way bill by IRN: the transport details, checked before any call."""
from odoo import _, api, fields, models

from ..irp.ist import today as ist_today
from ..models.l10n_in_einvoice_ewaybill import TRANSPORT_MODES, VEHICLE_TYPES


class L10nInEinvoiceEwaybillWizard(models.TransientModel):
    _name = "l10n_in.einvoice.ewaybill.wizard"
    _description = "Generate an e-way bill by IRN"
    _check_company_auto = True

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True, check_company=True)
    company_id = fields.Many2one(string="Company", related="move_id.company_id")
    irn = fields.Char(string="IRN", related="move_id.l10n_in_einv_irn")
    transporter_gstin = fields.Char(string="Transporter ID", size=15,
                                    help="GSTIN or TRANSIN of the transporter; required for a Part-A slip.")
    transporter_name = fields.Char(string="Transporter name", size=100)
    transport_mode = fields.Selection(TRANSPORT_MODES, string="Transport mode", default="1")
    part_a_only = fields.Boolean(
        string="Part-A only (vehicle later)",
        help="Road only: the transporter enters the vehicle (Part-B) later; the e-way bill has no validity until "
             "then.")
    vehicle_no = fields.Char(string="Vehicle number", size=20)
    vehicle_type = fields.Selection(VEHICLE_TYPES, string="Vehicle type", default="R",
                                    help="Over-dimensional cargo: one day of validity per 20 km instead of 200 km.")
    transport_doc_no = fields.Char(string="Transport document no.", size=15,
                                   help="Railway receipt, airway bill or bill of lading number (rail, air, ship).")
    transport_doc_date = fields.Date(string="Transport document date")
    distance = fields.Integer(string="Distance (km)", default=0,
                              help="0: the IRP computes the distance between the PIN codes, and it is recorded.")
    dispatch_partner_id = fields.Many2one("res.partner", string="Dispatch from", check_company=True,
                                          help="Where the goods leave from (the warehouse address).")
    ship_partner_id = fields.Many2one("res.partner", string="Ship to", check_company=True,
                                      help="Where the goods go: the delivery address; for an export, the port or "
                                           "place in India they leave from.")
    ship_to_gstin_rule = fields.Boolean(compute="_compute_ship_to_gstin_rule",
                                        string="Ship-to GSTIN rule in force",
                                        help="The company applies the ship-to GSTIN rule (advisories 661/663): the "
                                        "consignee's GSTIN, or URP, is required.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        move = self.env["account.move"].browse(values.get("move_id") or self.env.context.get("default_move_id"))
        if move:
            warehouse = move._l10n_in_get_warehouse_address()
            values.setdefault("dispatch_partner_id", (warehouse or move.company_id.partner_id).id)
            values.setdefault("ship_partner_id", move.partner_shipping_id.id or move.partner_id.id)
        return values

    @api.depends("company_id")
    def _compute_ship_to_gstin_rule(self):
        for wizard in self:
            wizard.ship_to_gstin_rule = bool(wizard.company_id) and wizard.company_id._l10n_in_einv_calendar().applies(
                "ship_to_gstin", ist_today())

    @api.onchange("transport_mode")
    def _onchange_transport_mode(self):
        if self.transport_mode != "1":
            self.part_a_only = False

    def _values(self):
        self.ensure_one()
        return {
            "transporter_gstin": self.transporter_gstin, "transporter_name": self.transporter_name,
            "transport_mode": self.transport_mode, "part_a_only": self.part_a_only,
            "vehicle_no": self.vehicle_no if not self.part_a_only else False, "vehicle_type": self.vehicle_type,
            "transport_doc_no": self.transport_doc_no, "transport_doc_date": self.transport_doc_date,
            "distance": self.distance, "dispatch_partner": self.dispatch_partner_id,
            "ship_partner": self.ship_partner_id,
        }

    def action_generate(self):
        self.ensure_one()
        kind, message = self.move_id._l10n_in_einv_ewaybill_generate(self._values())
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-way bill"), "type": kind, "message": message, "sticky": kind != "success",
                           "next": {"type": "ir.actions.act_window_close"}}}
