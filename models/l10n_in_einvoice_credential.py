import base64
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..irp import gstin as gstin_rules
from ..irp.client import IrpClient, IrpConfig, SessionState
from ..irp.errors import IrpError
from ..tools import secret_box

_logger = logging.getLogger(__name__)

ENVIRONMENT_URLS = {
    "local_sandbox": "http://127.0.0.1:8765",
    "nic_sandbox": "https://einv-apisandbox.nic.in",
    "production": "https://api.einvoice1.gst.gov.in",
}
SECRET_FIELDS = ("client_secret", "password", "extra_headers")

# One client per credential and process: parsed keys, pooled connections and the
# decrypted session are reused across calls (never authenticate per invoice).
_clients = {}
_clients_lock = threading.Lock()


class EncryptedSessionStore:
    """Session store of the IRP client: memory first, the database encrypted.

    `save` may run in a worker thread (bulk sends), where the ORM is off limits,
    so it only records the new state; `flush` writes it from the ORM thread.
    """

    def __init__(self, encrypted_state):
        self.state = self._decode(encrypted_state)
        self.dirty = False

    @staticmethod
    def _decode(encrypted_state):
        if not encrypted_state:
            return None
        try:
            raw = json.loads(secret_box.decrypt(encrypted_state))
        except (secret_box.SecretUnreadable, ValueError):
            return None  # a session is cheap to renew; never block on it
        return SessionState(
            auth_token=raw["auth_token"], sek=base64.b64decode(raw["sek"]),
            expires_at=datetime.fromisoformat(raw["expires_at"]),
            user_name=raw.get("user_name"), gstin=raw.get("gstin"))

    def load(self):
        return self.state

    def save(self, state):
        self.state = state
        self.dirty = True

    def encrypted(self):
        state = self.state
        return secret_box.encrypt(json.dumps({
            "auth_token": state.auth_token, "sek": base64.b64encode(state.sek).decode(),
            "expires_at": state.expires_at.isoformat(), "user_name": state.user_name, "gstin": state.gstin,
        }))


