/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * An agent opens the registrations to validate, opens the pending registration of the child
 * "Tourtest", validates it and sees its status become "Validated".
 * Data are created by portail_famille/tests/test_backend_tour.py.
 */
registry.category("web_tour.tours").add("portail_famille_registration_validation", {
    url: "/odoo/action-portail_famille.family_registration_action_to_validate",
    steps: () => [
        {
            content:
                "The list of registrations to validate shows the pending registration of Tourtest",
            trigger: ".o_list_view .o_data_row td[name=child_id]:contains('Tourtest')",
            run: "click",
        },
        {
            content: "The registration form is open and pending",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=pending]",
        },
        {
            content: "Validate the registration",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_validate]",
            run: "click",
        },
        {
            content: "The status bar now shows Validated",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=validated]",
        },
        {
            content: "The Validate button is gone",
            trigger:
                ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_validate]))",
        },
    ],
});
