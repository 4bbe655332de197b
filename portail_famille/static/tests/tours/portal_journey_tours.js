/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * The parents' journeys on the portal, each started by portail_famille/tests/test_portal_journeys.py,
 * which checks the database afterwards. The page is in French: the steps find the controls by their
 * names, ids and classes; the values the test chose (days, ids) come in the start URL's query string.
 */

const param = (name) => new URLSearchParams(window.location.search).get(name);

function setValue(input, value) {
    input.value = value;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
}

/** A small real PDF (the server checks the type on the bytes, not on the name). */
function attachPdf(input, name) {
    const pdf =
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n" +
        "trailer<</Root 1 0 R>>\n%%EOF\n";
    const transfer = new DataTransfer();
    transfer.items.add(new File([pdf], name, {type: "application/pdf"}));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", {bubbles: true}));
}

/** Registering a child: Léa to the open theatre workshop; the line shows as pending. */
registry.category("web_tour.tours").add("portail_famille_portal_register_child", {
    steps: () => [
        {
            content: "Léa's card offers the theatre workshop",
            trigger: "section.card:has(h2:contains('Léa')) select[name=activity_id]",
            run: "selectByLabel Atelier théâtre",
        },
        {
            content: "Add a note for the service",
            trigger: "section.card:has(h2:contains('Léa')) textarea[name=note]",
            run: "edit Le mercredi seulement",
        },
        {
            content: "Send the registration",
            trigger:
                "section.card:has(h2:contains('Léa')) form[action='/my/registrations'] button[type=submit]",
            run: "click",
        },
        {
            content:
                "The registration is listed for Léa, pending, with its state in words",
            trigger:
                "section.card:has(h2:contains('Léa')) tr:contains('Atelier théâtre') .pf-badge-wait",
        },
    ],
});

/**
 * Cancelling: the booked day inside the deadline is locked and says why (no checkbox); the booked day
 * three weeks ahead is unticked, the recap shows its cancellation, "Terminer" applies it.
 */
registry.category("web_tour.tours").add("portail_famille_portal_cancel", {
    steps: () => [
        {
            content: "The booked day past the deadline is locked with its reason",
            trigger: `form.pf-planning-grid td.pf-locked:has(.fa-lock) .visually-hidden:contains('${param("reason")}')`,
        },
        {
            content: "It offers no checkbox",
            trigger: "form.pf-planning-grid:not(:has(input[name=cell]:checked))",
            run() {
                window.location.href = param("then");
            },
        },
        {
            content:
                "The day three weeks ahead is booked and can still be cancelled: untick it",
            trigger: "form.pf-planning-grid input[name=cell]:checked",
            run: "click",
        },
        {
            content: "Add the change and go to the recap",
            trigger: "form.pf-planning-grid button[name=go_recap]",
            run: "click",
        },
        {
            content: "The recap lists the cancellation",
            trigger: ".o_pf_recap .pf-recap-table tbody tr:contains('Annulation')",
        },
        {
            content: "Finish",
            trigger: ".o_pf_recap form[action='/my/recap/confirm'] button[type=submit]",
            run: "click",
        },
        {
            content: "The cancellation is done",
            trigger: ".o_pf_recap_done .pf-result-ok",
        },
    ],
});

/** Declaring an absence of Léa on her booked day, for illness, with a certificate. */
registry.category("web_tour.tours").add("portail_famille_portal_absence", {
    steps: () => [
        {
            content: "Choose Léa",
            trigger: "form[action='/my/absences'] select[name=child_id]",
            run: "selectByLabel Léa",
        },
        {
            content: "From the booked day",
            trigger: "form[action='/my/absences'] input[name=date_from]",
            run() {
                setValue(this.anchor, param("day"));
            },
        },
        {
            content: "To the same day",
            trigger: "form[action='/my/absences'] input[name=date_to]",
            run() {
                setValue(this.anchor, param("day"));
            },
        },
        {
            content: "Illness",
            trigger: "form[action='/my/absences'] select[name=reason]",
            run: "select illness",
        },
        {
            content: "Attach the medical certificate",
            trigger: "form[action='/my/absences'] input[name=certificate]",
            run() {
                attachPdf(this.anchor, "certificat.pdf");
            },
        },
        {
            content: "Declare the absence",
            trigger: "form[action='/my/absences'] button[type=submit]",
            run: "click",
        },
        {
            content: "The absence is recorded",
            trigger: ".alert-success:contains('Léa')",
        },
    ],
});

/** Writing to the ALAE service with a PDF attached; the conversation opens. */
registry.category("web_tour.tours").add("portail_famille_portal_message", {
    steps: () => [
        {
            content: "Service: ALAE – Restauration",
            trigger: "#pf-new-message select[name=service]",
            run: "select alae",
        },
        {
            content: "Theme: information",
            trigger: "#pf-new-message select[name=theme]",
            run: "select information",
        },
        {
            content: "Subject",
            trigger: "#pf-new-message input[name=subject]",
            run: "edit Régime sans porc",
        },
        {
            content: "Message",
            trigger: "#pf-new-message textarea[name=body]",
            run: "edit Bonjour, Léa ne mange pas de porc. Le certificat est joint.",
        },
        {
            content: "Attach a document",
            trigger: "#pf-new-message input[name=attachments]",
            run() {
                attachPdf(this.anchor, "attestation.pdf");
            },
        },
        {
            content: "Send",
            trigger: "#pf-new-message button[type=submit]",
            run: "click",
        },
        {
            content: "The conversation shows the message and its attachment",
            trigger: "main:contains('Régime sans porc') a:contains('attestation.pdf')",
        },
    ],
});

/** Editing the health sheet: doctor and allergies. */
registry.category("web_tour.tours").add("portail_famille_portal_health_sheet", {
    steps: () => [
        {
            content: "Doctor",
            trigger: "form#pf-health input[name=doctor_name]",
            run: "edit Dr Bernard",
        },
        {
            content: "Doctor's phone",
            trigger: "form#pf-health input[name=doctor_phone]",
            run: "edit 05 61 22 33 44",
        },
        {
            content: "Allergies",
            trigger: "form#pf-health textarea[name=allergies]",
            run: "edit Arachide, kiwi",
        },
        {
            content: "Save",
            trigger: "form#pf-health button[type=submit]",
            run: "click",
        },
        {
            content: "The health sheet is saved and shows the new values",
            trigger: ".alert-success",
        },
        {
            content: "The doctor is kept",
            trigger: "form#pf-health input[name=doctor_name][value='Dr Bernard']",
        },
    ],
});

/** The portal header on a phone: the tabs folded behind the menu button, opened, one followed. */
registry.category("web_tour.tours").add("portail_famille_portal_nav_phone", {
    steps: () => [
        {
            content: "On a phone the tabs are folded behind the menu button",
            trigger: "nav.o_pf_nav button.navbar-toggler[aria-expanded=false]",
            run: "click",
        },
        {
            content: "The menu opens and its button says so",
            trigger: "nav.o_pf_nav button.navbar-toggler[aria-expanded=true]",
        },
        {
            content: "Go to the planning",
            trigger: "nav.o_pf_nav #pf_nav_tabs a[href='/my/planning']",
            run: "click",
        },
        {
            content: "The planning is the current tab, the menu folded again",
            trigger:
                "body:has(.o_pf_planning):has(nav.o_pf_nav a[href='/my/planning'][aria-current=page]) nav.o_pf_nav button.navbar-toggler[aria-expanded=false]",
        },
    ],
});
