import { registry } from "@web/core/registry";

// An accountant opens an invoice with an active IRN, generates its e-way bill by IRN
// (road, a vehicle, distance 0 so that the IRP computes it) and sees it on the invoice.
registry.category("web_tour.tours").add("l10n_in_einvoice_ewaybill_generate", {
    steps: () => [
        {
            content: "Generate the e-way bill from the invoice",
            trigger: ".o_form_view button[name='action_l10n_in_einv_open_ewaybill_wizard']",
            run: "click",
        },
        {
            content: "Enter the vehicle number",
            trigger: ".modal .o_field_widget[name='vehicle_no'] input",
            run: "edit KA01AB1234",
        },
        {
            content: "Generate it at the IRP",
            trigger: ".modal footer button[name='action_generate']",
            run: "click",
        },
        {
            content: "Back on the invoice: its e-way bill is counted",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_l10n_in_einv_open_ewaybills']",
        },
        {
            content: "Open the e-way bill",
            trigger: ".o_form_view button[name='action_l10n_in_einv_open_ewaybills']",
            run: "click",
        },
        {
            content: "The e-way bill shows its vehicle",
            trigger: ".o_form_view .o_field_widget[name='vehicle_no']:contains('KA01AB1234')",
        },
    ],
});
