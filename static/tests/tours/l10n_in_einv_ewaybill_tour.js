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

// With the e-way bill system's API configured: generate the e-way bill by IRN, then change its
// vehicle (Part-B, break down) through the wizard and see the new vehicle on the e-way bill.
registry.category("web_tour.tours").add("l10n_in_einvoice_ewaybill_part_b", {
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
            content: "Back on the invoice: update its vehicle (Part-B)",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_l10n_in_einv_ewb_wizard']:contains('Update Part-B')",
            run: "click",
        },
        {
            content: "Why: the vehicle broke down",
            trigger: ".modal .o_field_widget[name='reason_code'] select",
            run: "selectByLabel Break down",
        },
        {
            content: "Remark",
            trigger: ".modal .o_field_widget[name='reason_remark'] input",
            run: "edit Vehicle broke down near Hassan",
        },
        {
            content: "The new vehicle",
            trigger: ".modal .o_field_widget[name='vehicle_no'] input",
            run: "edit KA05MN4321",
        },
        {
            content: "Send the Part-B update to the e-way bill system",
            trigger: ".modal footer button[name='action_update']",
            run: "click",
        },
        {
            content: "Open the e-way bill",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_l10n_in_einv_open_ewaybills']",
            run: "click",
        },
        {
            content: "The e-way bill shows the new vehicle",
            trigger: ".o_form_view .o_field_widget[name='vehicle_no']:contains('KA05MN4321')",
        },
        {
            content: "and its Part-B history the update",
            trigger: ".o_form_view .o_field_widget[name='event_ids'] td:contains('Vehicle updated (Part-B)')",
        },
    ],
});
