from . import (
    absence,
    accessibility,
    child,
    document,
    family_file,
    message,
    planning,
    portal,
    registration,
)
