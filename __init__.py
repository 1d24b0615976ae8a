# Odoo imports this directory as odoo.addons.l10n_in_einvoice. pytest and the
# scripts import irp/ and sandbox/ on their own, without Odoo: they must not pull
# in the Odoo layer.
if __name__.startswith("odoo.addons."):
    from . import models, tools, wizards  # noqa: F401
