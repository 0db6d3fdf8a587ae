"""Progression suggestions on the plan page (issue 16, item 2): shown with reason and source,
accepted (the item changes, the decision keeps the old dose) or declined with a reason, refused
when stale or over a cap, scoped to the clinic, logged, bounded in queries, and never a 500."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteofys.rules.plan import within
from osteofys.rules.progress import Step
from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import AuditEntry
from osteofys.web.progress import selectors, services
from osteofys.web.records import clinical
from osteofys.web.records import services as records_services
from osteofys.web.records.models import Plan, PlanItem
from osteofys.web.training import services as training_services
from osteofys.web.training.models import Attendance, ProgressionDecision
from osteofys.web.training.services import EntryData, EventData
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)
HX = {"HTTP_HX_REQUEST": "true"}
# A woman who trains 3 days a week for two years: training-active, so the next levels of the
# strength families are in her exercise set (a stricter set blocks them: see the cap tests).
ACTIVE = {"function__training_days_per_week": 3, "function__training_months": 24}


def make_plan(clinic: Clinic, user: User, name: str = "Inger Hansen", **changes: Any) -> Plan:
    patient = make_patient(clinic, name)
    return make_assessment(patient, user, **{**ACTIVE, **changes}).plans.get()


def item_of(plan: Plan, exercise: str) -> PlanItem:
    return plan.items.get(exercise=exercise)


def top(item: PlanItem, **changes: Any) -> EntryData:
    """Every prescribed set at the top of the range, technique checked, effort within the limit."""
    dose = item.dose
    values: dict[str, Any] = {
        "plan_item_id": item.pk,
        "sets": dose.get("sets") or 1,
        "effort": 6,
        "technique_ok": True,
    }
    if "reps" in dose:
        values["reps"] = dose["reps"][1]
    elif "hold_s" in dose:
        values["hold_s"] = dose["hold_s"][1]
    elif "minutes" in dose:
        values["minutes"] = dose["minutes"][1]
    elif "impacts" in dose:
        values["reps"] = dose["impacts"]
    return EntryData(**{**values, **changes})


def log(
    plan: Plan,
    user: User,
    when: date,
    entries: list[EntryData] | None = None,
    events: list[EventData] | None = None,
) -> Any:
    """A supervised session through the sessions helper's service (entries copied from the plan)."""
    plan = Plan.objects.get(pk=plan.pk)
    return training_services.session_save(
        patient=plan.patient,
        plan=plan,
        user=user,
        when=when,
        attendance=Attendance.ATTENDED,
        entries=entries if entries is not None else [top(i) for i in plan.items.all()],
        events=events or [],
    )


def two_good_sessions(plan: Plan, user: User) -> Any:
    log(plan, user, DAY)
    return log(plan, user, DAY + timedelta(days=3))


def plan_url(plan: Plan) -> str:
    return reverse("records:plan_detail", args=[plan.pk])


def accept_url(plan: Plan, item: PlanItem) -> str:
    return reverse("progress:progression_accept", args=[plan.pk, item.pk])


def decline_url(plan: Plan, item: PlanItem) -> str:
    return reverse("progress:progression_decline", args=[plan.pk, item.pk])


def shown_for(plan: Plan, item: PlanItem) -> selectors.Shown:
    found = selectors.suggestion_for(Plan.objects.get(pk=plan.pk), item.pk)
    assert found is not None
    return found


def posted(plan: Plan, item: PlanItem, **extra: Any) -> dict[str, Any]:
    plan.refresh_from_db()
    return {"key": shown_for(plan, item).key, "version": plan.version, **extra}


@pytest.fixture
def plan(clinic: Clinic, user: User) -> Plan:
    return make_plan(clinic, user)


def swap(plan: Plan, old: str, new: str) -> PlanItem:
    """The plan with `new` in place of `old`, through the plan page's own services."""
    records_services.plan_item_remove(plan=plan, item_id=plan.items.get(exercise=old).pk)
    return records_services.plan_item_add(plan=Plan.objects.get(pk=plan.pk), exercise_id=new)


@pytest.fixture
def squat(plan: Plan) -> PlanItem:
    """A squat one level below the top of this set: its next level is a move the plan allows.

    (A new plan starts each family at the highest level the caps and tests allow, so its own items
    have no next level yet; the therapist chose an easier one here.)
    """
    return swap(plan, "goblet_squat", "squat_to_chair")


