from odoo import models

from ..tools import write_guard


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    def run(self):
        # EXTENDS 'base': automation rules run their actions inside the write that
        # triggered them, so inside the addon's trusted() block: never lend them the
        # permission to write what only the IRP's replies may set.
        with write_guard.untrusted():
            return super().run()
