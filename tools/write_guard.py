"""Fields only the addon's own code paths may write.

An IRN, its acknowledgement, signed data and retry bookkeeping come from the IRP;
credentials' encrypted secrets and session come from the addon. `readonly=True`
holds only in views: an ORM or RPC write (`write`, `create`) by any user, managers
and administrators included, is refused unless it runs inside `trusted()`.

The permission is a context variable of this process, not an Odoo context key:
an RPC caller can put any key in its context, but cannot reach this.
"""
import contextvars
from contextlib import contextmanager

from odoo.exceptions import AccessError

_trusted = contextvars.ContextVar("l10n_in_einv_trusted_write", default=False)


@contextmanager
def trusted():
    """Let the addon's own code write its protected fields for the duration."""
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


@contextmanager
def untrusted():
    """Code that is not the addon's (automation rules, server actions a user wrote) runs
    without the permission, even when the addon's own write triggered it."""
    token = _trusted.set(False)
    try:
        yield
    finally:
        _trusted.reset(token)


def check(model, vals_list, protected):
    """Refuse `vals_list` (dicts of a write/create) when they set a protected field
    outside `trusted()`."""
    if _trusted.get():
        return
    touched = sorted({name for vals in vals_list for name in vals if name in protected})
    if touched:
        labels = ", ".join(model._fields[name]._description_string(model.env) for name in touched)
        raise AccessError(model.env._(  # a helper has no self: the model's env gives the language
            "%(fields)s of %(model)s can only be set by the e-invoicing itself (from the IRP's replies or the "
            "credential form), never written directly. Use the buttons: Generate IRN, Refresh from IRP, Cancel "
            "IRN, or the credential's fields.", fields=labels, model=model._description))
