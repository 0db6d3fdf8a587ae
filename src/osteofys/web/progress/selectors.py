"""Reads of progression: each plan item's logged history, the core's suggestion, the decisions.

Every function takes a plan the caller has read through `records.selectors.plan_get` (scoped to
the user's clinic, 404 otherwise, and logged), and reads only rows of that plan's clinic and
patient. `suggestions_for` logs one list entry (object type progressiondecision, the patient) for
what it shows; the services recompute through `suggestion_for`, which logs nothing (the write is
logged).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from osteofys.rules import CaseError, assess, parse_case
from osteofys.rules.model import Dose
from osteofys.rules.progress import (
    Event,
    ItemNow,
    Logged,
    Step,
    Suggestion,
    entry_findings,
    suggest,
)
from osteofys.web.audit import services as audit
from osteofys.web.audit.models import Action
from osteofys.web.records import clinical
from osteofys.web.records.models import Plan, PlanItem, Retest
from osteofys.web.records.services import plan_caps
from osteofys.web.training.models import (
    Attendance,
    Decision,
    ProgressionDecision,
    SessionEntry,
)
from osteofys.web.training.selectors import entries_by_item

# Accepted steps that changed the item (another exercise, level, dose or load): a streak counts
# from the session after them, so the same sessions never earn a second move (rules.progress,
# `since`). An accepted STAY or STOP changes nothing, so it restarts nothing.
CHANGING_STEPS = (Step.MORE_LOAD, Step.NEXT_LEVEL, Step.DOWN)
# "Ready for more, but nothing harder is suggested" (a cap, the top of the family, the set).
BLOCKED_RULE = "progress_blocked"
# Suggestions that only say "carry on": not shown as a card to accept or decline.
QUIET_RULES = frozenset({"keep_going", "not_measured", "not_done"})
EVENT_KINDS = frozenset(e.value for e in Event)
# How many decisions the plan's history shows (newest first): a bounded page.
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class Shown:
    """One plan item's suggestion as the plan page shows it, with what it was made from."""

    item: PlanItem
    now: ItemNow
    suggestion: Suggestion
    session_id: int
    """The latest logged session the suggestion read: a decision is kept with it."""
    since: date | None
    in_plan: bool = False
    """The proposed exercise is another item of the plan already: accepting would repeat it."""

    @property
    def key(self) -> str:
        return suggestion_key(self.suggestion, self.session_id)


def suggestion_key(suggestion: Suggestion, session_id: int) -> str:
    """What a decision must name so that it is the suggestion that was shown.

    The rule, the proposed exercise and level, the latest session it read and the proposed dose:
    a new session, another rule or another dose is another key, and the decision is refused.
    """
    dose = json.dumps(suggestion.dose.as_dict(), sort_keys=True)
    digest = hashlib.sha256(dose.encode()).hexdigest()[:12]
    return f"{suggestion.rule}:{suggestion.exercise}:{suggestion.level or 0}:{session_id}:{digest}"


def logged(entry: SessionEntry) -> Logged:
    """A stored entry as the core reads it, with the adverse events of its session."""
    session = entry.session
    events = tuple(Event(e.kind) for e in session.events.all() if e.kind in EVENT_KINDS)
    return Logged(
        when=session.date,
        done=entry.done,
        sets=entry.sets,
        reps=entry.reps,
        hold_s=entry.hold_s,
        effort=entry.effort,
        pain_during=entry.pain_during,
        pain_next_day=entry.pain_next_day,
        technique_ok=entry.technique_ok,
        events=events,
        minutes=entry.minutes,
    )


def item_now(item: PlanItem) -> ItemNow:
    return ItemNow(item.exercise, item.family, item.level, Dose.from_dict(item.dose))


def suggestions_for(plan: Plan) -> list[Shown]:
    """The suggestions to show for the plan's items, in the plan's order (not logged here).

    An item gets one when it has attended sessions logged for its exercise as it is now, the
    core's rule is more than "carry on", and no decision was taken yet on the same latest session
    (a declined suggestion comes back only after a new session). Bounded: the training selector
    reads at most its history limit per item, in a fixed number of queries for the whole plan.
    The page that shows them logs the read (`progression_read`).
    """
    return _suggestions(plan, list(plan.items.all()))


