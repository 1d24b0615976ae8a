"""Encryption at rest for API secrets, with a key that never lives in the database.

The key (a Fernet key) comes from, in order:
1. the environment variable L10N_IN_EINVOICE_KEY,
2. the Odoo configuration option ``l10n_in_einvoice_key``,
3. a key file in Odoo's data directory (``<data_dir>/l10n_in_einvoice/secret.key``),
   created with mode 0600 on first use.
A database dump alone therefore reveals no client secret, password, token or SEK.
"""
import os
import threading

from cryptography.fernet import Fernet, InvalidToken

from odoo.tools import config

ENV_VARIABLE = "L10N_IN_EINVOICE_KEY"
CONFIG_OPTION = "l10n_in_einvoice_key"
_lock = threading.Lock()
_fernet = None


class SecretUnreadable(Exception):
    """A stored secret that the current key cannot decrypt (the key changed)."""


def key_file_path():
    return os.path.join(config["data_dir"], "l10n_in_einvoice", "secret.key")


def _load_key():
    key = os.environ.get(ENV_VARIABLE) or config.get(CONFIG_OPTION)
    if key:
        return key.encode() if isinstance(key, str) else key
    path = key_file_path()
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it first: read theirs
            fd = None
        if fd is not None:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    with open(path, "rb") as handle:
        return handle.read().strip()


def _box():
    global _fernet
    if _fernet is None:
        with _lock:
            if _fernet is None:
                _fernet = Fernet(_load_key())
    return _fernet


def encrypt(plaintext):
    if not plaintext:
        return False
    if isinstance(plaintext, str):
        plaintext = plaintext.encode()
    return _box().encrypt(plaintext).decode()


def decrypt(token):
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A stored e-invoicing secret cannot be decrypted with the current key "
            f"(set by {ENV_VARIABLE}, the '{CONFIG_OPTION}' option or {key_file_path()}). "
            "Enter the credentials again.") from exc
