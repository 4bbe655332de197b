from . import (
    absence,
    accessibility,
    attestation,
    child,
    document,
    family_file,
    message,
    planning,
    portal,
    registration,
)
