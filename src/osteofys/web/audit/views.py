"""The clinic admin's view of the access log: read, filter, page, export as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from osteofys.web.accounts.decorators import admin_required
from osteofys.web.accounts.selectors import clinic_of, user_list
from osteofys.web.audit import selectors
from osteofys.web.audit.chain import hashed_time
from osteofys.web.audit.forms import EntryFilterForm
from osteofys.web.audit.models import AuditEntry, ObjectType

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id",
    "seq",
    "clinic_id",
    "at_utc",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "detail",
    "address",
    "prev_hash",
    "hash",
)


def _filtered(request: HttpRequest) -> tuple[EntryFilterForm, Any]:
    clinic = clinic_of(request.user)
    form = EntryFilterForm(request.GET or None, clinic=clinic)
    return form, selectors.entry_list(clinic, **form.filters())


@admin_required
def entry_list(request: HttpRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("side", 1))
    query = request.GET.copy()
    query.pop("side", None)
    page.object_list = _named(request, list(page.object_list))
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/entry_list.html", context)


def _named(request: HttpRequest, entries: list[AuditEntry]) -> list[AuditEntry]:
    """Give each entry the name of the user or patient it is about.

    A security event about a user gets that user's name as `subject`, an entry about a patient who
    still exists the patient's name as `patient_name`. The log keeps ids only; the names are looked
    up in the clinic's own users and patients, one query each for the page.
    """
    clinic = clinic_of(request.user)
    ids = {e.object_id for e in entries if e.object_type == ObjectType.USER and e.object_id}
    users = user_list(clinic).filter(pk__in=ids)
    names: dict[int | None, str] = dict(users.values_list("pk", "username"))
    patients = selectors.patient_names(clinic, {e.patient_id for e in entries if e.patient_id})
    for entry in entries:
        about_user = entry.object_type == ObjectType.USER
        entry.subject = names.get(entry.object_id, "") if about_user else ""  # type: ignore[attr-defined]
        entry.patient_name = patients.get(entry.patient_id or 0, "")  # type: ignore[attr-defined]
    return entries


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts like a formula; a username may start with + - or @.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _row(e: AuditEntry) -> list[str]:
    user = e.user.username if e.user else ""
    # The time exactly as it was hashed, so the export can be checked on its own.
    at = hashed_time(e.at)
    values = (e.pk, e.seq, e.clinic_id, at, e.user_id, user, e.action, e.object_type)
    rest = (e.object_id, e.patient_id, e.detail, e.address, e.prev_hash, e.hash)
    return [_cell(v) for v in (*values, *rest)]


@admin_required
def entry_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, streamed: a clinic's log can be long."""
    _form, entries = _filtered(request)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(CSV_COLUMNS)
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(_row(entry))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="adgangslog-{stamp}.csv"'
    response["Cache-Control"] = "no-store, private"
    return response
