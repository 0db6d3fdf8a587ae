"""API errors as JSON: what went wrong, per field, in the request's language (Danish by default).

Every error body has `detail` (one sentence) and `errors` (one entry per field: the field's path,
a stable problem code, a sentence, and what is allowed). Bad input is always a 4xx, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.forms.utils import ErrorDict
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from osteofys.kb.explain import issue_text
from osteofys.rules import CaseIssue
from osteofys.rules.limits import MAX_BODY_BYTES, MAX_DEPTH, MAX_ISSUES, json_depth_exceeds
from osteofys.web.records import clinical


class FieldError(Schema):
    field: str = Field(
        description="Feltets sti, fx `tests.tug_s`, `fractures[0].date` eller `name`."
    )
    problem: str = Field(description="Stabil kode, fx `out_of_range`, `required`, `bad_choice`.")
    message: str = Field(description="Forklaring til et menneske, på dansk eller engelsk.")
    allowed: str = Field(default="", description="Hvad er tilladt, fx `3–120` eller `YYYY-MM-DD`.")


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class InputError(Exception):
    """Raised by an endpoint for input that is well-formed JSON but not acceptable: a 422."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(errors)


class ConflictError(Exception):
    """The request is fine but the record's state does not allow it now: a 409."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class TooLargeError(Exception):
    """The request body is bigger, or nests deeper, than the API reads: a 413 or a 422."""

    def __init__(self, status: int, error: FieldError) -> None:
        self.status = status
        self.error = error
        super().__init__(error.message)


def error_body(detail: str, errors: Iterable[FieldError] = ()) -> dict[str, Any]:
    return ErrorOut(detail=detail, errors=capped(list(errors))).model_dump()


def capped(errors: list[FieldError]) -> list[FieldError]:
    """At most MAX_ISSUES errors, then one saying how many more there were.

    A bad input never gets an answer much bigger than a good one.
    """
    if len(errors) <= MAX_ISSUES:
        return errors
    rest = len(errors) - MAX_ISSUES
    more = FieldError(
        field="body",
        problem="more_issues",
        message=_("… og %(rest)s fejl mere (kun de første %(shown)s vises).")
        % {"rest": rest, "shown": MAX_ISSUES},
        allowed=str(MAX_ISSUES),
    )
    return [*errors[:MAX_ISSUES], more]


def invalid_detail() -> str:
    return _("Input er ikke gyldigt: se de enkelte felter.")


def from_case_issues(issues: Iterable[CaseIssue], prefix: str = "") -> list[FieldError]:
    """The clinical core's validation problems, with the knowledge base's sentences.

    `prefix` is where the case sits in the request body (`case.` inside an assessment).
    """
    base, lang = clinical.base(), clinical.lang()
    return [
        FieldError(
            field=prefix + i.field,
            problem=i.problem,
            message=issue_text(base, i, lang),
            allowed=i.allowed,
        )
        for i in issues
    ]


def from_form_errors(
    errors: ErrorDict, ranges: Mapping[str, str] | None = None
) -> list[FieldError]:
    """A Django form's errors (the web form's own checks, reused), one entry per message."""
    out = []
    for name, entries in errors.get_json_data().items():
        for entry in entries:
            out.append(
                FieldError(
                    field="" if name == "__all__" else name,
                    problem=str(entry.get("code") or "invalid"),
                    message=str(entry["message"]),
                    allowed=(ranges or {}).get(name, ""),
                )
            )
    return out


# Pydantic's error types, in words a clinician can read.
def _pydantic_message(kind: str, ctx: Mapping[str, Any]) -> tuple[str, str, str]:
    """(problem code, sentence, allowed) for one pydantic error type."""
    messages: dict[str, tuple[str, str, str]] = {
        "missing": ("required", _("Skal udfyldes."), ""),
        "string_too_short": ("required", _("Skal udfyldes."), ""),
        "string_too_long": (
            "too_long",
            _("Er for lang: højst %(max)s tegn.") % {"max": ctx.get("max_length", "?")},
            f"≤ {ctx.get('max_length', '?')}",
        ),
        "literal_error": (
            "bad_choice",
            _("Er ikke en tilladt værdi."),
            str(ctx.get("expected", "")),
        ),
        "enum": ("bad_choice", _("Er ikke en tilladt værdi."), str(ctx.get("expected", ""))),
        "bool_type": ("wrong_type", _("Skal være true eller false."), "true/false"),
        "bool_parsing": ("wrong_type", _("Skal være true eller false."), "true/false"),
        "float_type": ("wrong_type", _("Skal være et tal."), "number"),
        "float_parsing": ("wrong_type", _("Skal være et tal."), "number"),
        "int_type": ("wrong_type", _("Skal være et heltal."), "integer"),
        "int_parsing": ("wrong_type", _("Skal være et heltal."), "integer"),
        "int_from_float": ("wrong_type", _("Skal være et heltal."), "integer"),
        "string_type": ("wrong_type", _("Skal være en tekst."), "string"),
        "dict_type": ("wrong_type", _("Skal være et JSON-objekt."), "object"),
        "model_type": ("wrong_type", _("Skal være et JSON-objekt."), "object"),
        "model_attributes_type": ("wrong_type", _("Skal være et JSON-objekt."), "object"),
        "list_type": ("wrong_type", _("Skal være en liste."), "list"),
        "too_long": (
            "too_many",
            _("For mange: højst %(max)s.") % {"max": ctx.get("max_length", "?")},
            f"≤ {ctx.get('max_length', '?')}",
        ),
        "extra_forbidden": ("unknown_field", _("Ukendt felt."), ""),
        "bad_date": ("bad_date", _("Er ikke en gyldig dato."), "YYYY-MM-DD"),
        "greater_than_equal": (
            "out_of_range",
            _("Er for lille."),
            f"≥ {ctx.get('ge', '?')}",
        ),
        "less_than_equal": ("out_of_range", _("Er for stor."), f"≤ {ctx.get('le', '?')}"),
        "greater_than": ("out_of_range", _("Er for lille."), f"> {ctx.get('gt', '?')}"),
        "less_than": ("out_of_range", _("Er for stor."), f"< {ctx.get('lt', '?')}"),
        "nul_character": ("bad_text", _("Må ikke indeholde nul-tegn."), ""),
    }
    return messages.get(kind, ("invalid", _("Ugyldig værdi."), ""))


# The first parts of a pydantic location say where the value came from, not which field it is.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field(loc: Iterable[Any]) -> str:
    """`tests.tug_s` or `fractures[0].date` from pydantic's ("body", "payload", ...) location."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        # After "body" comes the name of the view's parameter, which the client never sees.
        parts = parts[2:] if parts[0] == "body" else parts[1:]
    path = ""
    for p in parts:
        path += f"[{p}]" if p.isdigit() else (f".{p}" if path else p)
    return path or "body"


