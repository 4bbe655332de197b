"""pytest plugin of ./test.sh (``-p scripts.odoo_known_failures``): deselects the tests
of Odoo's own suites (portal, payment) that cannot pass on this set-up, whatever the
addon does, each with its reason."""

KNOWN_FAILURES = (
    # expects a public user to keep base.group_public alone, but `website` (installed
    # here) makes that group imply website_page_controller_expose (and, with its second
    # demo website, group_multi_website): it fails with portal and website alone
    "addons/portal/tests/test_portal_wizard.py::TestPortalWizard::"
    "test_portal_wizard_public_user",
    # the portal_load_homepage tour looks for Odoo's English "Edit" link; the demo
    # town's website speaks French only (its users read "Modifier les informations")
    "addons/portal/tests/test_tours.py::TestUi::test_01_portal_load_tour",
    "addons/portal/tests/test_tours.py::TestUi::test_02_portal_load_tour_cant_edit_vat",
    # compares a token's name with Odoo's English text; the demo town's administrator,
    # who runs the test, reads French
    "addons/payment/tests/test_payment_token.py::TestPaymentToken::"
    "test_display_name_for_empty_payment_details",
    # Odoo skips it itself once account_payment is installed (a dependency of the
    # addon), and ./test.sh counts a skip as a failure
    "addons/payment/tests/test_payment_transaction.py::TestPaymentTransaction::"
    "test_updating_state_resets_post_processing_status",
)


def pytest_collection_modifyitems(config, items):
    kept, deselected = [], []
    for item in items:
        # the file's full path, then the class and test names of its id (pytest writes
        # that path relative to its rootdir or to the folder given, as it goes)
        test_id = "%s::%s" % (item.path.as_posix(), item.nodeid.split("::", 1)[-1])
        if any(test_id.endswith("/" + known) for known in KNOWN_FAILURES):
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
