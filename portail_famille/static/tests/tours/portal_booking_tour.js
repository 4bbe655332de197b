/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * A parent books a day on the planning, reviews the recap and finishes (tour started on the week of
 * the day by portail_famille/tests/test_portal_planning.py, at a desktop and at a phone viewport).
 * Every step is done on the form controls themselves, so that the flow works with the keyboard:
 * the checkbox is toggled with Space and the buttons are activated with Enter by the browser.
 */
function bookingSteps(formClass) {
    return [
        {
            content: "The planning shows a free day to tick",
            trigger: `form.${formClass} input[name=cell][data-tour-day]:not(:checked):not(:disabled)`,
            run: "click",
        },
        {
            content: "Add it and go to the recap",
            trigger: `form.${formClass} button[name=go_recap]`,
            run: "click",
        },
        {
            content: "The recap lists the day with its tariff and price",
            trigger: ".o_pf_recap .pf-recap-table tbody tr:contains('CL DEMI-JOURNEE')",
        },
        {
            content: "Finish",
            trigger: ".o_pf_recap form[action='/my/recap/confirm'] button[type=submit]",
            run: "click",
        },
        {
            content: "The booking is finished and the day is booked",
            trigger: ".o_pf_recap_done .text-success",
        },
    ];
}

registry.category("web_tour.tours").add("portail_famille_portal_booking", {
    steps: () => bookingSteps("pf-planning-grid"),
});

registry.category("web_tour.tours").add("portail_famille_portal_booking_phone", {
    steps: () => bookingSteps("pf-planning-list"),
});
