"""Bounds on what anonymous input may ask a parser for (issue 26, item 5).

Every query parameter and JSON body that reaches a parser is bounded first: numbers are ASCII digits
and capped (`str.isdigit()` accepts "²", which `int()` refuses), dates lie within MIN_YEAR–MAX_YEAR
(year 1 or 9999 overflows as soon as a span is added or subtracted), UTC offsets are real ones, and
JSON is nested at most MAX_JSON_DEPTH deep (Python's parser recurses: a body of 100,000 "[" is a
RecursionError, not a ValueError).
"""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_JSON_DEPTH = 32


def ascii_int(raw: str, *, maximum: int) -> int | None:
    """`raw` as an integer 0…maximum if it is ASCII digits only, else None (never an exception)."""
    raw = (raw or "").strip()
    if not raw or len(raw) > len(str(maximum)) or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= maximum else None


def in_year_range(value: datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if the JSON text's arrays and objects nest at most `limit` deep (strings skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


class BoundedDateField(forms.DateField):
    """A date field refusing years outside MIN_YEAR–MAX_YEAR with a clear error, before any
    arithmetic (a period's length, the day after) can overflow on year 1 or 9999."""

    def validate(self, value):
        super().validate(value)
        if value and not (MIN_YEAR <= value.year <= MAX_YEAR):
            raise ValidationError(
                _("日期须在 %(min)s 年到 %(max)s 年之间。") % {"min": MIN_YEAR, "max": MAX_YEAR},
                code="out_of_range",
            )
