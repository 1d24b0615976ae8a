"""Merging contacts keeps one consistent GSTIN status: Odoo's merge copies every stored
field from the merged partners, which would mix (and, outside the addon, could not
write) the status the addon keeps from the IRP."""
from odoo import models

from ..models.res_partner import PROTECTED_FIELDS
from ..tools import write_guard


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        with write_guard.trusted():
            result = super()._update_values(src_partners, dst_partner)
            # the status of the kept partner's current GSTIN, checked last, from one partner only
            gstin = dst_partner._l10n_in_einv_gstin_value()
            donors = (dst_partner | src_partners).filtered(
                lambda p: p.l10n_in_einv_gstin_checked_at and p.l10n_in_einv_gstin_checked == gstin)
            donor = max(donors, key=lambda p: p.l10n_in_einv_gstin_checked_at, default=None)
            dst_partner.sudo().write({name: (donor[name] if donor else False) for name in PROTECTED_FIELDS})
        return result
