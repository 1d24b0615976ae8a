import { registry } from "@web/core/registry";

// An accountant creates an invoice, posts it, clicks Generate IRN and stays on it:
// the IRN, the Ack and the signed QR show on the same record (never a blank new one).
registry.category("web_tour.tours").add("l10n_in_einvoice_generate_irn", {
    steps: () => [
        {
            content: "Choose the customer",
            trigger: ".o_form_view div[name='partner_id'] input",
            run: "edit Brindavan Demo",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Brindavan Demo')",
            run: "click",
        },
        {
            content: "Add a line",
            trigger: "div[name='invoice_line_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: "div[name='invoice_line_ids'] .o_selected_row div[name='product_id'] input",
            run: "edit Laptop",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Laptop')",
            run: "click",
        },
        {
            content: "Confirm the invoice",
            trigger: ".o_form_view .o_form_statusbar button[name='action_post']",
            run: "click",
        },
        {
            content: "Posted: nothing to refresh from the IRP yet, only Generate IRN",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name='action_l10n_in_einv_refresh'])) button[name='action_l10n_in_einv_generate']",
            run: "click",
        },
        {
            content: "Once the IRP answers, the same invoice offers Cancel IRN",
            trigger: ".o_form_view .o_form_statusbar button[name='action_l10n_in_einv_open_cancel_wizard']",
        },
        {
            content: "Still on the posted invoice (its number in the breadcrumb), not on a new one",
            trigger: ".o_breadcrumb .active:contains('/')",
        },
        {
            content: "Open the E-invoice tab",
            trigger: ".o_notebook_headers a:contains('E-invoice')",
            run: "click",
        },
        {
            content: "The state badge says Generated",
            trigger: ".o_field_widget[name='l10n_in_einv_state'] :contains('Generated')",
        },
        {
            content: "The IRN is shown",
            trigger: ".o_field_widget[name='l10n_in_einv_irn'] span:not(:empty)",
        },
        {
            content: "The signed QR code shows as an image",
            trigger: ".o_field_widget[name='l10n_in_einv_qr_preview'] img",
        },
        {
            content: "The chatter has one line for it: the note with the state's change",
            trigger: ".o-mail-Message:has(.o-mail-Message-body:contains('IRN generated')):has(.o-mail-Message-trackingNew:contains('Generated'))",
        },
    ],
});
