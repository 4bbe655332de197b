from . import (
    absence,
    accessibility,
    child,
    direct_debit,
    document,
    family_file,
    message,
    planning,
    portal,
    registration,
)
