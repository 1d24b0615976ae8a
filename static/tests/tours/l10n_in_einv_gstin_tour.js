import { registry } from "@web/core/registry";

// An accountant opens a customer, verifies its GSTIN with the IRP, sees what the GST
// portal says differs from the partner, and updates the partner in one click.
registry.category("web_tour.tours").add("l10n_in_einvoice_gstin_verify", {
    steps: () => [
        {
            content: "Open the GST portal tab",
            trigger: ".o_form_view .o_notebook_headers a:contains('GST portal')",
            run: "click",
        },
        {
            content: "Verify the GSTIN with the IRP",
            trigger: ".o_form_view button[name='action_l10n_in_einv_verify_gstin']",
            run: "click",
        },
        {
            content: "The portal's details are shown: active, regular taxpayer",
            trigger: ".modal .o_field_widget[name='status_label']:contains('Active')",
        },
        {
            content: "What would change: the city, from Bombay to Mumbai",
            trigger: ".modal .o_l10n_in_einv_gstin_changes tr[data-field='city']:contains('Bombay'):contains('Mumbai')",
        },
        {
            content: "And the name, to the legal name",
            trigger: ".modal .o_l10n_in_einv_gstin_changes tr[data-field='name']:contains('Ratnagiri Demo Foods Private Limited')",
        },
        {
            content: "Update the partner",
            trigger: ".modal footer button[name='action_update_partner']",
            run: "click",
        },
        {
            content: "Back on the partner: the city is Mumbai",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name='city'] input:value(Mumbai)",
        },
    ],
});
