from . import (
    absence,
    accessibility,
    attestation,
    child,
    direct_debit,
    document,
    family_file,
    message,
    planning,
    portal,
    registration,
)
