from odoo import models

# Odoo's own Indian e-invoice and e-way bill formats (l10n_in_edi, l10n_in_edi_ewaybill),
# which send through Odoo's IAP service. This addon does not depend on them.
ODOO_IN_EDI_CODES = ("in_einvoice_1_03", "in_ewaybill_1_03")


class AccountEdiFormat(models.Model):
    _inherit = "account.edi.format"

    def _l10n_in_einv_taken_over(self, move):
        """Whether this addon, not this Odoo format, registers `move` with the IRP: one
        sender per company, so that an invoice never gets two IRNs or e-way bills."""
        return self.code in ODOO_IN_EDI_CODES and bool(move.company_id.l10n_in_einv_enabled)

    def _get_move_applicability(self, move):
        # Odoo's format does not apply: no document is created on posting, and a
        # 'Request EDI cancellation' does not queue one. l10n_in_edi_ewaybill loads after
        # this addon and answers for its own code without calling super, so this override
        # alone is not enough: account.edi.document keeps their cron off these documents.
        if self._l10n_in_einv_taken_over(move):
            return None
        return super()._get_move_applicability(move)

    def _check_move_configuration(self, move):
        # Odoo's checks (16-character numbers, street lengths...) must not block posting
        # an invoice this addon sends and checks itself.
        if self._l10n_in_einv_taken_over(move):
            return []
        return super()._check_move_configuration(move)