# --- shown -------------------------------------------------------------------------------


def test_two_good_sessions_at_the_top_of_the_range_suggest_the_next_level_with_reason_and_source(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    shown = shown_for(plan, squat)
    assert shown.suggestion.step is Step.NEXT_LEVEL
    assert shown.suggestion.level == squat.level + 1
    html = logged_in.get(plan_url(plan)).content.decode()
    card = re.search(rf'<article [^>]*id="suggestion-{squat.pk}".*?</article>', html, re.S)
    assert card is not None, html
    text = card[0]
    base = clinical.base()
    assert "Næste niveau" in text
    # The reason from the knowledge base, with the numbers of the log, and its sources.
    assert "i 2 sessioner i træk" in text
    assert base.texts.exercise_name(shown.suggestion.exercise, "da") in text
    for source in shown.suggestion.sources:
        assert f">{source}</a>" in text
    assert "DERIVED" in text
    # Now → proposed with the level in words.
    assert f"trin {squat.level} af" in text
    assert f"trin {squat.level + 1} af" in text
    assert "Acceptér" in text
    assert "Afvis" in text
    assert 'name="reason"' in text
    assert "required" in text


def test_no_sessions_no_suggestions_and_no_history(logged_in: Client, plan: Plan) -> None:
    html = logged_in.get(plan_url(plan)).content.decode()
    assert 'id="progression"' in html  # the place the block is swapped into
    assert "progression-card" not in html
    assert re.search(r'<section[^>]*id="plan-history"[^>]*hidden', html)


def test_an_absent_session_has_no_entries_and_so_no_suggestion(plan: Plan, user: User) -> None:
    log(plan, user, DAY)
    training_services.session_save(
        patient=plan.patient,
        plan=plan,
        user=user,
        when=DAY + timedelta(days=3),
        attendance=Attendance.ABSENT,
        entries=[],
    )
    assert selectors.suggestions_for(plan) == [] or all(
        s.suggestion.step is not Step.NEXT_LEVEL for s in selectors.suggestions_for(plan)
    )


# --- accept ------------------------------------------------------------------------------


def test_accept_changes_the_item_and_the_decision_keeps_the_old_exercise_and_dose(
    logged_in: Client, clinic: Clinic, plan: Plan, user: User, squat: PlanItem
) -> None:
    session = two_good_sessions(plan, user)
    old = (squat.exercise, squat.level, dict(squat.dose))
    shown = shown_for(plan, squat)
    data = posted(plan, squat)
    version = plan.version
    response = logged_in.post(accept_url(plan, squat), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"{plan_url(plan)}#progression")
    squat.refresh_from_db()
    target = clinical.base().knowledge.exercise(shown.suggestion.exercise)
    assert squat.exercise == target.id
    assert squat.level == old[1] + 1
    assert squat.family == "sit_to_stand"
    assert squat.dose == shown.suggestion.dose.as_dict()
    assert squat.domain == target.domain.value
    decision = ProgressionDecision.objects.get(plan_item=squat)
    assert decision.decision == "accepted"
    assert (decision.from_exercise, decision.from_level, decision.from_dose) == old
    assert (decision.to_exercise, decision.to_level, decision.to_dose) == (
        squat.exercise,
        squat.level,
        squat.dose,
    )
    assert decision.session_id == session.pk
    assert decision.rule == "next_level"
    assert decision.decided_by == user
    assert decision.patient_id == plan.patient_id
    plan.refresh_from_db()
    assert plan.version == version + 1
    # The card is gone; the history shows the change with who and the old dose.
    page = logged_in.get(plan_url(plan)).content.decode()
    assert f'id="suggestion-{squat.pk}"' not in page
    history = re.search(r'<section[^>]*id="plan-history".*?</section>', page, re.S)[0]
    assert "Planens historik" in history
    assert "Kim Fysio" in history
    assert "Accepteret" in history
    base = clinical.base()
    assert base.texts.exercise_name(old[0], "da") in history
    assert base.texts.exercise_name(squat.exercise, "da") in history
    assert "2 × 8–12 gentagelser" in history


def test_the_streak_counts_again_after_an_accepted_move(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    assert logged_in.post(accept_url(plan, squat), posted(plan, squat)).status_code == 302
    squat.refresh_from_db()
    # One good session on the new level is not yet two in a row: no new move up.
    log(plan, user, DAY + timedelta(days=7))
    found = selectors.suggestion_for(Plan.objects.get(pk=plan.pk), squat.pk)
    assert found is None or found.suggestion.step is not Step.NEXT_LEVEL


def test_accept_in_place_answers_with_the_block_the_changed_domain_and_the_new_version(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    response = logged_in.post(accept_url(plan, squat), posted(plan, squat), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith("<section")
    assert 'id="progression"' in html
    assert 'id="plan-history" aria-labelledby="plan-history-title" hx-swap-oob="true"' in html
    assert 'id="domain-staerk"' in html
    assert 'id="plan-add"' in html  # the old exercise may be added again
    assert "Forslaget er accepteret." in html
    plan.refresh_from_db()
    event = json.loads(response["HX-Trigger"])["osteofys:plan-version"]["version"]
    assert event == plan.version


def test_more_load_keeps_the_exercise_and_is_noted(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    # An external load below this plan's load cap (heavy): more load is the suggestion.
    plan = make_plan(clinic, user)
    assert plan.caps["load"] == "heavy"
    loaded = [
        i
        for i in plan.items.all()
        if (e := clinical.base().knowledge.exercise(i.exercise)) and e.load in {"light", "moderate"}
    ]
    assert loaded, "the plan has an exercise with an external load"
    item = loaded[0]
    two_good_sessions(plan, user)
    shown = shown_for(plan, item)
    assert shown.suggestion.step is Step.MORE_LOAD
    html = logged_in.get(plan_url(plan)).content.decode()
    card = re.search(rf'id="suggestion-{item.pk}".*?</article>', html, re.S)[0]
    assert "Mere belastning" in card
    assert "Tungere:" in card
    before = dict(item.dose)
    assert logged_in.post(accept_url(plan, item), posted(plan, item)).status_code == 302
    item.refresh_from_db()
    assert item.exercise == shown.item.exercise
    assert item.dose == before
    decision = ProgressionDecision.objects.get(plan_item=item)
    assert decision.step == "more_load"
    assert decision.from_dose == before


# --- decline -----------------------------------------------------------------------------


def test_decline_needs_a_reason_and_then_keeps_the_item_and_hides_the_card_until_a_new_session(
    logged_in: Client, clinic: Clinic, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    before = (squat.exercise, squat.level, dict(squat.dose))
    for reason in ("", "   "):
        response = logged_in.post(decline_url(plan, squat), posted(plan, squat, reason=reason))
        assert response.status_code == 400
        html = response.content.decode()
        assert "Skriv en begrundelse for at afvise forslaget" in html
        assert f'id="suggestion-{squat.pk}"' in html
    assert not ProgressionDecision.objects.exists()
    # In place, too: the block with the message on the card, the reason box open.
    response = logged_in.post(decline_url(plan, squat), posted(plan, squat, reason=""), **HX)
    assert response.status_code == 400
    assert "Skriv en begrundelse" in response.content.decode()
    assert "<html" not in response.content.decode()

    response = logged_in.post(
        decline_url(plan, squat), posted(plan, squat, reason="Knæet gør ondt i dybe squat.")
    )
    assert response.status_code == 302
    squat.refresh_from_db()
    assert (squat.exercise, squat.level, squat.dose) == before
    decision = ProgressionDecision.objects.get()
    assert decision.decision == "declined"
    assert decision.reason == "Knæet gør ondt i dybe squat."
    assert decision.from_dose == before[2]
    assert decision.to_exercise != before[0]  # what was proposed
    page = logged_in.get(plan_url(plan)).content.decode()
    assert f'id="suggestion-{squat.pk}"' not in page
    assert "Afvist" in page
    assert "Knæet gør ondt i dybe squat." in page
    # A new good session: the suggestion comes back.
    log(plan, user, DAY + timedelta(days=6))
    page = logged_in.get(plan_url(plan)).content.decode()
    assert f'id="suggestion-{squat.pk}"' in page


def test_a_too_long_reason_is_refused_with_the_limit(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    response = logged_in.post(decline_url(plan, squat), posted(plan, squat, reason="x" * 2001))
    assert response.status_code == 400
    assert "højst være 2000 tegn" in response.content.decode()
    assert not ProgressionDecision.objects.exists()


# --- stale -------------------------------------------------------------------------------


def test_a_key_from_before_a_new_session_is_refused_in_danish_and_nothing_is_written(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    data = posted(plan, squat)
    # Meanwhile a session with pain is logged: the suggestion is another one now.
    log(plan, user, DAY + timedelta(days=6), [top(squat, pain_during=8)])
    before = PlanItem.objects.get(pk=squat.pk)
    for url in (accept_url(plan, squat), decline_url(plan, squat)):
        response = logged_in.post(url, {**data, "reason": "Nej"})
        assert response.status_code == 409
        assert "Forslaget er ikke længere aktuelt" in response.content.decode()
        in_place = logged_in.post(url, {**data, "reason": "Nej"}, **HX)
        assert in_place.status_code == 409
        assert "ikke længere aktuelt" in in_place.content.decode()
    squat.refresh_from_db()
    assert (squat.exercise, squat.dose) == (before.exercise, before.dose)
    assert not ProgressionDecision.objects.exists()


def test_a_plan_changed_since_the_page_was_loaded_is_a_conflict_not_an_overwrite(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    data = posted(plan, squat)
    other = plan.items.exclude(pk=squat.pk).first()
    records_services.plan_item_dose(
        plan=Plan.objects.get(pk=plan.pk), item_id=other.pk, dose={"sets": 1}
    )
    response = logged_in.post(accept_url(plan, squat), data)
    assert response.status_code == 409
    assert "En anden har gemt en ændring" in response.content.decode()
    assert not ProgressionDecision.objects.exists()
    squat.refresh_from_db()
    assert squat.level == shown_for(plan, squat).item.level


def test_a_key_that_was_never_shown_is_refused(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    data = posted(plan, squat)
    data["key"] = data["key"].replace("next_level", "more_load")
    response = logged_in.post(accept_url(plan, squat), data)
    assert response.status_code == 409
    assert not ProgressionDecision.objects.exists()


# --- caps ----------------------------------------------------------------------------------


def test_a_next_level_over_a_cap_is_suggested_as_stay_with_the_cap_named(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    # After a vertebral fracture R-SAFE-4 caps impact at walking: brisk walking's next level
    # (intervals of jogging, moderate impact) is over it, so two good sessions say "stay".
    plan = make_plan(
        clinic, user, fractures=[{"site": "vertebra", "date": "2023-01-10", "low_energy": True}]
    )
    assert plan.caps["impact"] == "walking"
    walk = plan.items.get(family="brisk_walk")
    knowledge = clinical.base().knowledge
    levels = next(f for f in knowledge.families if f.id == "brisk_walk").levels
    higher = knowledge.exercise(levels[levels.index(walk.exercise) + 1])
    assert not within(higher, records_services.plan_caps(plan))
    two_good_sessions(plan, user)
    shown = shown_for(plan, walk)
    assert shown.suggestion.step is Step.STAY
    assert "impact" in shown.suggestion.blocked_by
    assert shown.suggestion.exercise == walk.exercise
    html = logged_in.get(plan_url(plan)).content.decode()
    card = re.search(rf'id="suggestion-{walk.pk}".*?</article>', html, re.S)[0]
    assert "Bliv på niveauet" in card
    assert "Næste skridt er spærret af loftet for stød (R-SAFE-4)." in card
    # Accepting it records the decision and changes nothing; it is not shown again until the
    # item changes, even after more sessions.
    before = (walk.exercise, dict(walk.dose))
    assert logged_in.post(accept_url(plan, walk), posted(plan, walk)).status_code == 302
    walk.refresh_from_db()
    assert (walk.exercise, walk.dose) == before
    log(plan, user, DAY + timedelta(days=6))
    assert shown_or_none(plan, walk) is None


def test_the_service_refuses_a_change_over_a_cap_even_if_the_core_proposed_it(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: a (hypothetically wrong) suggestion that crosses a cap is not written."""
    plan.caps = {**plan.caps, "impact": "walking"}
    plan.save(update_fields=["caps"])
    two_good_sessions(plan, user)
    knowledge = clinical.base().knowledge
    caps = records_services.plan_caps(plan)
    over = next(e for e in knowledge.exercises if not within(e, caps) and not e.supervised_only)
    real = selectors.suggest

    def wrong(*args: Any, **kwargs: Any) -> Any:
        s = real(*args, **kwargs)
        if s is None or args[1].exercise != squat.exercise:
            return s
        return replace(s, step=Step.NEXT_LEVEL, rule="next_level", exercise=over.id)

    monkeypatch.setattr(selectors, "suggest", wrong)
    before = (squat.exercise, dict(squat.dose))
    response = logged_in.post(accept_url(plan, squat), posted(plan, squat))
    assert response.status_code == 400
    assert "ligger over et af planens lofter" in response.content.decode()
    squat.refresh_from_db()
    assert (squat.exercise, squat.dose) == before
    assert not ProgressionDecision.objects.exists()
    plan.refresh_from_db()
    key = shown_for(plan, squat).key
    with pytest.raises(services.CapCrossedError):
        services.progression_accept(
            plan=plan, item_id=squat.pk, suggestion_key=key, user=user, version=plan.version
        )


# --- stop ----------------------------------------------------------------------------------


def test_a_fall_stops_the_exercise_with_the_red_flag_questions(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    log(plan, user, DAY, events=[EventData(kind="fall", description="Snublede", action="Hvile")])
    shown = shown_for(plan, squat)
    assert shown.suggestion.step is Step.STOP
    html = logged_in.get(plan_url(plan)).content.decode()
    card = re.search(rf'id="suggestion-{squat.pk}".*?</article>', html, re.S)[0]
    assert "Stop og genvurdér" in card
    assert "Stop øvelsen, og genvurdér patienten" in card
    # The red-flag questions once for the block, above the cards (a fall stops every exercise).
    block = re.search(r'<section[^>]*id="progression".*?</section>', html, re.S)[0]
    assert block.count("Spørg om røde flag") == 1
    texts = clinical.base().texts
    assert texts.red_flag("new_sudden_back_pain", "da") in block
    assert texts.red_flag("neurological_symptoms", "da") in block
    assert "1813" in block


# --- tenancy, access log, queries, fuzz ----------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_clinic_gets_404_on_both_urls(
    other_clinic_client: Client, plan: Plan, user: User, squat: PlanItem, method: str
) -> None:
    two_good_sessions(plan, user)
    data = posted(plan, squat, reason="x")
    for url in (accept_url(plan, squat), decline_url(plan, squat)):
        response = getattr(other_clinic_client, method)(url, data)
        assert response.status_code == 404
    assert not ProgressionDecision.objects.exists()


def test_an_item_of_another_plan_is_404(
    logged_in: Client, clinic: Clinic, plan: Plan, user: User
) -> None:
    other = make_plan(clinic, user, name="Anden Patient")
    item = other.items.first()
    url = reverse("progress:progression_accept", args=[plan.pk, item.pk])
    assert logged_in.post(url, {"key": "x", "version": 1}).status_code == 404


def test_reads_and_writes_are_in_the_access_log(
    logged_in: Client, clinic: Clinic, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    start = AuditEntry.objects.count()
    logged_in.get(plan_url(plan))
    read = list(AuditEntry.objects.order_by("seq")[start:])
    assert {(e.action, e.object_type) for e in read} >= {
        ("view", "plan"),
        ("list", "progressiondecision"),
    }
    listed = next(e for e in read if e.object_type == "progressiondecision")
    assert listed.patient_id == plan.patient_id
    assert listed.user_id == user.pk

    start = AuditEntry.objects.count()
    logged_in.post(accept_url(plan, squat), posted(plan, squat))
    written = list(AuditEntry.objects.order_by("seq")[start:])
    decision = ProgressionDecision.objects.get()
    assert ("create", "progressiondecision", decision.pk, "") in {
        (e.action, e.object_type, e.object_id, e.detail) for e in written
    }
    assert ("update", "plan", plan.pk, "accepted") in {
        (e.action, e.object_type, e.object_id, e.detail) for e in written
    }

    other = next(i for i in plan.items.exclude(pk=squat.pk) if shown_or_none(plan, i))
    start = AuditEntry.objects.count()
    logged_in.post(decline_url(plan, other), posted(plan, other, reason="Ikke nu"))
    written = list(AuditEntry.objects.order_by("seq")[start:])
    assert ("update", "plan", "declined") in {(e.action, e.object_type, e.detail) for e in written}
    assert ("create", "progressiondecision") in {(e.action, e.object_type) for e in written}


def shown_or_none(plan: Plan, item: PlanItem) -> selectors.Shown | None:
    return selectors.suggestion_for(Plan.objects.get(pk=plan.pk), item.pk)


def _page_queries(client: Client, plan: Plan) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(plan_url(plan)).status_code == 200
    return len(ctx.captured_queries)


def test_plan_page_query_count_with_suggestions_does_not_grow_with_items_or_sessions(
    logged_in: Client, clinic: Clinic, user: User, django_assert_max_num_queries: Any
) -> None:
    plan = make_plan(clinic, user)
    first = plan.items.first()
    log(plan, user, DAY, [top(first)])
    log(plan, user, DAY + timedelta(days=3), [top(first)])
    logged_in.get(plan_url(plan))  # the session's first request may renew it
    one = _page_queries(logged_in, plan)
    for n in range(6):
        log(plan, user, DAY + timedelta(days=6 + 3 * n))
    html = logged_in.get(plan_url(plan)).content.decode()
    assert html.count('class="card progression-card') >= 3
    many = _page_queries(logged_in, plan)
    assert many == one
    with django_assert_max_num_queries(many):
        logged_in.get(plan_url(plan))
    # The page's own reads plus the progression block's (sessions, entries, events, decisions)
    # and its access-log entry.
    assert many <= 30


nasty = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "9" * 40, "nan", "1e309", "<script>", "a:b:c:d:e", "\x00"]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    key=nasty,
    version=nasty,
    reason=st.one_of(nasty, st.text(min_size=1990, max_size=2100)),
    extra=st.dictionaries(
        st.sampled_from(["next", "exercise", "dose", "level"]), nasty, max_size=3
    ),
    accept=st.booleans(),
    htmx=st.booleans(),
)
def test_fuzzed_posts_are_never_a_server_error(  # noqa: PLR0917 - hypothesis passes by position
    logged_in: Client,
    plan: Plan,
    squat: PlanItem,
    key: str,
    version: str,
    reason: str,
    extra: dict[str, str],
    accept: bool,
    htmx: bool,
) -> None:
    url = accept_url(plan, squat) if accept else decline_url(plan, squat)
    data = {"key": key, "version": version, "reason": reason, **extra}
    response = logged_in.post(url, data, **(HX if htmx else {}))
    assert response.status_code < 500
    assert response.status_code in (302, 400, 409)


def test_a_posted_exercise_or_dose_is_never_used(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    shown = shown_for(plan, squat)
    data = posted(plan, squat, exercise="hirit_back_squat", dose='{"sets": 9}', level="4")
    assert logged_in.post(accept_url(plan, squat), data).status_code == 302
    squat.refresh_from_db()
    assert squat.exercise == shown.suggestion.exercise
    assert squat.dose == shown.suggestion.dose.as_dict()


# --- the session page ------------------------------------------------------------------------


def test_the_session_page_ends_with_the_suggestions_made_from_it_and_returns_there(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    session = two_good_sessions(plan, user)
    url = reverse("training:session_detail", args=[session.pk])
    html = logged_in.get(url).content.decode()
    card = re.search(rf'<article [^>]*id="suggestion-{squat.pk}".*?</article>', html, re.S)[0]
    assert "Næste niveau" in card
    assert f'name="next" value="{url}"' in card
    assert "hx-post" not in card  # the session page posts and comes back
    response = logged_in.post(accept_url(plan, squat), posted(plan, squat, next=url))
    assert response.status_code == 302
    assert response["Location"] == url
    squat.refresh_from_db()
    assert squat.level == 3
    # The earlier session made no suggestion of its own: its page shows none.
    earlier = plan.sessions.exclude(pk=session.pk).get()
    html = logged_in.get(reverse("training:session_detail", args=[earlier.pk])).content.decode()
    assert "progression-card" not in html


def test_a_return_address_elsewhere_is_ignored(
    logged_in: Client, plan: Plan, user: User, squat: PlanItem
) -> None:
    two_good_sessions(plan, user)
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        data = posted(plan, squat, next=bad, reason="")
        response = logged_in.post(decline_url(plan, squat), data)
        assert response.status_code == 400  # the plan page with the message, not a redirect
    response = logged_in.post(accept_url(plan, squat), posted(plan, squat, next="//evil.example/"))
    assert response.status_code == 302
    assert response["Location"] == f"{plan_url(plan)}#progression"
