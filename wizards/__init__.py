from . import l10n_in_einvoice_cancel_wizard
