"""Reading what a parent sends, in a URL, a form or an RPC call, before it reaches the
database: a record id PostgreSQL can hold, a date the calendar can compute with, a
finite number. Each reader returns None for anything else, and the caller says what is
wrong in the parent's words.

Also the field rules several models share (a phone number, a French postcode), and the
error that names the fields it is about, so that a portal form shows each message beside
its field."""

import math
import re
from datetime import date

from odoo import fields
from odoo.exceptions import ValidationError

# ids are PostgreSQL integers: a larger one is "integer out of range" in SQL
MAX_RECORD_ID = 2**31 - 1
# the dates a parent may type: years that make sense for a family file, far enough from
# date.min and date.max that a month or a fortnight can always be added or taken away
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)


def to_record_id(value):
    """``value`` as a record id, or None: a positive integer (or its digits, as a URL or
    a form gives them) that PostgreSQL can hold; text, 0, negative numbers, booleans,
    floats and larger numbers are None."""
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[0-9]{1,10}", value):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_RECORD_ID else None


def to_date(value):
    """``value`` (a date, or its ISO text "YYYY-MM-DD") as a date between MIN_DATE and
    MAX_DATE, or None."""
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return None
    elif not isinstance(value, date):
        return None
    try:
        day = fields.Date.to_date(value)
    except ValueError:
        return None
    return day if day and MIN_DATE <= day <= MAX_DATE else None


def to_number(value, minimum=None, maximum=None):
    """``value`` (a number, or its digits with a decimal comma or point and spaces,
    "1 234,50") as a finite float within the bounds given, or None: "nan", "inf",
    "1e400" or "0x10" are not numbers a parent types."""
    if isinstance(value, str):
        value = value.replace(",", ".").replace(" ", "").replace("\u00a0", "")
        if not re.fullmatch(r"[+-]?[0-9]+(\.[0-9]*)?", value):
            return None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    if (
        not math.isfinite(number)
        or (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
    ):
        return None
    return number


class FieldValidationError(ValidationError):
    """A ValidationError about some fields of a record: ``field_errors`` maps each
    field's name to its message, so that a portal form shows each message beside its
    field. The error's own message (what RPC and the backend show) is all of them, one a
    line; an RPC error gives the fields in its context."""

    def __init__(self, message, field_errors=None):
        super().__init__(message)
        self.field_errors = field_errors or {}
        # what an RPC error carries (odoo.http.serialize_exception): the fields, and the
        # class the web client shows as a plain warning (a class it does not know would
        # be a server error's dialog)
        self.context = {
            "exception_class": "odoo.exceptions.ValidationError",
            "field_errors": self.field_errors,
        }

    @classmethod
    def from_errors(cls, field_errors):
        """The error for ``field_errors`` ({field name: message}, not empty)."""
        return cls("\n".join(field_errors.values()), dict(field_errors))


def check_field_errors(field_errors):
    """Raise a FieldValidationError for ``field_errors`` ({field name: message}) unless
    it is empty."""
    if field_errors:
        raise FieldValidationError.from_errors(field_errors)


def phone_error(env, value, required=False):
    """The message saying why ``value`` is not a phone number (10 to 15 digits, "+"
    first for an international one; spaces, dots, dashes and brackets between them), or
    None for a good or, unless ``required``, empty one. The one phone rule of the family
    file: responsables, authorised persons, doctors."""
    value = (value or "").strip()
    if not value:
        return env._("Give a phone number, e.g. 06 12 34 56 78.") if required else None
    if re.fullmatch(r"\+?[0-9]{10,15}", re.sub(r"[\s.\-()]", "", value)):
        return None
    return env._(
        "The phone number %(phone)s is not valid: give 10 digits, e.g. 06 12 34 56 78.",
        phone=value[:40],
    )


def postcode_error(env, value):
    """The message saying why ``value`` is not a French postcode (5 digits), or None for
    a good or empty one."""
    value = (value or "").strip()
    if not value or re.fullmatch(r"[0-9]{5}", value):
        return None
    return env._(
        "The postcode %(zip)s is not valid: a French postcode has 5 digits.",
        zip=value[:20],
    )
