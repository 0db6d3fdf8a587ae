"""The class report (PDF): schedule, attendance and each participant's test changes.

Made from what is stored: the schedule, the sessions logged in the class and the re-tests of the
first and the last session date. Every participant printed is logged (an export of their data,
detail "holdrapport"). The file name holds the class's id and the date only, never a name.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.translation import gettext as _

from osteofys.documents.class_report import (
    UNABLE,
    ClassReport,
    ReportParticipant,
    class_report_data,
    class_report_pdf,
)
from osteofys.documents.render import with_logo
from osteofys.web.accounts.models import Clinic
from osteofys.web.accounts.selectors import clinic_of
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action, Detail
from osteofys.web.classes import presenters, selectors
from osteofys.web.classes.forms import TEST_DAY_TESTS
from osteofys.web.records import clinical
from osteofys.web.records.models import Retest
from osteofys.web.training.models import Attendance, TrainingClass

SAFE = ["GET", "HEAD"]


def labels() -> dict[str, str]:
    """The report's words, in the UI language ({name}, {day}, {version}... filled in later)."""
    return {
        "title": _("Holdrapport: {name}"),
        "therapist": _("Terapeut"),
        "schedule": _("Skema"),
        "period": _("Periode"),
        "location": _("Sted"),
        "participants": _("Deltagere nu"),
        "attendance_heading": _("Fremmøde"),
        "attendance_note": _(
            "Antal af holdets gange, hver deltager er registreret som mødt, meldt afbud eller"
            " udeblevet, ud af holdets gange frem til en eventuel udmelding."
        ),
        "participant": _("Deltager"),
        "attended": _("Mødt"),
        "excused": _("Afbud"),
        "absent": _("Udeblevet"),
        "planned": _("Planlagt"),
        "share": _("Fremmøde"),
        "left_on": _("udmeldt {day}"),
        "no_participants": _("Ingen deltagere."),
        "tests_heading": _("Test ved start og slut"),
        "test_days": _(
            "Første testdag {first}, sidste testdag {last}. En ændring er kun reel, når den er"
            " større end testens mindste påviselige ændring (MDC95); ellers er den inden for"
            " måleusikkerheden."
        ),
        "before": _("Start"),
        "after": _("Slut"),
        "change": _("Ændring"),
        "verdict": _("Vurdering"),
        "source": _("kilde"),
        "sources_heading": _("Kilder"),
        "unable": _("kunne ikke"),
        "no_results": _("Ingen testresultater fra testdagene endnu."),
        "footer": _("Lavet med OsteoFys · videnbase {version} · {date}"),
        "page": _("Side"),
        "of": _("af"),
        "phone": _("Tlf."),
        "email": _("E-mail"),
    }


def _value(retest: Retest | None) -> float | str | None:
    if retest is None:
        return None
    return UNABLE if retest.unable else retest.value


def class_report_render(training_class: TrainingClass, clinic: Clinic, today: date) -> bytes:
    """The report as handed out; every participant in it is logged as an export."""
    dates = selectors.class_dates(training_class)
    days = selectors.test_days(dates)
    people = selectors.participants(
        training_class, include_left=True, log=Action.EXPORT, detail=Detail.CLASS_REPORT
    )
    ids = [p.patient.pk for p in people]
    first = selectors.day_retests(ids, days[0]) if days else {}
    last = selectors.day_retests(ids, days[-1]) if len(days) > 1 else {}
    counts = selectors.attendance_counts(training_class)
    therapist = training_class.therapist

    def planned(p: selectors.Participant) -> int:
        # A session registered after leaving (an absence noted ahead) was planned for them too.
        registered = sum(counts.get(p.patient.pk, {}).values())
        return max(selectors.planned_for(p.enrolment, dates), registered)

    report = ClassReport(
        clinic={
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "email": clinic.email,
        },
        name=training_class.name,
        therapist=(therapist.get_full_name() or therapist.username) if therapist else "",
        schedule=presenters.schedule_text(training_class, dates, span=False),
        location=training_class.location,
        first_day=dates[0] if dates else None,
        last_day=dates[-1] if dates else None,
        planned=len(dates),
        tests=[str(t) for t in TEST_DAY_TESTS],
        participants=[
            ReportParticipant(
                name=p.patient.name,
                attended=counts.get(p.patient.pk, {}).get(Attendance.ATTENDED, 0),
                excused=counts.get(p.patient.pk, {}).get(Attendance.EXCUSED, 0),
                absent=counts.get(p.patient.pk, {}).get(Attendance.ABSENT, 0),
                planned=planned(p),
                left_on=p.enrolment.left_on,
                results={
                    str(t): (
                        _value(first.get((p.patient.pk, t))),
                        _value(last.get((p.patient.pk, t))),
                    )
                    for t in TEST_DAY_TESTS
                },
            )
            for p in people
        ],
        today=today,
        labels=labels(),
    )
    # The report itself (the class), besides each participant printed.
    audit.record(Action.EXPORT, training_class, detail=Detail.CLASS_REPORT)
    data = class_report_data(clinical.base(), report, clinical.lang())
    logo = bytes(clinic.logo) if clinic.logo else None
    return class_report_pdf(with_logo(data, logo, clinic.logo_type))


@login_required
def class_report(request: HttpRequest, class_id: int) -> HttpResponse:
    clinic = clinic_of(request.user)
    training_class = selectors.class_get(clinic, class_id)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    today = timezone.localdate()
    content = class_report_render(training_class, clinic, today)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"holdrapport-{training_class.pk}-{today.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response
