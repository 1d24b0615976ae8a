{
    "name": "Indian GST E-invoicing (NIC IRP, direct)",
    "summary": "Generate, cancel and print IRNs with NIC's Invoice Registration Portal, "
    "speaking the IRP protocol directly: no proxy, signed QR on the invoice",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "countries": ["in"],
    "author": "l10n_in_einvoice contributors",
    "website": "https://github.com/l10n-in-einvoice/l10n_in_einvoice",
    "license": "LGPL-3",
    "depends": ["account", "account_edi", "l10n_in"],
    "external_dependencies": {
        "python": ["requests", "cryptography", "PyJWT", "qrcode", "jsonschema"],
    },
    "data": [
        "security/l10n_in_einvoice_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/ir_actions_server.xml",
        "views/l10n_in_einvoice_credential_views.xml",
        "views/l10n_in_einvoice_api_log_views.xml",
        "views/account_move_views.xml",
        "views/account_journal_dashboard_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_config_settings_odoo_edi_views.xml",
        "views/menus.xml",
        "wizards/l10n_in_einvoice_cancel_wizard_views.xml",
        "wizards/l10n_in_einvoice_link_wizard_views.xml",
        "views/account_move_link_views.xml",
        "report/report_invoice.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "l10n_in_einvoice/static/tests/tours/*.js",
        ],
    },
    "application": True,
    "installable": True,
}
