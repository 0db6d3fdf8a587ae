"""Adherence (issue 16, item 5): sessions per week against the plan (supervised and home apart),
the flags (each on its case and not on the neighbouring one, with the knowledge base's numbers),
re-tests due, the patient list's "needs attention" order, query counts, tenancy, the access log and
a fuzzed sort parameter."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from osteofys import kb
from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import AuditEntry, Detail
from osteofys.web.progress import adherence
from osteofys.web.progress.adherence import Facts, Flag
from osteofys.web.records.models import Patient, Plan, Retest
from osteofys.web.training.models import (
    AdverseEvent,
    Attendance,
    Enrolment,
    SessionEntry,
    SessionKind,
    TrainingClass,
    TrainingSession,
)
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user

pytestmark = pytest.mark.django_db

FU = kb.load().knowledge.follow_up
LIST = reverse("records:patient_list")


def today() -> date:
    return timezone.localdate()


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def with_plan(clinic: Clinic, user: User, name: str, *, plan_days_ago: int = 30) -> Patient:
    """A patient assessed `plan_days_ago` days ago (its tests that day) with the plan it made."""
    patient = make_patient(clinic, name)
    make_assessment(patient, user, assessment_date=ago(plan_days_ago).isoformat())
    made = timezone.make_aware(datetime.combine(ago(plan_days_ago), time(12)))
    Plan.objects.filter(patient=patient).update(created_at=made)
    return patient


def session(
    patient: Patient,
    when: date,
    *,
    kind: str = SessionKind.SUPERVISED,
    attendance: str = Attendance.ATTENDED,
    clinic: Clinic | None = None,
    **entry: Any,
) -> TrainingSession:
    plan = Plan.objects.filter(patient=patient).order_by("-created_at").first()
    assert plan is not None
    found = TrainingSession.objects.create(
        clinic=clinic or patient.clinic,
        patient=patient,
        plan=plan,
        kind=kind,
        date=when,
        attendance=attendance,
        kb_version="test",
    )
    if attendance == Attendance.ATTENDED:
        item = plan.items.first()
        SessionEntry.objects.create(
            session=found, plan_item=item, exercise=item.exercise if item else "x", **entry
        )
    return found


def flags_of(patient: Patient) -> dict[Flag, adherence.Found]:
    clinic = patient.clinic
    found = adherence.adherence_get(
        clinic,
        patient,
        plan=Plan.objects.filter(patient=patient).order_by("-created_at").first(),
        last_results=_last_results(patient),
        log=False,
    )
    return {f.flag: f for f in found.flags}


def _last_results(patient: Patient) -> dict[str, date]:
    from osteofys.web.records.selectors import test_series

    return adherence.last_days(test_series(patient))


# --- planned sessions and the weeks ------------------------------------------------------------


def test_planned_sessions_come_from_the_strength_items_else_the_highest_over_items() -> None:
    item = SimpleNamespace
    squat = item(exercise="goblet_squat", domain="staerk", dose={"days_per_week": [2, 3]})
    hops = item(exercise="low_jumps", domain="staerk", dose={"days_per_week": [4, 7]})
    balance = item(exercise="x", domain="stabil", dose={"days_per_week": [7, 7]})
    # Resistance before impact (most days) and balance (daily): a session is a strength session.
    assert adherence.planned_per_week([squat, hops, balance]) == ((2, 3), True)
    assert adherence.planned_per_week([hops, balance]) == ((4, 7), True)
    assert adherence.planned_per_week([balance, item(exercise="y", domain="strakt", dose={})]) == (
        (7, 7),
        False,
    )
    assert adherence.planned_per_week([item(exercise="z", domain="staerk", dose={"sets": 2})]) == (
        None,
        False,
    )


def test_the_plans_strength_dose_is_the_knowledge_bases(clinic: Clinic, user: User) -> None:
    patient = with_plan(clinic, user, "Inger Hansen")
    plan = Plan.objects.get(patient=patient)
    impact = {e.id for e in kb.load().knowledge.exercises if e.pattern == "impact"}
    strength = [
        tuple(i.dose["days_per_week"])
        for i in plan.items.all()
        if i.domain == "staerk" and i.dose.get("days_per_week") and i.exercise not in impact
    ]
    assert strength, "the default plan has strength items with a frequency"
    assert adherence.planned_per_week(plan.items.all()) == (max(strength), True)


def test_weeks_count_supervised_and_home_sessions_apart(clinic: Clinic, user: User) -> None:
    patient = with_plan(clinic, user, "Inger Hansen", plan_days_ago=30)
    monday = today() - timedelta(days=today().weekday())
    last_week = monday - timedelta(weeks=1)
    session(patient, last_week)  # Monday, supervised
    session(patient, last_week + timedelta(days=1), kind=SessionKind.HOME)
    session(patient, last_week + timedelta(days=2), kind=SessionKind.HOME)
    session(patient, last_week + timedelta(days=3), attendance=Attendance.ABSENT)
    session(patient, monday, kind=SessionKind.HOME)
    found = adherence.adherence_get(
        clinic,
        patient,
        plan=Plan.objects.get(patient=patient),
        last_results={},
        log=False,
    )
    weeks = {w.start: w for w in found.weeks}
    assert (weeks[last_week].supervised, weeks[last_week].home, weeks[last_week].missed) == (
        1,
        2,
        1,
    )
    assert weeks[last_week].done == 3
    assert (weeks[monday].supervised, weeks[monday].home) == (0, 1)
    assert weeks[monday].current
    assert not weeks[last_week].current
    # From the plan's week (30 days ago) to this week, with the empty weeks in between.
    plan_monday = ago(30) - timedelta(days=ago(30).weekday())
    assert found.weeks[0].start == plan_monday
    assert [w.start for w in found.weeks] == [
        plan_monday + timedelta(weeks=i) for i in range(len(found.weeks))
    ]
    assert sum(w.done for w in found.weeks) == 4  # the absent session is not done


def test_a_plans_sessions_dated_before_it_was_entered_count_in_their_weeks(
    clinic: Clinic, user: User
) -> None:
    """A class that began before its participants' plans were entered: the sessions logged
    afterwards with their own (earlier) dates are the plan's course, not a gap."""
    patient = with_plan(clinic, user, "Inger Hansen", plan_days_ago=2)
    session(patient, ago(16))
    session(patient, ago(9))
    found = adherence.adherence_get(
        clinic, patient, plan=Plan.objects.get(patient=patient), last_results={}, log=False
    )
    weeks = {w.start: w.done for w in found.weeks}
    first_monday = ago(16) - timedelta(days=ago(16).weekday())
    assert found.weeks[0].start == first_monday
    assert weeks[first_monday] == 1
    assert sum(weeks.values()) == 2


