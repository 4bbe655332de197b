from . import (
    absence,
    accessibility,
    attestation,
    billing,
    child,
    direct_debit,
    document,
    family_file,
    message,
    planning,
    portal,
    registration,
)