class L10nInEinvoiceCredential(models.Model):
    _name = "l10n_in.einvoice.credential"
    _description = "IRP API credentials of one GSTIN"
    _order = "company_id, gstin"
    _rec_name = "gstin"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 ondelete="cascade")
    gstin = fields.Char(string="GSTIN", required=True, size=15,
                        default=lambda self: self.env.company.vat,
                        help="The GSTIN these API credentials were issued for: the seller of the invoices.")
    environment = fields.Selection([
        ("local_sandbox", "Local IRP sandbox (bundled)"),
        ("nic_sandbox", "NIC sandbox"),
        ("production", "Production (NIC IRP)"),
        ("gsp", "GSP pass-through (custom URL)"),
    ], required=True, default="local_sandbox")
    base_url = fields.Char(string="API URL", compute="_compute_base_url", store=True, readonly=False,
                           help="Where the NIC paths (/eivital, /eicore, /eiewb) are served. For a GSP that "
                           "passes the NIC protocol through, its base route.")
    client_id = fields.Char(string="Client ID", required=True)
    client_secret = fields.Char(string="Client secret", compute="_compute_secrets", inverse="_inverse_client_secret")
    user_name = fields.Char(string="API user name", required=True)
    password = fields.Char(string="API password", compute="_compute_secrets", inverse="_inverse_password")
    extra_headers = fields.Text(string="Extra headers (JSON)", compute="_compute_secrets",
                                inverse="_inverse_extra_headers",
                                help='Headers a GSP requires on every call, as a JSON object, e.g. '
                                '{"x-gsp-key": "..."}. Stored encrypted.')
    client_secret_encrypted = fields.Char(groups="base.group_system", copy=False)
    password_encrypted = fields.Char(groups="base.group_system", copy=False)
    extra_headers_encrypted = fields.Text(groups="base.group_system", copy=False)
    session_encrypted = fields.Text(groups="base.group_system", copy=False,
                                    help="Token and SEK of the current IRP session, encrypted.")
    token_expiry = fields.Datetime(readonly=True, copy=False, string="Session valid until")
    encryption_public_key = fields.Text(
        string="IRP encryption public key (PEM)",
        help="NIC's public key used to encrypt the authentication request (sandbox and production differ).")
    signing_certificate = fields.Text(
        string="IRP signing certificate(s) (PEM)",
        help="Certificate(s) whose key signs the signed invoice and QR code. Several may be pasted one "
        "after another while NIC rotates keys. Nothing is stored unless its signature verifies.")
    connect_timeout = fields.Integer(default=10, string="Connect timeout (s)")
    read_timeout = fields.Integer(default=60, string="Read timeout (s)")
    last_test_result = fields.Text(readonly=True, copy=False)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("company_gstin_unique", "unique(company_id, gstin)",
         "There is already a credential for this GSTIN in this company."),
    ]

    @api.depends("environment")
    def _compute_base_url(self):
        for credential in self:
            if credential.environment in ENVIRONMENT_URLS:
                credential.base_url = ENVIRONMENT_URLS[credential.environment]
            elif not credential.base_url:
                credential.base_url = False

    def _compute_secrets(self):
        for credential in self:
            credential.client_secret = credential.password = credential.extra_headers = False
            if credential.id:
                # shown masked; the real values are only ever decrypted to build a client
                stored = credential.sudo()
                credential.client_secret = stored.client_secret_encrypted and "********"
                credential.password = stored.password_encrypted and "********"
                credential.extra_headers = stored.extra_headers_encrypted and "********"

    def _inverse_secret(self, name):
        for credential in self:
            value = credential[name]
            if value == "********":
                continue
            credential.sudo()[f"{name}_encrypted"] = secret_box.encrypt(value) if value else False

    def _inverse_client_secret(self):
        self._inverse_secret("client_secret")

    def _inverse_password(self):
        self._inverse_secret("password")

    def _inverse_extra_headers(self):
        for credential in self:
            if credential.extra_headers and credential.extra_headers != "********":
                try:
                    headers = json.loads(credential.extra_headers)
                except ValueError as exc:
                    raise ValidationError(_("Extra headers must be a JSON object: %s", exc)) from exc
                if not isinstance(headers, dict):
                    raise ValidationError(_("Extra headers must be a JSON object such as {\"name\": \"value\"}."))
        self._inverse_secret("extra_headers")

    @api.constrains("gstin", "environment")
    def _check_gstin(self):
        for credential in self:
            problem = gstin_rules.validate_gstin(
                credential.gstin or "", require_check_digit=credential._l10n_in_einv_is_production())
            if problem:
                raise ValidationError(_("GSTIN %(gstin)s: %(problem)s", gstin=credential.gstin, problem=problem))

    @api.constrains("environment", "base_url")
    def _check_base_url(self):
        for credential in self:
            if not (credential.base_url or "").startswith(("http://", "https://")):
                raise ValidationError(_("Give the API URL of the GSP, starting with https://"))

    def _l10n_in_einv_is_production(self):
        return self.environment in ("production", "gsp")

    def unlink(self):
        self._l10n_in_einv_forget_clients()
        return super().unlink()

    def _l10n_in_einv_forget_clients(self):
        for credential in self:
            with _clients_lock:
                entry = _clients.pop((self.env.cr.dbname, credential.id), None)
            _release(entry)

    # --- the client -----------------------------------------------------------

    def _l10n_in_einv_client(self, on_call=None):
        """The IRP client of this credential, shared by all calls of this process.

        The cache is keyed on a fingerprint of the stored configuration, so a
        change (or the rollback of one) rebuilds the client instead of reusing a
        stale one. `on_call` receives each HTTP exchange of this thread (API log).
        """
        self.ensure_one()
        key, fingerprint = (self.env.cr.dbname, self.id), self._l10n_in_einv_fingerprint()
        with _clients_lock:
            entry = _clients.get(key)
        if entry is None or entry["fingerprint"] != fingerprint:
            entry = dict(self._l10n_in_einv_build_client(), fingerprint=fingerprint, pools={})
            with _clients_lock:
                stale = _clients.get(key)
                _clients[key] = entry
            _release(stale)
        entry["hook"].bind(on_call)
        return entry["client"]

    def _l10n_in_einv_fingerprint(self):
        stored = self.sudo()
        return hash((stored.base_url, stored.client_id, stored.client_secret_encrypted, stored.user_name,
                     stored.password_encrypted, stored.extra_headers_encrypted, stored.encryption_public_key,
                     stored.signing_certificate, stored.connect_timeout, stored.read_timeout, stored.gstin))

    def _l10n_in_einv_pool(self, workers):
        """The worker threads of bulk sends, kept with the client: each thread keeps its
        own HTTP connection, so fresh threads per run would pile up sockets."""
        entry = _clients[(self.env.cr.dbname, self.id)]
        with _clients_lock:
            pool = entry["pools"].get(workers)
            if pool is None:
                pool = entry["pools"][workers] = ThreadPoolExecutor(
                    max_workers=workers, thread_name_prefix=f"l10n_in_einv_{self.gstin}")
        return pool

    def _l10n_in_einv_call_hook(self):
        """Bind a worker thread's collector with `hook.bind(list.append)`."""
        return _clients[(self.env.cr.dbname, self.id)]["hook"]

    def _l10n_in_einv_build_client(self):
        stored = self.sudo()
        missing = [label for label, value in (
            (_("API URL"), stored.base_url), (_("client ID"), stored.client_id),
            (_("client secret"), stored.client_secret_encrypted), (_("API user name"), stored.user_name),
            (_("API password"), stored.password_encrypted),
            (_("IRP encryption public key"), stored.encryption_public_key),
            (_("IRP signing certificate"), stored.signing_certificate)) if not value]
        if missing:
            raise UserError(_("The IRP credentials of GSTIN %(gstin)s are incomplete: %(missing)s.",
                              gstin=stored.gstin, missing=", ".join(missing)))
        try:
            config = IrpConfig(
                base_url=stored.base_url.rstrip("/"), gstin=stored.gstin, client_id=stored.client_id,
                client_secret=secret_box.decrypt(stored.client_secret_encrypted), user_name=stored.user_name,
                password=secret_box.decrypt(stored.password_encrypted),
                encryption_public_key=stored.encryption_public_key,
                signing_certificates=[stored.signing_certificate],
                extra_headers=json.loads(secret_box.decrypt(stored.extra_headers_encrypted) or "{}"),
                connect_timeout=stored.connect_timeout or 10, read_timeout=stored.read_timeout or 60)
            store = EncryptedSessionStore(stored.session_encrypted)
            hook = _CallHook()
            client = IrpClient(config, session_store=store, on_call=hook)
        except secret_box.SecretUnreadable as exc:
            raise UserError(str(exc)) from exc
        except ValueError as exc:  # unreadable PEM, bad header JSON
            raise UserError(_("The IRP credentials of GSTIN %(gstin)s cannot be used: %(error)s",
                              gstin=stored.gstin, error=exc)) from exc
        return {"client": client, "store": store, "hook": hook}

    def _l10n_in_einv_flush_session(self):
        """Persist a renewed token/SEK (encrypted). Runs in the ORM thread."""
        for credential in self:
            entry = _clients.get((self.env.cr.dbname, credential.id))
            if entry and entry["store"].dirty and entry["store"].state:
                entry["store"].dirty = False
                expiry = entry["store"].state.expires_at.astimezone(timezone.utc).replace(tzinfo=None)
                credential.sudo().write({"session_encrypted": entry["store"].encrypted(), "token_expiry": expiry})

    # --- buttons ----------------------------------------------------------------

    def action_test_connection(self):
        """Authenticate, then look our own GSTIN up: proves keys, secrets and user."""
        self.ensure_one()
        log = self.env["l10n_in.einvoice.api.log"]
        records = []
        client = self._l10n_in_einv_client(on_call=records.append)
        try:
            client.authenticate(force_refresh=False)
            details = client.get_gstin(self.gstin)
        except IrpError as exc:
            result, kind = _("Connection failed: %s", exc), "danger"
        except (requests.RequestException, ValueError) as exc:
            result, kind = _("Connection failed: %s", exc), "danger"
        else:
            result = _("Connected as %(user)s. GSTIN %(gstin)s: %(name)s, status %(status)s.",
                       user=self.user_name, gstin=details.gstin, name=details.legal_name, status=details.status)
            kind = "success"
        finally:
            log._l10n_in_einv_record(records, credential=self)
            self._l10n_in_einv_flush_session()
        self.last_test_result = result
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("IRP connection"), "message": result, "type": kind, "sticky": kind != "success"}}

    def action_fetch_sandbox_keys(self):
        """Local sandbox only: take its encryption key and signing certificate."""
        self.ensure_one()
        if self.environment != "local_sandbox":
            raise UserError(_("Keys are only downloaded from the bundled sandbox; paste NIC's keys for "
                              "the NIC environments."))
        try:
            encryption = requests.get(f"{self.base_url}/sandbox/keys/encryption.pem", timeout=10)
            signing = requests.get(f"{self.base_url}/sandbox/keys/signing.pem", timeout=10)
            encryption.raise_for_status()
            signing.raise_for_status()
        except requests.RequestException as exc:
            raise UserError(_("The sandbox at %(url)s does not answer (%(error)s). Start it with scripts/sandbox.",
                              url=self.base_url, error=exc)) from exc
        self.write({"encryption_public_key": encryption.text, "signing_certificate": signing.text})
        return True

    def action_clear_session(self):
        self.sudo().write({"session_encrypted": False, "token_expiry": False})
        self._l10n_in_einv_forget_clients()
        return True


def _release(entry):
    """Close a client that is no longer used: its pools' threads and HTTP sessions."""
    if not entry:
        return
    for pool in entry.get("pools", {}).values():
        pool.shutdown(wait=False)
    entry["client"].close()


class _CallHook(threading.local):
    """Forwards the client's CallRecords to whoever uses the client in this thread.

    Thread-local: two requests (or the workers of a bulk send) sharing one
    client each collect their own exchanges, to log them against their invoice.
    """

    callback = None

    def bind(self, callback):
        self.callback = callback

    def __call__(self, record):
        if self.callback is not None:
            self.callback(record)
