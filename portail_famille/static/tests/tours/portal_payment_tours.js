/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * Paying online on Odoo's payment form with the demo provider (started by
 * portail_famille/tests/test_portal_immediate_payment.py, which checks the database afterwards).
 */
function payWithDemo() {
    return [
        {
            content: "Choose the demo provider",
            trigger: "input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Enter the test card",
            trigger: "input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "button[name='o_payment_submit_button']",
            run: "click",
        },
    ];
}

/**
 * Immediate payment: a day of an activity paid immediately is ticked, the recap shows what is to
 * pay now, "Finish and pay" leads to the payment form, the payment is made and the planning shows
 * the day booked.
 */
registry.category("web_tour.tours").add("portail_famille_portal_immediate_payment", {
    steps: () => [
        {
            content: "The planning shows a free day to tick",
            trigger:
                "form.pf-planning-grid input[name=cell][data-tour-day]:not(:checked):not(:disabled)",
            run: "click",
        },
        {
            content: "Add it and go to the recap",
            trigger: "form.pf-planning-grid button[name=go_recap]",
            run: "click",
        },
        {
            content:
                "The recap shows the day under Immediate payment, with what is to pay",
            trigger: ".o_pf_recap .pf-immediate-payment #pf-pay-now:contains('4,00')",
        },
        {
            content: "Finish and pay",
            trigger: ".o_pf_recap form[action='/my/recap/confirm'] button[type=submit]",
            run: "click",
        },
        {
            content: "The day is held and the payment form asks for its price",
            timeout: 30000,
            trigger:
                ".o_pf_recap_done .pf-immediate-payment #pf-pay-total:contains('4,00')",
        },
        ...payWithDemo(),
        {
            content: "Back on the planning once paid, the day is booked",
            // the payment, its status page and the planning: slow on a busy machine
            timeout: 60000,
            trigger: "form.pf-planning-grid td.pf-booked input[name=cell]:checked",
        },
    ],
});

/** Paying an invoice from its page (/my/invoices/<id>) with Odoo's "Pay now" and the demo provider. */
registry.category("web_tour.tours").add("portail_famille_portal_pay_invoice", {
    steps: () => [
        {
            content: "Pay now opens the payment form",
            trigger: "a[data-bs-target='#pay_with']",
            run: "click",
        },
        ...payWithDemo(),
        {
            content: "Back on the invoice once paid: nothing left to pay",
            timeout: 60000,
            trigger: "#wrap:not(:has(a[data-bs-target='#pay_with'])) #invoice_content",
        },
    ],
});
