"""The one place where the sandbox reaches the protocol core in irp/.

Inside Odoo the addon is the package `odoo.addons.l10n_in_einvoice`, so irp/ is
a sibling package; under pytest and scripts both are top-level packages.
"""
try:
    from ..irp import crypto, gstin, masters
except ImportError:  # top-level `sandbox` (pytest, python -m sandbox)
    from irp import crypto, gstin, masters

__all__ = ["crypto", "gstin", "masters"]