def test_weeks_go_back_at_most_twelve_weeks(clinic: Clinic, user: User) -> None:
    patient = with_plan(clinic, user, "Inger Hansen", plan_days_ago=200)
    session(patient, ago(150))
    found = adherence.adherence_get(
        clinic, patient, plan=Plan.objects.get(patient=patient), last_results={}, log=False
    )
    assert len(found.weeks) == adherence.WEEKS_SHOWN
    assert sum(w.done for w in found.weeks) == 0


def test_ratings_per_session_max_pain_and_mean_effort(clinic: Clinic, user: User) -> None:
    patient = with_plan(clinic, user, "Inger Hansen")
    s = session(patient, ago(3), pain_during=2, pain_next_day=1, effort=5, difficulty="hard")
    plan = Plan.objects.get(patient=patient)
    second = plan.items.all()[1]
    SessionEntry.objects.create(
        session=s, plan_item=second, exercise=second.exercise, pain_during=4, effort=8
    )
    session(patient, ago(1), kind=SessionKind.HOME, effort=3, difficulty="easy")
    found = adherence.adherence_get(clinic, patient, plan=plan, last_results={}, log=False)
    newest, older = found.ratings
    assert (newest.when, newest.kind, newest.effort, newest.rated, newest.hard) == (
        ago(1),
        SessionKind.HOME,
        3,
        1,
        0,
    )
    assert (older.pain_during, older.pain_next_day, older.effort) == (4, 1, 6.5)
    assert (older.hard, older.rated) == (1, 1)


# --- the flags, each on its case and not on its neighbour --------------------------------------


