"""The session note as PDF: made from the stored session, with the clinic's letterhead today.

The file name holds the session's database id and its date only: never a name or a CPR number.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone, translation
from django.utils.formats import date_format

from osteofys.documents import with_logo
from osteofys.documents.session_note import session_note_data, session_note_pdf
from osteofys.web.accounts.models import Clinic
from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.records import clinical
from osteofys.web.records.documents import SAFE
from osteofys.web.training import presenters, selectors
from osteofys.web.training.models import TrainingSession


@login_required
def session_note_download(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's journal note as PDF (Danish), logged as an export of the session."""
    clinic = clinic_of(request.user)
    # The export entry below is the log of this read (no separate view entry).
    session = selectors.session_get(clinic, session_id, log_view=False)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    today = timezone.localdate()
    content = session_note_render(session, clinic, today)
    audit.record(Action.EXPORT, session, detail=Detail.SESSION_NOTE)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{session_note_filename(session)}"'
    # Health data: not for shared caches, nor the browser's back/forward cache.
    response["Cache-Control"] = "no-store, private"
    return response


def session_note_filename(session: TrainingSession) -> str:
    return f"journalnotat-{session.pk}-{session.date.isoformat()}.pdf"


def session_note_render(session: TrainingSession, clinic: Clinic, today: date) -> bytes:
    """The note as PDF (not logged: the caller logs what it hands out)."""
    note = presenters.session_note(session)
    patient = session.patient
    with translation.override(presenters.LANG):
        born = date_format(patient.birth_date, "j. F Y")
    data = session_note_data(
        clinical.base(),
        note=dataclasses.asdict(note),
        clinic={
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "email": clinic.email,
        },
        patient={"name": patient.name, "born": born},
        printed=today,
        lang=presenters.LANG,
    )
    logo = bytes(clinic.logo) if clinic.logo else None
    return session_note_pdf(with_logo(data, logo, clinic.logo_type))
