"""The e-way bill system's own API on the credential of a GSTIN (nic-ewb-api.md §1-§3):
its user name and password (not the IRP's), where it is served, its public key, the token
and SEK kept encrypted between calls, a Test button and a pause of its own. The client,
session and pause rules are irp/'s (EwbClient, ewb_policy's GstinGate); this file stores
and shows them."""
import json
import logging
import threading
from datetime import timezone
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..irp import crypto, ewb_policy
from ..irp.ewb_client import BASE_URLS, EwbClient, EwbConfig
from ..irp.ewb_errors import EwbError
from ..tools import secret_box, write_guard
from .l10n_in_einvoice_credential import EncryptedSessionStore, _CallHook

_logger = logging.getLogger(__name__)

EWB_PREFIX = "/ewaybillapi/v1.03"  # the bundled sandbox serves the e-way bill system there (as NIC's sandbox)
MASK = "********"
EWB_PROTECTED_FIELDS = frozenset({
    "ewb_password_encrypted", "ewb_session_encrypted", "ewb_token_expiry", "ewb_last_test_result",
    "ewb_paused_until", "ewb_pause_reason", "ewb_pause_detail"})
EWB_CONFIG_FIELDS = frozenset({
    "ewb_environment", "ewb_base_url", "ewb_username", "ewb_password", "ewb_public_key", "client_id",
    "client_secret", "base_url", "encryption_public_key", "gstin", "extra_headers", "active"})

# One e-way bill client per credential and process (parsed key, pooled connections, session).
_ewb_clients = {}
_ewb_clients_lock = threading.Lock()