def from_pydantic(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    out = []
    for e in errors:
        problem, message, allowed = _pydantic_message(str(e.get("type")), e.get("ctx") or {})
        out.append(
            FieldError(
                field=_field(e.get("loc", ())), problem=problem, message=message, allowed=allowed
            )
        )
    return out


def strict_json(raw: bytes) -> Any:
    """JSON as the standard says: NaN and Infinity are not numbers a client may send.

    Raises:
        TooLargeError: the body is over MAX_BODY_BYTES (413) or nests deeper than MAX_DEPTH (422),
            checked before anything recursive (copying, validation, error messages) sees it.
        ValueError: not JSON.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise body_too_large()

    def reject(constant: str) -> None:
        raise ValueError(constant)

    try:
        data = json.loads(raw, parse_constant=reject)
    except RecursionError:
        data = None
        deep = True
    else:
        deep = json_depth_exceeds(data)
    if deep:
        error = FieldError(
            field="body",
            problem="too_deep",
            message=_("JSON-dokumentet er indlejret for dybt: højst %(depth)s niveauer.")
            % {"depth": MAX_DEPTH},
            allowed=f"≤ {MAX_DEPTH}",
        )
        raise TooLargeError(422, error)
    return data


def body_too_large() -> TooLargeError:
    error = FieldError(
        field="body",
        problem="too_large",
        message=_("Anmodningen er for stor: højst %(bytes)s bytes.") % {"bytes": MAX_BODY_BYTES},
        allowed=f"≤ {MAX_BODY_BYTES}",
    )
    return TooLargeError(413, error)
