import base64
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..irp import crypto, policy
from ..irp import gstin as gstin_rules
from ..irp.client import IrpClient, IrpConfig, SessionState, fetch_sandbox_keys
from ..irp.errors import IrpError
from ..tools import secret_box, write_guard

_logger = logging.getLogger(__name__)

ENVIRONMENT_URLS = {
    "local_sandbox": "http://127.0.0.1:8765",
    "nic_sandbox": "https://einv-apisandbox.nic.in",
    "production": "https://api.einvoice1.gst.gov.in",
}
SECRET_FIELDS = ("client_secret", "password", "extra_headers")
# Written only by the addon: encrypted secrets, the session, the pause and what needs attention.
PROTECTED_FIELDS = frozenset({
    "client_secret_encrypted", "password_encrypted", "extra_headers_encrypted", "session_encrypted",
    "token_expiry", "last_test_result", "paused_until", "pause_reason", "pause_detail", "attention"})
# What a change of makes the credential worth trying again at once.
CONFIG_FIELDS = frozenset({
    "environment", "base_url", "client_id", "client_secret", "user_name", "password", "extra_headers",
    "encryption_public_key", "signing_certificate", "connect_timeout", "read_timeout", "gstin", "active"})
CONNECT_TIMEOUT_RANGE = (1, 60)
READ_TIMEOUT_RANGE = (2, 300)

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

    company_id = fields.Many2one("res.company", string="Company", required=True, default=lambda self: self.env.company,
                                 ondelete="cascade")
    gstin = fields.Char(string="GSTIN", required=True, size=15,
                        default=lambda self: self.env.company.vat,
                        help="The GSTIN these API credentials were issued for: the seller of the invoices.")
    environment = fields.Selection([
        ("local_sandbox", "Local IRP sandbox (bundled)"),
        ("nic_sandbox", "NIC sandbox"),
        ("production", "Production (NIC IRP)"),
        ("gsp", "GSP pass-through (custom URL)"),
    ], string="Environment", required=True, default="local_sandbox",
        help="Which IRP these credentials are for: the bundled local sandbox (no account needed), NIC's sandbox, "
        "production, or a GSP that passes the calls through at its own URL.")
    base_url = fields.Char(string="API URL", compute="_compute_base_url", store=True, readonly=False,
                           help="Where the NIC paths (/eivital, /eicore, /eiewb) are served. For a GSP that "
                           "passes the NIC protocol through, its base route.")
    client_id = fields.Char(string="Client ID", required=True,
                            help="Client ID NIC (or your GSP) issued for API access.")
    client_secret = fields.Char(string="Client secret", compute="_compute_secrets", inverse="_inverse_client_secret",
                                help="Client secret NIC (or your GSP) issued with the client ID; stored encrypted.")
    user_name = fields.Char(string="API user name", required=True,
                            help="The API user created on the e-invoice portal for this GSTIN (not the portal "
                            "login).")
    password = fields.Char(string="API password", compute="_compute_secrets", inverse="_inverse_password",
                           help="Password of the API user; stored encrypted.")
    extra_headers = fields.Text(string="Extra headers (JSON)", compute="_compute_secrets",
                                inverse="_inverse_extra_headers",
                                help='Headers a GSP requires on every call, as a JSON object, e.g. '
                                '{"x-gsp-key": "..."}. Stored encrypted.')
    client_secret_encrypted = fields.Char(string="Client secret (encrypted)", groups="base.group_system", copy=False)
    password_encrypted = fields.Char(string="API password (encrypted)", groups="base.group_system", copy=False)
    extra_headers_encrypted = fields.Text(string="Extra headers (encrypted)", groups="base.group_system", copy=False)
    session_encrypted = fields.Text(string="IRP session (encrypted)", groups="base.group_system", copy=False,
                                    help="Token and SEK of the current IRP session, encrypted.")
    token_expiry = fields.Datetime(readonly=True, copy=False, string="Session valid until",
                                   help="The IRP's authentication token is renewed after this moment.")
    encryption_public_key = fields.Text(
        string="IRP encryption public key (PEM)",
        help="NIC's public key used to encrypt the authentication request (sandbox and production differ).")
    signing_certificate = fields.Text(
        string="IRP signing certificate(s) (PEM)",
        help="Certificate(s) whose key signs the signed invoice and QR code. Several may be pasted one "
        "after another while NIC rotates keys. Nothing is stored unless its signature verifies.")
    connect_timeout = fields.Integer(default=10, string="Connect timeout (s)",
                                     help="Seconds to wait for a connection to the IRP before trying again later.")
    read_timeout = fields.Integer(default=60, string="Read timeout (s)",
                                  help="Seconds to wait for the IRP's reply; an invoice whose reply is lost is "
                                  "looked up, never sent twice.")
    last_test_result = fields.Text(string="Last connection test", readonly=True, copy=False)
    active = fields.Boolean(string="Active", default=True)
    paused_until = fields.Datetime(
        string="Paused until", readonly=True, copy=False,
        help="No call is made for this GSTIN before this moment, by any worker: the IRP asked us to slow down "
        "(429), it kept failing, or it refused these credentials.")
    pause_reason = fields.Selection([
        (policy.RATE_LIMITED, "Rate limit (HTTP 429)"),
        (policy.OUTAGE, "IRP outage"),
        (policy.CREDENTIALS, "Credentials refused"),
        (policy.CONFIGURATION, "Configuration problem"),
    ], string="Pause reason", readonly=True, copy=False)
    pause_detail = fields.Text(string="Pause detail",
                               readonly=True, copy=False, help="What the IRP answered when calls were paused.")
    attention = fields.Text(
        string="Needs attention", readonly=True, copy=False,
        help="What went wrong at run time with these credentials; cleared when they are saved again or work.")

    _sql_constraints = [
        ("company_gstin_unique", "unique(company_id, gstin)",
         "There is already a credential for this GSTIN in this company."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        write_guard.check(self, vals_list, PROTECTED_FIELDS)
        credentials = super().create(vals_list)
        credentials.filtered("signing_certificate")._l10n_in_einv_import_odoo_edi()
        return credentials

    def write(self, vals):
        write_guard.check(self, [vals], PROTECTED_FIELDS)
        result = super().write(vals)
        if CONFIG_FIELDS & set(vals):
            self._l10n_in_einv_resume()
        if vals.get("signing_certificate"):
            self._l10n_in_einv_import_odoo_edi()
        return result

    def _l10n_in_einv_import_odoo_edi(self):
        """With the IRP's certificate at hand, what Odoo's own e-invoicing registered for
        the company can be verified and imported (it waited for it when e-invoicing was
        switched on before the credentials existed)."""
        for credential in self:
            company = credential.company_id
            if company.l10n_in_einv_enabled and credential.gstin == company.vat:
                self.env["account.move"].sudo().with_company(company)._l10n_in_einv_import_odoo_edi(company)

    def _l10n_in_einv_resume(self):
        """Someone changed the credentials: lift a pause they caused and send again now."""
        fixed = self.filtered(lambda c: c.attention or c.pause_reason in (policy.CREDENTIALS, policy.CONFIGURATION))
        if not fixed:
            return
        with write_guard.trusted():
            fixed.sudo().write({"attention": False, "paused_until": False, "pause_reason": False,
                                "pause_detail": False})
            waiting = self.env["account.move"].sudo().search([
                ("company_id", "in", fixed.company_id.ids), ("state", "=", "posted"),
                ("l10n_in_einv_state", "=", "retry"), ("l10n_in_einv_next_attempt", ">", fields.Datetime.now())])
            waiting.write({"l10n_in_einv_next_attempt": fields.Datetime.now()})
        if waiting:
            self.env.ref("l10n_in_einvoice.ir_cron_l10n_in_einvoice_send")._trigger()

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
            with write_guard.trusted():
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
                    raise ValidationError(_("Extra headers must be a JSON object: %(error)s", error=exc)) from exc
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
            url = (credential.base_url or "").strip()
            parts = urlsplit(url)
            if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
                    or any(c.isspace() for c in url)):
                raise ValidationError(_(
                    "The API URL %(url)s is not usable: give the base address only, such as "
                    "https://api.einvoice1.gst.gov.in (no spaces, query or #fragment).", url=url or "-"))
            if parts.scheme == "http" and credential.environment != "local_sandbox" \
                    and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
                raise ValidationError(_(
                    "The API URL %(url)s must use https://: credentials and invoices would cross the network "
                    "in clear.", url=url))
            try:
                parts.port  # noqa: B018 - raises on a port that is not a number
            except ValueError as exc:
                raise ValidationError(_("The API URL %(url)s has an invalid port.", url=url)) from exc

    @api.constrains("connect_timeout", "read_timeout")
    def _check_timeouts(self):
        for credential in self:
            for value, (low, high), label in (
                    (credential.connect_timeout, CONNECT_TIMEOUT_RANGE, _("Connect timeout")),
                    (credential.read_timeout, READ_TIMEOUT_RANGE, _("Read timeout"))):
                if not low <= value <= high:
                    raise ValidationError(_(
                        "%(label)s must be between %(low)d and %(high)d seconds, not %(value)d.",
                        label=label, low=low, high=high, value=value))

    @api.constrains("encryption_public_key", "signing_certificate")
    def _check_keys(self):
        for credential in self:
            if credential.encryption_public_key:
                try:
                    crypto.load_public_key(credential.encryption_public_key)
                except (crypto.CryptoError, TypeError, ValueError) as exc:
                    raise ValidationError(_(
                        "The IRP encryption public key cannot be read (%(error)s). Paste NIC's public key or "
                        "certificate in PEM form, from -----BEGIN to -----END.", error=exc)) from exc
            if credential.signing_certificate:
                text = credential.signing_certificate
                if "-----BEGIN" not in text:
                    raise ValidationError(_(
                        "The IRP signing certificate must be in PEM form (-----BEGIN CERTIFICATE-----). Several "
                        "may be pasted one after another."))
                try:
                    ring = crypto.SigningKeyring.from_pems(text)
                except (crypto.CryptoError, TypeError, ValueError) as exc:
                    raise ValidationError(_(
                        "An IRP signing certificate cannot be read (%(error)s). Paste NIC's signing certificate(s) "
                        "in PEM form; several may follow one another.", error=exc)) from exc
                if not ring:
                    raise ValidationError(_(
                        "No certificate was found in the IRP signing certificate field: paste NIC's signing "
                        "certificate(s), each from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."))

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
        except (IrpError, ValueError) as exc:  # unusable key or certificate, bad header JSON
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
                with write_guard.trusted():
                    credential.sudo().write({"session_encrypted": entry["store"].encrypted(),
                                             "token_expiry": expiry})

    # --- pause and attention (shared by every worker through the database) -------------

    def _l10n_in_einv_pause(self):
        """The GSTIN's current pause as the policy's Pause, or None."""
        self.ensure_one()
        stored = self.sudo()
        if not stored.paused_until or stored.paused_until <= fields.Datetime.now():
            return None
        return policy.Pause(stored.paused_until.replace(tzinfo=timezone.utc), stored.pause_reason or policy.OUTAGE,
                            stored.pause_detail or "")

    def _l10n_in_einv_set_pause(self, pause):
        """Persist a pause, never shortening a longer one another worker stored."""
        self.ensure_one()
        until = pause.until.astimezone(timezone.utc).replace(tzinfo=None)
        stored = self.sudo()
        if stored.paused_until and stored.paused_until >= until:
            return
        vals = {"paused_until": until, "pause_reason": pause.reason, "pause_detail": pause.detail or False}
        if pause.reason in (policy.CREDENTIALS, policy.CONFIGURATION):
            vals["attention"] = pause.detail or False
        with write_guard.trusted():
            stored.write(vals)

    def _l10n_in_einv_needs_attention(self, reason):
        """A problem only a person can fix (unusable key, wrong URL): say so and pause the GSTIN."""
        self.ensure_one()
        pause = policy.Pause(datetime.now(timezone.utc) + policy.CONFIGURATION_PAUSE, policy.CONFIGURATION, reason)
        with write_guard.trusted():
            self.sudo().write({"attention": reason})
        self._l10n_in_einv_set_pause(pause)
        return pause

    def _l10n_in_einv_after_outcome(self, outcome):
        """Keep the stored pause and attention in step with what a call just showed."""
        self.ensure_one()
        pause = getattr(outcome, "pause", None)
        if pause is not None and not getattr(outcome, "deferred", False):
            self._l10n_in_einv_set_pause(pause)
        elif isinstance(outcome, (policy.Registered, policy.Adopted, policy.Refused)) and (
                self.sudo().attention or self.sudo().paused_until):
            with write_guard.trusted():  # the IRP answered: whatever paused us is over
                self.sudo().write({"attention": False, "paused_until": False, "pause_reason": False,
                                   "pause_detail": False})

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
        except (IrpError, ValueError) as exc:
            result, kind = _("Connection failed: %(error)s", error=exc), "danger"
        else:
            result = _("Connected as %(user)s. GSTIN %(gstin)s: %(name)s, status %(status)s.",
                       user=self.user_name, gstin=details.gstin, name=details.legal_name, status=details.status)
            kind = "success"
        finally:
            log._l10n_in_einv_record(records, credential=self)
            self._l10n_in_einv_flush_session()
        with write_guard.trusted():
            self.sudo().write({"last_test_result": result})
        if kind == "success":
            self._l10n_in_einv_resume()
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("IRP connection"), "message": result, "type": kind, "sticky": kind != "success",
                           "next": {"type": "ir.actions.act_window_close"}}}

    def action_fetch_sandbox_keys(self):
        """Local sandbox only: take its encryption key and signing certificate."""
        self.ensure_one()
        if self.environment != "local_sandbox":
            raise UserError(_("Keys are only downloaded from the bundled sandbox; paste NIC's keys for "
                              "the NIC environments."))
        try:
            encryption, signing = fetch_sandbox_keys(self.base_url)
        except IrpError as exc:
            raise UserError(_("The sandbox at %(url)s does not answer (%(error)s). Start it with scripts/sandbox.",
                              url=self.base_url, error=exc)) from exc
        self.write({"encryption_public_key": encryption, "signing_certificate": signing})
        return self._l10n_in_einv_feedback(_("The sandbox's encryption key and signing certificate were saved. "
                                             "Use Test connection to check the whole handshake."))

    def action_clear_session(self):
        with write_guard.trusted():
            self.sudo().write({"session_encrypted": False, "token_expiry": False})
        self._l10n_in_einv_forget_clients()
        return self._l10n_in_einv_feedback(_("Session forgotten: the next call authenticates again with the IRP."))

    def _l10n_in_einv_feedback(self, message):
        """A notification, then the form reloaded in place (act_window_close reloads it)."""
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("IRP credentials"), "message": message, "type": "success",
                           "next": {"type": "ir.actions.act_window_close"}}}


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