class L10nInEinvoiceCredential(models.Model):
    _inherit = "l10n_in.einvoice.credential"

    ewb_environment = fields.Selection([
        ("local_sandbox", "Local sandbox (bundled, beside the IRP)"),
        ("sandbox", "NIC e-way bill sandbox"),
        ("production", "Production (NIC e-way bill system)"),
        ("gsp", "GSP pass-through (custom URL)"),
    ], string="E-way bill system", default="local_sandbox",
        help="Where the e-way bill system's own API is served (Part-B, transporter, extension, cancellation and "
        "look-ups of e-way bills). In production the IRP does not cancel e-way bills: this API does.")
    ewb_base_url = fields.Char(
        string="E-way bill API URL", compute="_compute_ewb_base_url", store=True, readonly=False,
        help="Base of the e-way bill system's API, up to the version (…/v1.03): /auth and /ewayapi are under it.")
    ewb_username = fields.Char(
        string="E-way bill API user name",
        help="The GSTIN's API user of the e-way bill system (created on the e-way bill portal); the e-invoice "
        "API user is not accepted there.")
    ewb_password = fields.Char(string="E-way bill API password", compute="_compute_ewb_password",
                               inverse="_inverse_ewb_password",
                               help="Password of the e-way bill system's API user for this GSTIN; stored encrypted.")
    ewb_password_encrypted = fields.Char(string="E-way bill API password (encrypted)",
                                         groups="base.group_system", copy=False)
    ewb_public_key = fields.Text(
        string="E-way bill system public key (PEM)",
        help="NIC's public key of the e-way bill system, to encrypt the authentication. For the bundled sandbox, "
        "its own key (Fetch sandbox keys fills it; empty means the IRP encryption key above).")
    ewb_session_encrypted = fields.Text(string="E-way bill API session (encrypted)",
                                        groups="base.group_system", copy=False,
                                        help="Token and SEK of the current e-way bill API session, encrypted.")
    ewb_token_expiry = fields.Datetime(string="E-way bill session valid until", readonly=True, copy=False,
                                       help="The e-way bill system's authentication token is renewed after this "
                                       "moment.")
    ewb_last_test_result = fields.Text(string="Last e-way bill test", readonly=True, copy=False)
    ewb_paused_until = fields.Datetime(
        string="E-way bill calls paused until", readonly=True, copy=False,
        help="No call to the e-way bill system is made for this GSTIN before this moment: it asked us to slow down "
        "(118, 658), it kept failing, or it refused these credentials.")
    ewb_pause_reason = fields.Selection([
        (ewb_policy.policy.RATE_LIMITED, "Rate limit"),
        (ewb_policy.policy.OUTAGE, "E-way bill system outage"),
        (ewb_policy.policy.CREDENTIALS, "Credentials refused"),
        (ewb_policy.policy.CONFIGURATION, "Configuration problem"),
    ], string="E-way bill pause reason", readonly=True, copy=False)
    ewb_pause_detail = fields.Text(string="E-way bill pause detail", readonly=True, copy=False)
    ewb_configured = fields.Boolean(compute="_compute_ewb_configured", string="E-way bill API configured",
                                    help="A user name and password for the e-way bill system's own API are set.")

    @api.model_create_multi
    def create(self, vals_list):
        write_guard.check(self, vals_list, EWB_PROTECTED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        write_guard.check(self, [vals], EWB_PROTECTED_FIELDS)
        result = super().write(vals)
        if EWB_CONFIG_FIELDS & set(vals):
            paused = self.filtered(lambda c: c.ewb_pause_reason in (ewb_policy.policy.CREDENTIALS,
                                                                   ewb_policy.policy.CONFIGURATION))
            if paused:  # changed credentials: a pause they caused is over
                with write_guard.trusted():
                    paused.sudo().write({"ewb_paused_until": False, "ewb_pause_reason": False,
                                         "ewb_pause_detail": False})
        return result

    def unlink(self):
        self._l10n_in_einv_ewb_forget_clients()
        return super().unlink()

    @api.depends("ewb_environment", "base_url")
    def _compute_ewb_base_url(self):
        for credential in self:
            if credential.ewb_environment == "local_sandbox":
                credential.ewb_base_url = (credential.base_url or "http://127.0.0.1:8765").rstrip("/") + EWB_PREFIX
            elif credential.ewb_environment in BASE_URLS:
                credential.ewb_base_url = BASE_URLS[credential.ewb_environment]
            elif not credential.ewb_base_url:
                credential.ewb_base_url = False

    def _compute_ewb_password(self):
        for credential in self:
            credential.ewb_password = credential.id and credential.sudo().ewb_password_encrypted and MASK or False

    def _inverse_ewb_password(self):
        for credential in self:
            value = credential.ewb_password
            if value == MASK:
                continue
            with write_guard.trusted():
                credential.sudo().ewb_password_encrypted = secret_box.encrypt(value) if value else False

    @api.depends("ewb_username", "ewb_base_url")
    def _compute_ewb_configured(self):
        for credential in self:
            credential.ewb_configured = credential._l10n_in_einv_ewb_configured()

    def _l10n_in_einv_ewb_configured(self):
        """Whether this GSTIN has e-way bill system API credentials (user, password and URL)."""
        self.ensure_one()
        stored = self.sudo()
        return bool(stored.ewb_username and stored.ewb_password_encrypted and stored.ewb_base_url)

    @api.constrains("ewb_environment", "ewb_base_url")
    def _check_ewb_base_url(self):
        for credential in self:
            url = (credential.ewb_base_url or "").strip()
            if not url:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
                    or any(c.isspace() for c in url):
                raise ValidationError(_("The e-way bill API URL %(url)s is not usable: give its base address, such "
                                        "as %(example)s.", url=url, example=BASE_URLS["production"]))
            if parts.scheme == "http" and credential.ewb_environment != "local_sandbox" \
                    and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
                raise ValidationError(_("The e-way bill API URL %(url)s must use https://.", url=url))

    @api.constrains("ewb_public_key")
    def _check_ewb_public_key(self):
        for credential in self:
            if credential.ewb_public_key:
                try:
                    crypto.load_public_key(credential.ewb_public_key)
                except (crypto.CryptoError, TypeError, ValueError) as exc:
                    raise ValidationError(_(
                        "The e-way bill system public key cannot be read (%(error)s). Paste NIC's key in PEM form, "
                        "from -----BEGIN to -----END.", error=exc)) from exc

    # --- the client -----------------------------------------------------------------------

    def _l10n_in_einv_ewb_public_key(self):
        stored = self.sudo()
        if stored.ewb_public_key:
            return stored.ewb_public_key
        # the bundled sandbox decrypts the e-way bill authentication with the key it publishes
        return stored.encryption_public_key if stored.ewb_environment == "local_sandbox" else False

    def _l10n_in_einv_ewb_fingerprint(self):
        stored = self.sudo()
        return hash((stored.ewb_base_url, stored.client_id, stored.client_secret_encrypted, stored.ewb_username,
                     stored.ewb_password_encrypted, self._l10n_in_einv_ewb_public_key(), stored.gstin,
                     stored.extra_headers_encrypted, stored.ewb_environment, stored.connect_timeout,
                     stored.read_timeout))

    def _l10n_in_einv_ewb_client(self, on_call=None, calendar=None):
        """The e-way bill system client of this credential, shared by the calls of this process
        (its token and SEK are reused until their 6 hours end). `on_call` gets this thread's calls."""
        self.ensure_one()
        key, fingerprint = (self.env.cr.dbname, self.id), self._l10n_in_einv_ewb_fingerprint()
        with _ewb_clients_lock:
            entry = _ewb_clients.get(key)
        if entry is None or entry["fingerprint"] != fingerprint:
            entry = dict(self._l10n_in_einv_ewb_build_client(), fingerprint=fingerprint)
            with _ewb_clients_lock:
                stale, _ewb_clients[key] = _ewb_clients.get(key), entry
            if stale:
                stale["client"].close_sessions()
        entry["hook"].bind(on_call)
        client = entry["client"]
        client.calendar = calendar or self.company_id._l10n_in_einv_calendar()
        return client

    def _l10n_in_einv_ewb_build_client(self):
        stored = self.sudo()
        missing = [label for label, value in (
            (_("e-way bill API URL"), stored.ewb_base_url), (_("client ID"), stored.client_id),
            (_("client secret"), stored.client_secret_encrypted), (_("e-way bill API user name"), stored.ewb_username),
            (_("e-way bill API password"), stored.ewb_password_encrypted),
            (_("e-way bill system public key"), self._l10n_in_einv_ewb_public_key())) if not value]
        if missing:
            raise UserError(_("The e-way bill API credentials of GSTIN %(gstin)s are incomplete: %(missing)s.",
                              gstin=stored.gstin, missing=", ".join(missing)))
        try:
            values = dict(
                gstin=stored.gstin, client_id=stored.client_id,
                client_secret=secret_box.decrypt(stored.client_secret_encrypted), username=stored.ewb_username,
                password=secret_box.decrypt(stored.ewb_password_encrypted),
                public_key=self._l10n_in_einv_ewb_public_key(),
                extra_headers=json.loads(secret_box.decrypt(stored.extra_headers_encrypted) or "{}")
                if stored.ewb_environment == "gsp" and stored.extra_headers_encrypted else {},
                connect_timeout=stored.connect_timeout or 10, read_timeout=stored.read_timeout or 60)
            base = stored.ewb_base_url.rstrip("/")
            if stored.ewb_environment in BASE_URLS and base == BASE_URLS[stored.ewb_environment]:
                config = EwbConfig.for_environment(stored.ewb_environment, **values)
            else:
                config = EwbConfig(base_url=base, **values)
            store = EncryptedSessionStore(stored.ewb_session_encrypted)
            hook = _CallHook()
            client = EwbClient(config, session_store=store, on_call=hook)
        except secret_box.SecretUnreadable as exc:
            raise UserError(str(exc)) from exc
        except (EwbError, ValueError) as exc:
            raise UserError(_("The e-way bill API credentials of GSTIN %(gstin)s cannot be used: %(error)s",
                              gstin=stored.gstin, error=exc)) from exc
        return {"client": client, "store": store, "hook": hook}

    def _l10n_in_einv_ewb_forget_clients(self):
        for credential in self:
            with _ewb_clients_lock:
                entry = _ewb_clients.pop((self.env.cr.dbname, credential.id), None)
            if entry:
                entry["client"].close_sessions()

    def _l10n_in_einv_ewb_flush_session(self):
        """Persist a renewed e-way bill token/SEK (encrypted), as the IRP session is."""
        for credential in self:
            entry = _ewb_clients.get((self.env.cr.dbname, credential.id))
            if entry and entry["store"].dirty and entry["store"].state:
                entry["store"].dirty = False
                expiry = entry["store"].state.expires_at.astimezone(timezone.utc).replace(tzinfo=None)
                with write_guard.trusted():
                    credential.sudo().write({"ewb_session_encrypted": entry["store"].encrypted(),
                                             "ewb_token_expiry": expiry})

    # --- the e-way bill system's own pause ---------------------------------------------------

    def _l10n_in_einv_ewb_pause(self):
        self.ensure_one()
        stored = self.sudo()
        if not stored.ewb_paused_until or stored.ewb_paused_until <= fields.Datetime.now():
            return None
        return ewb_policy.Pause(stored.ewb_paused_until.replace(tzinfo=timezone.utc),
                                stored.ewb_pause_reason or ewb_policy.policy.OUTAGE, stored.ewb_pause_detail or "")

    def _l10n_in_einv_ewb_gate(self):
        """A GstinGate of the e-way bill system for this GSTIN, from its stored pause."""
        return ewb_policy.GstinGate(self._l10n_in_einv_ewb_pause())

    def _l10n_in_einv_ewb_after_outcome(self, outcome):
        """Keep the stored e-way bill pause in step with an outcome (never shortening a longer one)."""
        self.ensure_one()
        stored = self.sudo()
        pause = getattr(outcome, "pause", None)
        with write_guard.trusted():
            if pause is not None and not getattr(outcome, "deferred", False):
                until = pause.until.astimezone(timezone.utc).replace(tzinfo=None)
                if not stored.ewb_paused_until or stored.ewb_paused_until < until:
                    stored.write({"ewb_paused_until": until, "ewb_pause_reason": pause.reason,
                                  "ewb_pause_detail": pause.detail or False})
            elif isinstance(outcome, (ewb_policy.policy.Registered, ewb_policy.policy.Adopted,
                                      ewb_policy.Refused)) and stored.ewb_paused_until:
                stored.write({"ewb_paused_until": False, "ewb_pause_reason": False, "ewb_pause_detail": False})

    # --- buttons --------------------------------------------------------------------------------

    def action_l10n_in_einv_ewb_test_connection(self):
        """Authenticate with the e-way bill system: proves URL, key, client and the EWB API user."""
        self.ensure_one()
        records = []
        try:
            client = self._l10n_in_einv_ewb_client(on_call=records.append)
            client.authenticate(force_refresh=False)
        except UserError as exc:
            result, kind = _("E-way bill connection failed: %(error)s", error=exc.args[0]), "danger"
        except EwbError as exc:
            words = "; ".join(f"[{p.code}] {p.message}" if p.code else p.message
                              for p in ewb_policy.problems_of(exc))
            result, kind = _("E-way bill connection failed: %(error)s", error=words), "danger"
        else:
            result = _("Connected to the e-way bill system as %(user)s for GSTIN %(gstin)s (session valid until "
                       "%(until)s UTC).", user=self.ewb_username, gstin=self.gstin,
                       until=client.session_state.expires_at.strftime("%Y-%m-%d %H:%M"))
            kind = "success"
        finally:
            self.env["l10n_in.einvoice.api.log"]._l10n_in_einv_record(records, credential=self)
            self._l10n_in_einv_ewb_flush_session()
        with write_guard.trusted():
            vals = {"ewb_last_test_result": result}
            if kind == "success":
                vals.update(ewb_paused_until=False, ewb_pause_reason=False, ewb_pause_detail=False)
            self.sudo().write(vals)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("E-way bill connection"), "message": result, "type": kind,
                           "sticky": kind != "success", "next": {"type": "ir.actions.act_window_close"}}}

    def action_l10n_in_einv_ewb_clear_session(self):
        with write_guard.trusted():
            self.sudo().write({"ewb_session_encrypted": False, "ewb_token_expiry": False})
        self._l10n_in_einv_ewb_forget_clients()
        return self._l10n_in_einv_feedback(_("E-way bill session forgotten: the next call authenticates again."))

    def action_fetch_sandbox_keys(self):
        """The bundled sandbox's e-way bill system decrypts with the key it publishes: take it too."""
        result = super().action_fetch_sandbox_keys()
        for credential in self.filtered(lambda c: c.ewb_environment == "local_sandbox"):
            credential.ewb_public_key = credential.encryption_public_key
        return result
