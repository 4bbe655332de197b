from . import (
    test_backend_tour,
    test_calendar,
    test_child,
    test_documents,
    test_email,
    test_quotient,
    test_registration,
    test_report,
    test_reservation,
    test_reservation_concurrency,
    test_security,
    test_tariff,
)