def progression_read(plan: Plan) -> None:
    """Log that the patient's progression (suggestions, the plan's decisions) was shown."""
    audit.record(
        Action.LIST, ProgressionDecision(clinic_id=plan.clinic_id, patient_id=plan.patient_id)
    )


def suggestion_for(plan: Plan, item_id: int) -> Shown | None:
    """The suggestion `suggestions_for` shows for one item now, or None (read again, not logged)."""
    items = list(PlanItem.objects.filter(plan=plan, pk=item_id))
    found = _suggestions(plan, items)
    return found[0] if found else None


def _needs_findings(suggestion: Suggestion, item: PlanItem) -> bool:
    """Whether the next or previous level's entry criteria took part (else findings change nothing).

    A move to another level reads them; so does a blocked move up that had a level above.
    """
    if suggestion.step in (Step.NEXT_LEVEL, Step.DOWN):
        return suggestion.exercise != item.exercise
    return suggestion.rule == BLOCKED_RULE and "top_of_family" not in suggestion.blocked_by


def _suggestions(plan: Plan, items: list[PlanItem]) -> list[Shown]:
    if not items:
        return []
    knowledge = clinical.base().knowledge
    caps = plan_caps(plan)
    histories = entries_by_item(plan)
    logged_items: list[tuple[PlanItem, list[SessionEntry]]] = []
    for item in items:
        entries = [
            e
            for e in histories.get(item.pk, [])
            if e.exercise == item.exercise and e.session.attendance == Attendance.ATTENDED
        ]
        if entries:
            logged_items.append((item, entries))
    if not logged_items:
        return []
    since = _since(plan, {item.pk for item, _ in logged_items})
    # The entry criteria's findings cost an assessment: read once, and only when a move needs them.
    findings: list[Mapping[str, object] | None] = []
    candidates: list[tuple[PlanItem, ItemNow, Suggestion, int]] = []
    for item, entries in logged_items:
        now = item_now(item)
        history = [logged(e) for e in entries]
        kwargs: dict[str, Any] = {"since": since.get(item.pk), "exercise_set": plan.exercise_set}
        try:
            suggestion = suggest(knowledge, now, history, caps, **kwargs)
            if suggestion is not None and _needs_findings(suggestion, item):
                if not findings:
                    findings.append(plan_findings(plan))
                if findings[0] is not None:
                    suggestion = suggest(
                        knowledge, now, history, caps, **kwargs, findings=findings[0]
                    )
        except ValueError:
            continue  # a stored cap the core does not know: no suggestion rather than a guess
        if suggestion is None or suggestion.rule in QUIET_RULES:
            continue
        candidates.append((item, now, suggestion, entries[-1].session_id))
    decided, acknowledged = _decided(plan, candidates, since)
    exercises = {(i.pk, i.exercise) for i in plan.items.all()}
    return [
        Shown(
            item,
            now,
            suggestion,
            session_id,
            since.get(item.pk),
            in_plan=suggestion.exercise != item.exercise
            and any(e == suggestion.exercise and pk != item.pk for pk, e in exercises),
        )
        for item, now, suggestion, session_id in candidates
        if (item.pk, session_id) not in decided
        and (item.pk, suggestion.exercise, suggestion.level) not in acknowledged
    ]


