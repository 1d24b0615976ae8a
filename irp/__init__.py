"""NIC IRP protocol core: plain Python, never imports Odoo.

Odoo imports this package as ``odoo.addons.l10n_in_einvoice.irp``; the pure tests
import it as ``irp``. Everything inside uses relative imports.
"""
from .client import CallRecord, IrpClient, IrpConfig, parse_envelope
from .crypto import CryptoError, SignatureError, SigningKeyring
from .errors import (
    AUTH, DATA, DUPLICATE, TRANSIENT, UNKNOWN_OUTCOME, IrpError, ResponseSignatureError, classify, describe,
)
from .results import CancelResult, EwbCancelResult, EwbDetails, EwbResult, GstinDetails, IrnResult
from .session import MemorySessionStore, SessionState

__all__ = [
    "AUTH", "DATA", "DUPLICATE", "TRANSIENT", "UNKNOWN_OUTCOME",
    "CallRecord", "CancelResult", "CryptoError", "EwbCancelResult", "EwbDetails", "EwbResult", "GstinDetails",
    "IrnResult", "IrpClient", "IrpConfig", "IrpError", "MemorySessionStore", "ResponseSignatureError",
    "SessionState", "SignatureError", "SigningKeyring", "classify", "describe", "parse_envelope",
]
