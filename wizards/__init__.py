from . import l10n_in_einvoice_cancel_wizard
from . import account_move_send_wizard
from . import l10n_in_einvoice_link_wizard
from . import l10n_in_einvoice_ewaybill_wizard
from . import l10n_in_einvoice_ewaybill_cancel_wizard
from . import l10n_in_einvoice_gstin_wizard
from . import base_partner_merge
