"""The Part-B history of an e-way bill: each generation, vehicle update, transporter change,
extension and cancellation, with its date, user, values and reason. Written only by the addon."""
from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools import write_guard

EVENT_KINDS = [
    ("generated", "Generated"),
    ("imported", "Recorded"),
    ("vehicle", "Vehicle updated (Part-B)"),
    ("recorded", "Part-B entered elsewhere (recorded)"),
    ("transporter", "Transporter changed"),
    ("extended", "Validity extended"),
    ("refreshed", "Refreshed from the IRP"),
    ("cancelled", "Cancelled"),
    ("rejected", "Rejected"),
    ("closed", "Closed"),
]


class L10nInEinvoiceEwaybillEvent(models.Model):
    _name = "l10n_in.einvoice.ewaybill.event"
    _description = "E-way bill event (Part-B history)"
    _order = "date desc, id desc"
    _check_company_auto = True

    ewaybill_id = fields.Many2one("l10n_in.einvoice.ewaybill", string="E-way bill", required=True, readonly=True,
                                  index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(string="Company", related="ewaybill_id.company_id", store=True, index=True)
    kind = fields.Selection(EVENT_KINDS, string="Event", required=True, readonly=True)
    date = fields.Datetime(string="Date", required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", string="User", readonly=True)
    values = fields.Json(string="Values",
                         readonly=True, help="What was sent or received (vehicle, place, validity...).")
    summary = fields.Char(compute="_compute_summary", string="Details")
    reason_code = fields.Char(string="Reason code", readonly=True,
                              help="NIC's code of the reason given (for a Part-B update, an extension or a "
                              "cancellation).")
    reason = fields.Char(string="Reason / remark", readonly=True)

    @api.depends("values")
    def _compute_summary(self):
        for event in self:
            values = event.values or {}
            event.summary = ", ".join(f"{key}: {value}" for key, value in values.items() if value not in (None, ""))

    def _l10n_in_einv_protected(self):
        return {name for name, field in self._fields.items() if field.store and name not in models.MAGIC_COLUMNS}

    @api.model_create_multi
    def create(self, vals_list):
        write_guard.check(self, vals_list, self._l10n_in_einv_protected())
        return super().create(vals_list)

    def write(self, vals):
        write_guard.check(self, [vals], self._l10n_in_einv_protected())
        return super().write(vals)

    def unlink(self):
        if self:
            raise AccessError(_("The history of an e-way bill is kept as the IRP recorded it."))
        return super().unlink()
