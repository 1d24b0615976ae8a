from . import test_l10n_in_einv_lifecycle
from . import test_l10n_in_einv_security
from . import test_l10n_in_einv_concurrency
from . import test_l10n_in_einv_ui
from . import test_l10n_in_einv_payload
from . import test_l10n_in_einv_faults
from . import test_l10n_in_einv_kill