def test_high_pain_fires_above_the_kbs_limit_within_the_window(clinic: Clinic, user: User) -> None:
    limit, window = FU.pain_flag_above, FU.inactive_days
    above = with_plan(clinic, user, "A above")
    session(above, ago(window - 1), pain_during=limit + 1)
    at = with_plan(clinic, user, "B at the limit")
    session(at, ago(1), pain_during=limit, pain_next_day=limit)
    old = with_plan(clinic, user, "C outside the window")
    session(old, ago(window), pain_during=limit + 2)
    next_day = with_plan(clinic, user, "D next day")
    session(next_day, ago(2), pain_next_day=limit + 1)
    assert flags_of(above)[Flag.HIGH_PAIN].value == limit + 1
    assert flags_of(above)[Flag.HIGH_PAIN].when == ago(window - 1)
    assert Flag.HIGH_PAIN not in flags_of(at)
    assert Flag.HIGH_PAIN not in flags_of(old)
    assert flags_of(next_day)[Flag.HIGH_PAIN].value == limit + 1


def test_inactive_after_the_kbs_days_since_the_plan_or_the_last_session(
    clinic: Clinic, user: User
) -> None:
    days = FU.inactive_days
    fresh = with_plan(clinic, user, "A plan new", plan_days_ago=days - 1)
    idle = with_plan(clinic, user, "B plan old, nothing", plan_days_ago=days)
    trained = with_plan(clinic, user, "C trained lately", plan_days_ago=60)
    session(trained, ago(days - 1), kind=SessionKind.HOME)
    stopped = with_plan(clinic, user, "D stopped", plan_days_ago=60)
    session(stopped, ago(days))
    absent = with_plan(clinic, user, "E absent only", plan_days_ago=60)
    session(absent, ago(2), attendance=Attendance.ABSENT)
    assert Flag.INACTIVE not in flags_of(fresh)
    assert flags_of(idle)[Flag.INACTIVE].days == days
    assert flags_of(idle)[Flag.INACTIVE].when is None
    assert Flag.INACTIVE not in flags_of(trained)
    assert flags_of(stopped)[Flag.INACTIVE].when == ago(days)
    assert Flag.INACTIVE in flags_of(absent)  # not attending is no activity
    nobody = make_patient(clinic, "F no plan")
    assert adherence.flags(Facts(), FU, today()) == ()
    assert Flag.INACTIVE not in {f.flag for f in flags_of_without_plan(nobody)}


def flags_of_without_plan(patient: Patient) -> tuple[adherence.Found, ...]:
    return adherence.adherence_get(
        patient.clinic, patient, plan=None, last_results={}, log=False
    ).flags


def test_a_session_before_the_plan_started_does_not_count_as_activity() -> None:
    facts = Facts(plan_start=today() - timedelta(days=20), last_active=today() - timedelta(days=30))
    (found,) = adherence.flags(facts, FU, today())
    assert (found.flag, found.days, found.when) == (Flag.INACTIVE, 20, None)


def test_a_fall_or_new_back_pain_flags_in_the_window_or_at_the_last_session(
    clinic: Clinic, user: User
) -> None:
    window = FU.inactive_days
    fell = with_plan(clinic, user, "A fell lately")
    AdverseEvent.objects.create(session=session(fell, ago(window - 1)), kind="fall")
    last = with_plan(clinic, user, "B back pain at the last session")
    AdverseEvent.objects.create(session=session(last, ago(window + 10)), kind="new_back_pain")
    since = with_plan(clinic, user, "C fell, trained since")
    AdverseEvent.objects.create(session=session(since, ago(window + 10)), kind="fall")
    session(since, ago(window + 3))
    other = with_plan(clinic, user, "D other pain")
    AdverseEvent.objects.create(session=session(other, ago(1)), kind="new_pain")
    assert flags_of(fell)[Flag.ADVERSE_EVENT].kind == "fall"
    assert flags_of(last)[Flag.ADVERSE_EVENT].kind == "new_back_pain"
    assert Flag.ADVERSE_EVENT not in flags_of(since)
    assert Flag.ADVERSE_EVENT not in flags_of(other)


