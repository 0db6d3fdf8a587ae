"""The `category_name` filter: a category code shown by its knowledge-base name (its one owner)."""

from __future__ import annotations

from django import template

from osteofys.web.records import clinical

register = template.Library()


@register.filter
def category_name(code: str | None) -> str:
    """'funktionsbegraenset' -> 'Funktionsbegrænset/stillesiddende' (English when chosen)."""
    try:
        return clinical.category_name(code) if code else ""
    except KeyError:
        return str(code)  # a code this knowledge base does not know: shown as stored
