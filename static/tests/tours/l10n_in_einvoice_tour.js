import { registry } from "@web/core/registry";

// Opened on a posted invoice: the accountant clicks Generate IRN and sees the IRN.
registry.category("web_tour.tours").add("l10n_in_einvoice_generate_irn", {
    steps: () => [
        {
            content: "Click Generate IRN",
            trigger: ".o_form_view .o_form_statusbar button[name='action_l10n_in_einv_generate']",
            run: "click",
        },
        {
            content: "Once the IRP answers, the invoice offers Cancel IRN instead",
            trigger: ".o_form_view .o_form_statusbar button[name='action_l10n_in_einv_open_cancel_wizard']",
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
    ],
});
