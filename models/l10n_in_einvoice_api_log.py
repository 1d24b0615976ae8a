from datetime import timezone

from odoo import api, fields, models


class L10nInEinvoiceApiLog(models.Model):
    """One HTTP exchange with the IRP. Written by the addon only; read-only for everyone."""

    _name = "l10n_in.einvoice.api.log"
    _description = "IRP API call"
    _order = "started_at desc, id desc"
    _rec_name = "endpoint"
    # No _check_company_auto: a log is created only by the addon, once per IRP call on the
    # sending path, with the company of the document it is about (else of the credential);
    # check_company on the relations keeps the views' domains to the company's own.

    endpoint = fields.Char(string="API call", readonly=True, required=True, index=True,
                           help="Which IRP call this was: authentication, generate IRN, get IRN, cancel...")
    method = fields.Char(string="HTTP method", readonly=True)
    url_path = fields.Char(string="Path", readonly=True, help="The URL path called, without host or query secrets.")
    gstin = fields.Char(string="GSTIN", readonly=True, index=True, help="The GSTIN the call was made for.")
    company_id = fields.Many2one("res.company", string="Company", readonly=True, index=True)
    credential_id = fields.Many2one("l10n_in.einvoice.credential", string="Credentials", readonly=True,
                                    ondelete="set null", check_company=True)
    move_id = fields.Many2one("account.move", string="Document", readonly=True, index=True, ondelete="cascade",
                              check_company=True, help="The invoice, credit note or debit note the call was about.")
    started_at = fields.Datetime(string="Started at", readonly=True, index=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True,
                                 help="How long the IRP took to answer, in milliseconds.")
    http_status = fields.Integer(string="HTTP status", readonly=True)
    ok = fields.Boolean(string="Success", readonly=True, help="The IRP accepted the request.")
    error_codes = fields.Char(string="Error codes",
                              readonly=True, index=True, help="NIC's error codes in the reply, if any.")
    request_text = fields.Text(string="Request (secrets masked)", readonly=True,
                               help="What was sent, decrypted, with passwords, keys and tokens masked.")
    response_text = fields.Text(string="Response (secrets masked)", readonly=True,
                                help="What came back, decrypted, with keys and tokens masked.")

    @api.model
    def _l10n_in_einv_record(self, call_records, credential=None, move=None):
        """Store the client's CallRecords (already masked by the client)."""
        if not call_records:
            return self
        company = (move and move.company_id) or (credential and credential.company_id) or self.env.company
        return self.sudo().create([{
            "endpoint": record.endpoint,
            "method": record.method,
            "url_path": record.url_path,
            "gstin": record.gstin,
            "company_id": company.id,
            "credential_id": credential.id if credential else False,
            "move_id": move.id if move else False,
            "started_at": record.started_at.astimezone(timezone.utc).replace(tzinfo=None),
            "duration_ms": int(record.duration_ms),
            "http_status": record.http_status or 0,
            "ok": record.ok,
            "error_codes": ", ".join(record.error_codes or []),
            "request_text": record.request_text,
            "response_text": record.response_text,
        } for record in call_records])