def _decided(
    plan: Plan, candidates: list[tuple[PlanItem, ItemNow, Suggestion, int]], since: dict[int, date]
) -> tuple[set[tuple[int, int]], set[tuple[int, str, int | None]]]:
    """What was decided already: (item, session) pairs, and the blocked moves accepted as such.

    A declined suggestion comes back with the next session. A "blocked" one (ready for more, but
    a cap, the family's top or the set holds it) stays the same session after session: once
    accepted it is not shown again until the item changes (its `since`).
    """
    if not candidates:
        return set(), set()
    rows = ProgressionDecision.objects.filter(
        clinic_id=plan.clinic_id, plan_item_id__in=[c[0].pk for c in candidates]
    ).filter(
        Q(session_id__in=[c[3] for c in candidates])
        | Q(rule=BLOCKED_RULE, decision=Decision.ACCEPTED)
    )
    decided: set[tuple[int, int]] = set()
    acknowledged: set[tuple[int, str, int | None]] = set()
    for item_id, session_id, rule, decision, exercise, level, day in rows.values_list(
        "plan_item_id", "session_id", "rule", "decision", "to_exercise", "to_level", "session__date"
    ):
        decided.add((item_id, session_id))
        after = since.get(item_id)
        if (
            rule == BLOCKED_RULE
            and decision == Decision.ACCEPTED
            and (after is None or day is None or day > after)
        ):
            acknowledged.add((item_id, exercise, level))
    return decided, acknowledged


def plan_findings(plan: Plan) -> Mapping[str, object] | None:
    """What a next level's entry criteria read: the plan's assessment with newer re-tests.

    The tests the patient has re-taken since the assessment replace its own (as the patient page's
    re-assessment does), so a level the tests now allow can be suggested. None when the stored
    inputs no longer pass the core's checks: the entry criteria are then left to the therapist.
    """
    assessment = plan.assessment
    retests = tuple(
        (r.test, r.date.isoformat(), "unable" if r.unable else r.value)
        for r in Retest.objects.filter(
            clinic_id=plan.clinic_id,
            patient_id=plan.patient_id,
            date__gte=assessment.assessment_date,
        ).order_by("date", "id")
    )
    knowledge = clinical.base().knowledge
    inputs = json.dumps(assessment.inputs, sort_keys=True, default=str)
    return _findings(knowledge.content_hash, inputs, retests)


@functools.lru_cache(maxsize=256)
def _findings(
    kb_hash: str, inputs: str, retests: tuple[tuple[str, str, object], ...]
) -> Mapping[str, object] | None:
    """Cached per knowledge base, stored inputs and re-tests (an assessment's inputs never change).

    A full assessment costs a few milliseconds; the plan page asks on every view.
    """
    knowledge = clinical.base().knowledge
    case = json.loads(inputs)
    if retests:
        tests = case.setdefault("tests", {}) or {}
        case["tests"] = tests
        for test, _day, value in retests:
            tests[test] = value
        case["assessment_date"] = max(day for _test, day, _value in retests)
    try:
        parsed = parse_case(
            case, knowledge.input_ranges, knowledge.conditions, today=timezone.localdate()
        )
    except CaseError:
        return None
    return MappingProxyType(entry_findings(knowledge, parsed, assess(parsed, knowledge)))


def _since(plan: Plan, item_ids: set[int]) -> dict[int, date]:
    """Per item, the session date of its latest accepted decision that changed it."""
    rows = (
        ProgressionDecision.objects.filter(
            clinic_id=plan.clinic_id,
            plan_item_id__in=item_ids,
            decision=Decision.ACCEPTED,
            step__in=[s.value for s in CHANGING_STEPS],
        )
        .values("plan_item_id")
        .annotate(last_session=Max("session__date"), last_decided=Max("decided_at"))
    )
    out: dict[int, date] = {}
    for row in rows:
        # The session may have been deleted since: then the day the decision was taken.
        out[row["plan_item_id"]] = row["last_session"] or timezone.localdate(row["last_decided"])
    return out


def decision_list(plan: Plan, limit: int = HISTORY_LIMIT) -> list[ProgressionDecision]:
    """The plan's progression decisions, newest first, at most `limit`.

    Not logged here: the page's `suggestions_for` logged its read of the patient's progression.
    An item removed from the plan later keeps its decisions here through their session.
    """
    return list(
        ProgressionDecision.objects.filter(clinic_id=plan.clinic_id, patient_id=plan.patient_id)
        .filter(Q(plan_item__plan=plan) | Q(session__plan=plan))
        .select_related("decided_by")
        .order_by("-decided_at", "-id")[: max(0, limit)]
    )
