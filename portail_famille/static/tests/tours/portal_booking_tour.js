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
            trigger: ".o_pf_recap_done .pf-result-ok",
        },
    ];
}

registry.category("web_tour.tours").add("portail_famille_portal_booking", {
    steps: () => bookingSteps("pf-planning-grid"),
});

registry.category("web_tour.tours").add("portail_famille_portal_booking_phone", {
    steps: () => bookingSteps("pf-planning-list"),
});

/** The page fits the screen: nothing to scroll sideways to. */
function fitsTheScreen() {
    const width = document.documentElement.scrollWidth;
    if (width > window.innerWidth) {
        throw new Error(
            `The page is ${width} px wide on a ${window.innerWidth} px screen`
        );
    }
}

function luminance(colour) {
    const [r, g, b] = colour
        .match(/[\d.]+/g)
        .slice(0, 3)
        .map((value) => {
            const c = Number(value) / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The text of the element reads at 4.5:1 at least on the first opaque background behind it (WCAG AA). */
function checkContrast(element) {
    let behind = element;
    let background = "rgb(255, 255, 255)";
    while (behind) {
        const colour = getComputedStyle(behind).backgroundColor;
        const alpha = colour.match(/[\d.]+/g)[3];
        if (alpha === undefined || Number(alpha) === 1) {
            background = colour;
            break;
        }
        behind = behind.parentElement;
    }
    const [light, dark] = [
        luminance(getComputedStyle(element).color),
        luminance(background),
    ].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) {
        throw new Error(
            `"${element.textContent.trim()}" has a contrast of ${ratio.toFixed(2)}:1`
        );
    }
}

/** On a 375 px phone: the recap and the result page fit the screen, the result reads at 4.5:1. */
registry.category("web_tour.tours").add("portail_famille_portal_recap_phone", {
    steps: () => [
        ...bookingSteps("pf-planning-list").slice(0, 3),
        {
            content:
                "The recap fits the screen, its cost and its Remove button in sight",
            trigger: ".o_pf_recap .pf-recap-table tbody tr button[type=submit]",
            run() {
                fitsTheScreen();
                const right = this.anchor.getBoundingClientRect().right;
                if (right > window.innerWidth) {
                    throw new Error(`The Remove button ends at ${right} px`);
                }
            },
        },
        ...bookingSteps("pf-planning-list").slice(3, 4),
        {
            content: "The result fits the screen and its state reads at 4.5:1",
            trigger: ".o_pf_recap_done .pf-result-ok",
            run() {
                fitsTheScreen();
                checkContrast(this.anchor);
            },
        },
    ],
});
