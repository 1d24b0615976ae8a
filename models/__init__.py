from . import res_company
from . import res_config_settings
from . import l10n_in_einvoice_credential
from . import l10n_in_einvoice_api_log
from . import account_move_payload
from . import account_move_preflight
from . import account_move
from . import account_move_send
