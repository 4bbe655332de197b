from . import (
    absence,
    accessibility,
    billing,
    child,
    document,
    family_file,
    message,
    planning,
    portal,
    registration,
)
