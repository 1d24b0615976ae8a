"""What the IRP's master says of a partner's GSTIN, and what would change on the partner.

Opened by Verify GSTIN (partner form, invoice form). Nothing on the partner changes
but its kept GSTIN status until someone allowed to edit partners clicks Update
partner, which applies exactly the changes shown and notes them in the chatter."""
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime

from ..irp import gstin_status
from ..irp.errors import IrpError

ADDRESS_LINE_LENGTH = 100  # what NIC takes in Addr1 (nic-irp-api.md §7.4)
# The partner fields Update partner may change, in the order they are shown.
UPDATABLE_FIELDS = ("name", "street", "street2", "city", "zip", "state_id", "country_id", "l10n_in_gst_treatment")


def _same_text(left, right):
    def norm(text):
        return " ".join(str(text or "").replace(",", " ").split()).casefold()
    return norm(left) == norm(right)


class L10nInEinvoiceGstinWizard(models.TransientModel):
    _name = "l10n_in.einvoice.gstin.wizard"
    _description = "GSTIN details from the IRP"

    partner_id = fields.Many2one("res.partner", string="Partner", required=True, readonly=True, ondelete="cascade")
    gstin = fields.Char(string="GSTIN", readonly=True)
    found = fields.Boolean(string="Found at the IRP", readonly=True)
    message = fields.Text(string="Message", readonly=True)
    error_code = fields.Char(string="IRP error code", readonly=True)
    legal_name = fields.Char(string="Legal name",
                             readonly=True, help="Legal name of the business as registered with GST.")
    trade_name = fields.Char(string="Trade name", readonly=True)
    address = fields.Text(string="Address", readonly=True)
    city = fields.Char(string="City", readonly=True)
    state_id = fields.Many2one("res.country.state", string="State", readonly=True)
    state_code = fields.Char(string="State code",
                             readonly=True, help="GST state code (the first two digits of the GSTIN).")
    pin = fields.Char(string="PIN", readonly=True)
    status = fields.Char(string="Status code", readonly=True,
                         help="ACT (active), CNL (cancelled), SUS (suspended)... as the IRP reports it.")
    status_label = fields.Char(string="Status", readonly=True)
    blocked = fields.Boolean(string="Blocked for e-way bills", readonly=True,
                             help="GSTN blocked e-way bill generation for this GSTIN (usually for returns not filed).")
    registered_on = fields.Date(string="Registered on", readonly=True)
    deregistered_on = fields.Date(string="De-registered on", readonly=True)
    txp_type = fields.Char(string="Taxpayer type code", readonly=True)
    txp_label = fields.Char(string="Taxpayer type", readonly=True)
    checked_at = fields.Datetime(string="Checked at", readonly=True)
    changes = fields.Json(string="Changes",
                          readonly=True, help="{field: value from the portal} that Update partner writes.")
    changes_html = fields.Html(string="What would change", compute="_compute_changes_html", sanitize=False)
    has_changes = fields.Boolean(string="Has changes", compute="_compute_changes_html")
    can_update = fields.Boolean(string="Can update the partner", compute="_compute_can_update")
    can_sync = fields.Boolean(string="Can sync from the GST portal", compute="_compute_can_update")
    updated = fields.Boolean(string="Partner updated", readonly=True)

    @api.depends("changes", "partner_id")
    def _compute_changes_html(self):
        for wizard in self:
            rows = wizard._l10n_in_einv_change_rows()
            wizard.has_changes = bool(rows)
            if not rows:
                wizard.changes_html = False
                continue
            body = Markup("").join(
                Markup('<tr data-field="%s"><td class="fw-bold">%s</td><td>%s</td><td class="text-success">%s</td>'
                       '</tr>') % (name, label, old or "-", new or "-") for name, label, old, new in rows)
            wizard.changes_html = Markup(
                '<table class="table table-sm o_l10n_in_einv_gstin_changes"><thead><tr><th>%s</th><th>%s</th>'
                '<th>%s</th></tr></thead><tbody>%s</tbody></table>') % (
                _("Field"), _("On the partner"), _("From the GST portal"), body)

    @api.depends("changes", "updated", "found", "status", "error_code")
    def _compute_can_update(self):
        may_write = self._l10n_in_einv_may_update()
        for wizard in self:
            wizard.can_update = bool(wizard.changes) and not wizard.updated and may_write
            wizard.can_sync = wizard.error_code == "3028" or (
                wizard.found and (wizard.status != gstin_status.ACTIVE or wizard.blocked))

    def _l10n_in_einv_may_update(self):
        partners = self.partner_id
        if not partners:
            return False
        try:
            partners.check_access("write")
        except AccessError:
            return False
        return True

    # --- opening ------------------------------------------------------------------------------

    @api.model
    def _l10n_in_einv_open(self, partner, gstin, details, error):
        wizard = self.create({"partner_id": partner.id, "gstin": gstin})
        wizard._l10n_in_einv_show(details, error)
        return wizard._l10n_in_einv_reopen()

    def _l10n_in_einv_reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id, "view_mode": "form",
                "views": [(False, "form")], "target": "new", "name": _("GSTIN %(gstin)s at the GST portal",
                                                                      gstin=self.gstin)}

    def _l10n_in_einv_show(self, details, error):
        """Fill the wizard from a look-up; keep the status on the partner."""
        partner = self.partner_id
        if details is None:
            self.write({"found": False, "changes": False,
                        "message": partner._l10n_in_einv_gstin_error_text(self.gstin, error),
                        "error_code": ",".join(error.codes) if isinstance(error, IrpError) else False})
            return
        status = partner._l10n_in_einv_gstin_store(details)
        state = self.env["res.country.state"].search([
            ("country_id.code", "=", "IN"), ("l10n_in_tin", "=", details.state_code)], limit=1) \
            if details.state_code else self.env["res.country.state"]
        lines = details.address_lines
        self.write({
            "found": True, "message": False, "error_code": False,
            "legal_name": details.legal_name, "trade_name": details.trade_name,
            "address": "\n".join(lines + [" ".join(p for p in (details.address_location, details.pin) if p)]),
            "city": details.address_location, "state_id": state.id, "state_code": details.state_code,
            "pin": details.pin, "status": status.status,
            "status_label": partner._l10n_in_einv_gstin_status_words().get(status.status, status.status),
            "blocked": status.is_blocked, "registered_on": status.registered_on,
            "deregistered_on": status.deregistered_on, "txp_type": status.txp_type,
            "txp_label": partner._l10n_in_einv_gstin_type_words().get(status.txp_type, status.txp_type),
            "checked_at": status.checked_at,
            "changes": self._l10n_in_einv_diff(partner, details, state, status) or False,
        })

    @api.model
    def _l10n_in_einv_diff(self, partner, details, state, status):
        """{field: value} where the GST portal's data differs from the partner's."""
        portal = {}
        if details.legal_name:
            portal["name"] = details.legal_name
        lines = details.address_lines
        if lines:
            whole = ", ".join(lines)
            if not _same_text(whole, ", ".join(p for p in (partner.street, partner.street2) if p)):
                fits = len(whole) <= ADDRESS_LINE_LENGTH or len(lines) == 1
                portal["street"] = whole if fits else lines[0]
                portal["street2"] = False if fits else lines[1]
        if details.address_location:
            portal["city"] = details.address_location
        if details.pin:
            portal["zip"] = details.pin
        if state:
            portal["state_id"] = state.id
            portal["country_id"] = state.country_id.id
        treatment = gstin_status.treatment_for(status.txp_type)
        if treatment:
            portal["l10n_in_gst_treatment"] = treatment
        changes = {}
        for name, value in portal.items():
            current = partner[name]
            if partner._fields[name].type == "many2one":
                differs = current.id != value
            elif name == "street2":
                differs = bool(current) != bool(value) or (value and not _same_text(current, value))
            else:
                differs = not _same_text(current, value) if isinstance(value, str) else current != value
            if differs:
                changes[name] = value
        return changes

    def _l10n_in_einv_change_rows(self):
        """(field, label, value on the partner, value from the portal) for each change, as texts."""
        self.ensure_one()
        partner, rows = self.partner_id, []
        for name in UPDATABLE_FIELDS:
            if name not in (self.changes or {}):
                continue
            field = partner._fields[name]
            new = self.changes[name]
            if field.type == "many2one":
                old_text, new_text = partner[name].display_name, self.env[field.comodel_name].browse(new).display_name
            elif field.type == "selection":
                labels = dict(field._description_selection(self.env))
                old_text, new_text = labels.get(partner[name]), labels.get(new)
            else:
                old_text, new_text = partner[name], new
            rows.append((name, field._description_string(self.env), old_text or "", new_text or ""))
        return rows

    # --- buttons ------------------------------------------------------------------------------------

    def action_update_partner(self):
        """Apply the changes shown, as the user (their rights on partners apply), and say so in the chatter."""
        self.ensure_one()
        partner = self.partner_id
        if not self._l10n_in_einv_may_update():
            raise AccessError(_("You may check GSTINs but not change %(partner)s: ask someone who may edit "
                                "contacts to update it.", partner=partner.display_name))
        if not self.changes or self.updated:
            raise UserError(_("There is nothing to update on %(partner)s.", partner=partner.display_name))
        rows = self._l10n_in_einv_change_rows()
        partner.write({name: self.changes[name] for name, *_rest in rows})
        items = Markup("").join(Markup("<li>%s: %s → %s</li>") % (label, old or "-", new or "-")
                                for _name, label, old, new in rows)
        partner.sudo().message_post(
            body=Markup("%s<ul>%s</ul>") % (_(
                "Updated from the GST portal by %(user)s (GSTIN %(gstin)s, checked with the IRP on %(when)s):",
                user=self.env.user.name, gstin=self.gstin,
                when=format_datetime(self.env, self.checked_at)), items),
            author_id=self.env.ref("base.partner_root").id, message_type="comment", subtype_xmlid="mail.mt_note")
        self.updated = True
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "title": _("Partner updated"), "type": "success",
            "message": _("%(partner)s now has the GST portal's %(fields)s.", partner=partner.display_name,
                         fields=", ".join(label for _name, label, *_values in rows)),
            "next": {"type": "ir.actions.act_window_close"}}}

    def action_sync(self):
        """Sync GSTIN: the IRP refreshes its copy from the GST common portal, then shows it here."""
        self.ensure_one()
        self.partner_id._l10n_in_einv_gstin_check_rights()
        credential = self.partner_id._l10n_in_einv_gstin_credential()
        details, error = self.env["res.partner"]._l10n_in_einv_gstin_lookup(credential, self.gstin, sync=True)
        self._l10n_in_einv_show(details, error)
        return self._l10n_in_einv_reopen()
