"""Reading what a parent sends, in a URL, a form or an RPC call, before it reaches the database: a record id
PostgreSQL can hold, a date the calendar can compute with, a finite number. Each reader returns None for
anything else, and the caller says what is wrong in the parent's words."""

import math
import re
from datetime import date

from odoo import fields

MAX_RECORD_ID = 2**31 - 1  # ids are PostgreSQL integers: a larger one is "integer out of range" in SQL
# the dates a parent may type: years that make sense for a family file, far enough from date.min and
# date.max that a month or a fortnight can always be added or taken away
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)


def to_record_id(value):
    """``value`` as a record id, or None: a positive integer (or its digits, as a URL or a form gives them)
    that PostgreSQL can hold; text, 0, negative numbers, booleans, floats and larger numbers are None."""
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[0-9]{1,10}", value):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_RECORD_ID else None


def to_date(value):
    """``value`` (a date, or its ISO text "YYYY-MM-DD") as a date between MIN_DATE and MAX_DATE, or None."""
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
    """``value`` (a number, or its digits with a decimal comma or point and spaces, "1 234,50") as a finite
    float within the bounds given, or None: "nan", "inf", "1e400" or "0x10" are not numbers a parent types."""
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
    if not math.isfinite(number) or (minimum is not None and number < minimum) \
            or (maximum is not None and number > maximum):
        return None
    return number