def test_retest_due_and_overdue_at_the_kbs_week_boundaries(clinic: Clinic, user: User) -> None:
    low, high = FU.retest_weeks
    cases = {
        7 * low - 1: None,
        7 * low: "due",
        7 * high: "due",
        7 * high + 1: "overdue",
    }
    for days, expected in cases.items():
        facts = Facts(last_results={"tug_s": ago(days)})
        found = {f.flag: f for f in adherence.flags(facts, FU, today())}
        assert (found[Flag.RETEST_DUE].kind if Flag.RETEST_DUE in found else None) == expected
    # Any test counts: one recent test does not hide an old one.
    facts = Facts(last_results={"tug_s": ago(1), "grip_kg": ago(7 * low)})
    due = adherence.retest_due(facts, FU, today())
    assert due is not None
    assert due.tests == (("grip_kg", ago(7 * low)),)


def test_changing_the_kbs_interval_changes_the_result(
    clinic: Clinic, user: User, logged_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    low, _high = FU.retest_weeks
    patient = with_plan(clinic, user, "Inger Hansen", plan_days_ago=7 * low - 7)
    session(patient, ago(1))
    assert Flag.RETEST_DUE not in flags_of(patient)
    assert "Gentest forfalden" not in logged_in.get(LIST).content.decode()
    shorter = dataclasses.replace(FU, retest_weeks=(low - 3, low - 2))
    monkeypatch.setattr(adherence, "follow_up", lambda: shorter)
    assert flags_of(patient)[Flag.RETEST_DUE].kind == "overdue"
    html = logged_in.get(LIST).content.decode()
    assert f"Gentest forfalden (over {low - 2} uger)" in html


def test_changing_the_kbs_pain_limit_changes_the_flag(
    clinic: Clinic, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = with_plan(clinic, user, "Inger Hansen")
    session(patient, ago(1), pain_during=FU.pain_flag_above)
    assert Flag.HIGH_PAIN not in flags_of(patient)
    lower = dataclasses.replace(FU, pain_flag_above=FU.pain_flag_above - 1)
    monkeypatch.setattr(adherence, "follow_up", lambda: lower)
    assert flags_of(patient)[Flag.HIGH_PAIN].value == FU.pain_flag_above


def _class(clinic: Clinic, user: User, start: date, weeks: int) -> TrainingClass:
    return TrainingClass.objects.create(
        clinic=clinic,
        name="Knogleskolen",
        weekdays=[start.isoweekday()],
        start_time=time(10),
        start_date=start,
        weeks=weeks,
        created_by=user,
    )


def test_a_class_that_ended_without_an_end_test_makes_a_retest_due(
    clinic: Clinic, user: User
) -> None:
    ended = _class(clinic, user, ago(7 * 3 + 1), 3)  # last session 8 days ago
    running = _class(clinic, user, ago(7), 4)
    untested = with_plan(clinic, user, "A untested", plan_days_ago=30)
    tested = with_plan(clinic, user, "B tested on the day", plan_days_ago=30)
    left = with_plan(clinic, user, "C left the class", plan_days_ago=30)
    on_running = with_plan(clinic, user, "D on a running class", plan_days_ago=7)
    last_day = ago(8)
    for p in (untested, tested, left):
        Enrolment.objects.create(
            clinic=clinic,
            training_class=ended,
            patient=p,
            enrolled_on=ago(22),
            left_on=ago(15) if p is left else None,
        )
    Enrolment.objects.create(
        clinic=clinic, training_class=running, patient=on_running, enrolled_on=ago(7)
    )
    Retest.objects.create(
        clinic=clinic, patient=tested, test="tug_s", date=last_day, value=9.0, created_by=user
    )
    due = flags_of(untested)[Flag.RETEST_DUE].retest
    assert due is not None
    assert due.classes == (("Knogleskolen", last_day),)
    assert due.tests == ()  # the tests themselves are a month old
    assert Flag.RETEST_DUE not in flags_of(tested)
    assert Flag.RETEST_DUE not in flags_of(left)
    assert Flag.RETEST_DUE not in flags_of(on_running)


def test_flags_come_in_order_of_severity() -> None:
    facts = Facts(
        plan_start=today() - timedelta(days=60),
        pain_max=FU.pain_flag_above + 2,
        pain_date=today() - timedelta(days=1),
        events=(("fall", today() - timedelta(days=1)),),
        last_results={"tug_s": today() - timedelta(days=200)},
    )
    found = adherence.flags(facts, FU, today())
    assert [f.flag for f in found] == list(adherence.SEVERITY)
    assert adherence.rank(found) == 0
    assert adherence.rank(found[1:]) == 1
    assert adherence.rank(()) == len(adherence.SEVERITY)


# --- the patient page ---------------------------------------------------------------------------


def _page(client: Client, patient: Patient) -> str:
    response = client.get(reverse("records:patient_detail", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_patient_page_shows_weeks_ratings_and_flags_in_words(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = with_plan(clinic, user, "Inger Hansen", plan_days_ago=40)
    session(patient, ago(3), pain_during=FU.pain_flag_above + 2, effort=6)
    session(patient, ago(2), kind=SessionKind.HOME, effort=4)
    AdverseEvent.objects.create(session=session(patient, ago(1)), kind="fall")
    html = _page(logged_in, patient)
    block = html[html.index('id="training-title"') : html.index('id="charts-title"')]
    assert "Træningsforløb" in block
    assert "Træninger pr. uge" in block
    assert "Superviseret" in block
    assert "Hjemme" in block
    assert "(styrkeøvelsernes dosis)" in block
    assert f"Smerte {FU.pain_flag_above + 2}/10 (over grænsen {FU.pain_flag_above}/10)" in block
    assert "Fald ved træningen" in block
    assert block.index("Hændelse") < block.index("Høj smerte")  # the most severe first
    assert "data-chart" in block  # the pain and effort chart, with its words
    assert "Graf over smerte og anstrengelse i 2 træninger" in block  # the third has no rating


def test_the_patient_page_without_training_says_so(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    html = _page(logged_in, patient)
    assert "Ingen træning registreret endnu." in html


def test_the_patient_page_logs_the_adherence_read(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = with_plan(clinic, user, "Inger Hansen")
    session(patient, ago(1))
    before = AuditEntry.objects.filter(detail=Detail.ADHERENCE).count()
    _page(logged_in, patient)
    entries = AuditEntry.objects.filter(detail=Detail.ADHERENCE)
    assert entries.count() == before + 1
    entry = entries.order_by("-seq").first()
    assert entry is not None
    assert (entry.patient_id, entry.user_id, entry.clinic_id) == (patient.pk, user.pk, clinic.pk)
    # A patient without a plan or a session has no training to show: no adherence entry.
    _page(logged_in, make_patient(clinic, "Uden Plan"))
    assert AuditEntry.objects.filter(detail=Detail.ADHERENCE).count() == before + 1


def test_patient_page_query_count_with_training(
    logged_in: Client, clinic: Clinic, user: User, django_assert_max_num_queries: Any
) -> None:
    patient = with_plan(clinic, user, "Inger Hansen", plan_days_ago=80)
    for day in range(1, 60, 2):
        s = session(patient, ago(day), pain_during=day % 8, effort=5)
        if day % 10 == 1:
            AdverseEvent.objects.create(session=s, kind="other")
    # The page before issue 16 took 16 (test_views); the training block adds 6 (the patient's
    # facts, the classes, the weeks' sessions with their ratings, and 3 for its access-log
    # entry) and the session list (helper "sessions") 4.
    with django_assert_max_num_queries(26):
        html = _page(logged_in, patient)
    assert "Træninger pr. uge" in html


# --- the patient list -----------------------------------------------------------------------------


def _row_names(html: str) -> list[str]:
    return re.findall(r'class="row-link" href="[^"]*">([^<]*)</a>', html)


def _attention_world(clinic: Clinic, user: User) -> dict[str, Patient]:
    """One patient per flag and one without, named so that by name the flagged come last."""
    low, _ = FU.retest_weeks
    quiet = with_plan(clinic, user, "Anna Quiet", plan_days_ago=3)
    retest = with_plan(clinic, user, "Wenche Retest", plan_days_ago=7 * low + 1)
    session(retest, ago(1))
    fall = with_plan(clinic, user, "Zenia Fall", plan_days_ago=3)
    AdverseEvent.objects.create(session=session(fall, ago(1)), kind="fall")
    pain = with_plan(clinic, user, "Xenia Pain", plan_days_ago=3)
    session(pain, ago(1), pain_during=FU.pain_flag_above + 1)
    idle = with_plan(clinic, user, "Yrsa Idle", plan_days_ago=FU.inactive_days + 1)
    return {"quiet": quiet, "retest": retest, "fall": fall, "pain": pain, "idle": idle}


def test_the_attention_sort_puts_the_flagged_first_by_severity(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    _attention_world(clinic, user)
    by_name = _row_names(logged_in.get(LIST).content.decode())
    assert by_name == ["Anna Quiet", "Wenche Retest", "Xenia Pain", "Yrsa Idle", "Zenia Fall"]
    html = logged_in.get(LIST, {"sorter": "opmaerksomhed"}).content.decode()
    assert _row_names(html) == [
        "Zenia Fall",
        "Xenia Pain",
        "Yrsa Idle",
        "Wenche Retest",
        "Anna Quiet",
    ]
    assert 'aria-current="true">Kræver opmærksomhed</a>' in html
    assert "Gentest forfalden" in html
    assert "Fald " in html
    assert f"Smerte {FU.pain_flag_above + 1}/10" in html
    assert f"Ingen træning i {FU.inactive_days + 1} dage" in html


def test_the_list_shows_the_same_flags_in_either_order_and_on_the_page(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    world = _attention_world(clinic, user)
    patients = Patient.objects.filter(clinic=clinic)
    _order, sorted_flags = adherence.attention_order(clinic, patients, today())
    from osteofys.web.records.selectors import patient_list

    page = patient_list(clinic)
    for p in page.object_list:
        assert p.flags == sorted_flags[p.pk], p.name
        assert tuple(f.flag for f in p.flags) == tuple(flags_of(p))
    assert [f.flag for f in sorted_flags[world["quiet"].pk]] == []


def test_the_sort_survives_search_and_paging(logged_in: Client, clinic: Clinic, user: User) -> None:
    _attention_world(clinic, user)
    rows = logged_in.post(LIST, {"q": "ia", "sorter": "opmaerksomhed"}, HTTP_HX_REQUEST="true")
    assert _row_names(rows.content.decode()) == ["Zenia Fall", "Xenia Pain"]
    assert rows["HX-Push-Url"] == f"{LIST}?q=ia&sorter=opmaerksomhed"
    plain = logged_in.post(LIST, {"q": "ia", "sorter": "opmaerksomhed"})
    assert plain.status_code == 302
    assert plain["Location"] == f"{LIST}?q=ia&sorter=opmaerksomhed"
    page = logged_in.get(LIST, {"q": "ia", "sorter": "opmaerksomhed"}).content.decode()
    assert 'name="sorter" value="opmaerksomhed"' in page


def test_the_sorted_list_pages_25_at_a_time(logged_in: Client, clinic: Clinic, user: User) -> None:
    for i in range(30):
        make_patient(clinic, f"Patient {i:02d}")
    flagged = with_plan(clinic, user, "Zz Flagged", plan_days_ago=FU.inactive_days)
    first = logged_in.get(LIST, {"sorter": "opmaerksomhed"}).content.decode()
    names = _row_names(first)
    assert names[0] == flagged.name
    assert len(names) == 25
    assert "side=2&amp;q=&amp;sorter=opmaerksomhed" in first
    second = logged_in.get(LIST, {"sorter": "opmaerksomhed", "side": 2}).content.decode()
    assert len(_row_names(second)) == 6
    assert not set(_row_names(second)) & set(names)


def test_sorted_patient_list_query_count_with_20_patients(
    logged_in: Client, clinic: Clinic, user: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(20):
        p = with_plan(clinic, user, f"Patient {i:02d}", plan_days_ago=i * 5)
        if i % 3 == 0:
            s = session(p, ago(i), pain_during=i % 9, effort=5)
            AdverseEvent.objects.create(session=s, kind="fall" if i % 2 else "new_pain")
    with django_assert_max_num_queries(12):
        sorted_ = logged_in.get(LIST, {"sorter": "opmaerksomhed"})
    with django_assert_max_num_queries(12):
        by_name = logged_in.get(LIST)
    assert len(_row_names(sorted_.content.decode())) == 20
    assert sorted(_row_names(by_name.content.decode())) == sorted(
        _row_names(sorted_.content.decode())
    )


# --- tenancy -------------------------------------------------------------------------------------


def test_nothing_from_another_clinics_sessions_ever_counts(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = with_plan(clinic, user, "Inger Hansen", plan_days_ago=FU.inactive_days + 5)
    other = make_clinic("Klinik B")
    # Rows that name this patient but belong to another clinic (as a corrupt import could):
    # they are never read as this patient's training.
    stray = session(patient, ago(1), clinic=other, pain_during=10)
    AdverseEvent.objects.create(session=stray, kind="fall")
    found = flags_of(patient)
    assert Flag.HIGH_PAIN not in found
    assert Flag.ADVERSE_EVENT not in found
    assert Flag.INACTIVE in found
    page = adherence.adherence_get(
        clinic, patient, plan=Plan.objects.get(patient=patient), last_results={}, log=False
    )
    assert sum(w.done for w in page.weeks) == 0
    assert page.ratings == ()
    html = logged_in.get(LIST, {"sorter": "opmaerksomhed"}).content.decode()
    assert "Fald " not in html


def test_another_clinics_patient_is_a_404(clinic: Clinic, user: User) -> None:
    other = make_clinic("Klinik B")
    stranger = with_plan(other, make_user(other, "bo"), "Bo Fremmed")
    with pytest.raises(Http404):
        adherence.adherence_get(clinic, stranger, plan=None, last_results={}, log=False)
    mine = with_plan(clinic, user, "Inger Hansen")
    with pytest.raises(Http404):  # a plan of another patient
        adherence.adherence_get(
            clinic, mine, plan=Plan.objects.get(patient=stranger), last_results={}, log=False
        )


def test_another_clinics_patients_never_enter_the_sort(clinic: Clinic, user: User) -> None:
    other = make_clinic("Klinik B")
    stranger = with_plan(other, make_user(other, "bo"), "Bo Fremmed")
    AdverseEvent.objects.create(session=session(stranger, ago(1)), kind="fall")
    mine = with_plan(clinic, user, "Inger Hansen")
    order, found = adherence.attention_order(clinic, Patient.objects.all(), today())
    assert order == [mine.pk]
    assert stranger.pk not in found


# --- fuzz ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "opmaerksomhed",
        "OPMAERKSOMHED",
        "navn",
        "opmærksomhed",
        "x" * 5000,
        "' OR 1=1 --",
        "\x00",
        "%00",
        "<script>",
        "-1",
        "1e309",
    ],
)
def test_the_sort_parameter_never_fails(
    logged_in: Client, clinic: Clinic, user: User, value: str
) -> None:
    with_plan(clinic, user, "Inger Hansen")
    response = logged_in.get(LIST, {"sorter": value, "side": value})
    assert response.status_code == 200
    posted = logged_in.post(LIST, {"sorter": value, "q": "Inger"}, HTTP_HX_REQUEST="true")
    assert posted.status_code == 200
    # Only the two known orders are ever linked or carried on: the value is never echoed.
    html = response.content.decode()
    nav = html[html.index('<nav class="list-sort"') :]
    nav = nav[: nav.index("</nav>")]
    assert set(re.findall(r"sorter=([^\"&]*)", nav)) == {"opmaerksomhed"}
    assert set(re.findall(r'name="sorter" value="([^"]*)"', html)) <= {"opmaerksomhed"}


def test_the_facts_read_a_patients_sessions_by_the_patient_index(clinic: Clinic) -> None:
    """The attention order reads every patient's facts: each subquery must use the patient's
    index on sessions, not the clinic's (which read all the clinic's sessions once per patient:
    30 s for 2,000 patients)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    make_patient(clinic)
    rows = (
        Patient.objects.filter(clinic=clinic)
        .order_by()
        .values("pk")
        .annotate(**adherence.fact_annotations(clinic, today(), FU))
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[-1] for row in cursor.fetchall()]
    assert any("training_tr_patient" in step for step in plan), plan
    assert not [step for step in plan if "training_tr_clinic" in step], plan


def test_the_event_kinds_are_the_cores_and_its_stop_events_flag() -> None:
    """One vocabulary: the form's event kinds are the events the progression rules read, and the
    adherence flag fires on the events that stop an exercise there (rule stop_event)."""
    from osteofys.rules import progress
    from osteofys.web.training.models import EventKind

    assert set(EventKind.values) == {e.value for e in progress.Event}
    assert set(adherence.STOP_EVENTS) == {"fall", "new_back_pain"}
