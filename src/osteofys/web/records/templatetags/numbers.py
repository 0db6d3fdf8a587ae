"""The `num` filter: measurements as clinicians write them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import get_format

register = template.Library()
HUNDREDTHS = Decimal("0.01")


@register.filter
def num(value: Any) -> str:
    """At most two decimals, no trailing zeros, the locale's decimal separator: 12,5 · 12 · 0,25.

    The patient page prints about a hundred numbers (charts and their tables); this filter is
    what `floatformat` twice and a comparison per number did in the template, at a tenth of
    the cost. Not a number (or a blank) prints nothing, as `floatformat` does.
    """
    try:
        rounded = Decimal(str(value)).quantize(HUNDREDTHS, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    if not rounded.is_finite():
        return ""
    text = f"{rounded:f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))
