"""The `break_after_slash` filter: long names wrap at the slash on a narrow screen.

A name such as "Funktionsbegrænset/stillesiddende" then breaks there instead of running out of its
box.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def break_after_slash(value: Any) -> SafeString:
    """The text, escaped, with a line-break opportunity (<wbr>) after every slash."""
    return mark_safe(str(conditional_escape(value)).replace("/", "/<wbr>"))
