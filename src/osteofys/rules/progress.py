"""Progression suggestions for one plan item from its logged sessions (issue 16, item 2).

`suggest` reads the item as it is now and its logged entries (newest last) and proposes one step:
more load on the same exercise, the next level of its family, stay, one level down, or stop and
reassess. The rules and their numbers are the knowledge base's (progression.toml `[rule.*]` and
`[follow_up.*]`, `Knowledge.follow_up`); this module only applies them, first match wins:

1. `stop_event`: a fall or new back pain in the latest session: STOP, reassess with the red-flag
   questions (SPEC §0.2, P4: new sudden back pain may be a new vertebral fracture).
2. `pain_during`: pain during the latest session above `pain_flag_above` (thresholds.toml
   `pain_activity_caution_max`): DOWN one level and review.
3. `pain_next_day`: more pain the next day than during the latest session: DOWN and review.
4. `new_pain`: a new pain (not back pain) reported at the latest session: DOWN and review.
5. `review_event`: another adverse event at the latest session: STAY until it is reviewed.
6. `not_done`: the latest entry was not done: STAY.
7. `too_hard_down`: too hard (the bottom of the range not reached, or effort above
   `effort_too_hard_above`) in `sessions_too_hard_to_step_down` consecutive sessions: DOWN.
8. `too_hard_range` / `too_hard_effort`: too hard in the latest session only: STAY.
9. `not_measured`: the dose has no range the log can be compared with: STAY.
10. `more_load` / `next_level` / `progress_blocked`: double progression. Every prescribed set at
   the top of the range (reps, hold, minutes or impacts) with technique checked and effort at most
   `effort_max_to_progress`, free of pain flags and events, in `sessions_to_progress` consecutive
   sessions: MORE_LOAD when the exercise carries an external load and one load class heavier is
   within the load cap; otherwise NEXT_LEVEL when the family's next level is within every cap;
   otherwise STAY with `blocked_by` naming why.
11. `keep_going`: otherwise STAY.

Caps hold: a move up is checked with `rules.plan.within` (the same check every plan makes) and a
move up is never made from an exercise that already breaks a cap; a step down goes to the level
below only when that level is within the caps (and not supervised only, and for the plan's
exercise set), otherwise it keeps the exercise with an easier dose (one set fewer, or at one set
the range at `easier_dose_percent`). No suggestion moves more than one level or leaves the family.

How the log is read (our choices, DERIVED; the numbers are the knowledge base's):
- Consecutive means the newest entries in date order; an entry not done, with an adverse event or
  a pain flag breaks a streak. Only entries after `since` count.
- "At the top": logged sets >= prescribed sets, the lowest set's reps (hold, minutes) >= the top
  of the range, technique checked True and effort logged and <= `effort_max_to_progress`. A value
  not logged is not at the top. An impacts dose compares the impacts done (logged as `reps`) with
  its count; fewer impacts are not "too hard" by themselves (only the effort says so).
- Pain: the latest entry only (a streak excludes any entry with a pain flag). Next-day pain is a
  flag when above the pain during; with no pain recorded during, when above the pain limit.
- Events: a fall or new back pain at the latest session stops; a new pain goes down; another
  event stays until reviewed; an event at an earlier session only breaks the streak.
- The log does not say which load class a heavier weight falls in, so MORE_LOAD is assumed to move
  the exercise's load tag one class up (`load_after`): "light" under a load cap of "light" gets no
  more load. The next level of a home exercise is never a supervised-only (HiRIT) lift.
- The new level's dose is its knowledge-base dose for the plan's exercise set (else its default);
  it is not bounded by the recorded tests (rules.plan.fit_capacity needs the assessment).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from osteofys.rules.case import Case
from osteofys.rules.findings import derive
from osteofys.rules.knowledge import Exercise, Family, FollowUp, Knowledge
from osteofys.rules.model import CAP_SCALES, LOAD_LEVELS, Assessment, Dose, Outcome
from osteofys.rules.plan import within


class Step(StrEnum):
    MORE_LOAD = "more_load"
    """The same exercise with more load (kg, band), keeping the rep range."""
    NEXT_LEVEL = "next_level"
    """The next level of the same family."""
    STAY = "stay"
    DOWN = "down"
    """One level down in the family (or an easier dose at the bottom)."""
    STOP = "stop"
    """Stop this exercise and reassess (fall, new back pain): the red-flag questions."""


class Event(StrEnum):
    """An adverse event of a session (values = training.models.EventKind)."""

    FALL = "fall"
    NEW_BACK_PAIN = "new_back_pain"
    NEW_PAIN = "new_pain"
    OTHER = "other"


STOP_EVENTS = frozenset({Event.FALL, Event.NEW_BACK_PAIN})


@dataclass(frozen=True, slots=True)
class Logged:
    """One session's entry for one plan item (newest last in a history)."""

    when: date
    done: bool
    sets: int | None = None
    reps: int | None = None
    """Reps reached in every set (the lowest set); for an impacts dose, the impacts done."""
    hold_s: int | None = None
    effort: int | None = None
    """0-10."""
    pain_during: int | None = None
    pain_next_day: int | None = None
    technique_ok: bool | None = None
    events: tuple[Event, ...] = ()
    """The adverse events of that session."""
    minutes: int | None = None
    """Minutes done, for a minutes dose (walking, cycling)."""


@dataclass(frozen=True, slots=True)
class ItemNow:
    """The plan item as it is now."""

    exercise: str
    family: str
    """"": the knowledge base's family of the exercise."""
    level: int | None
    dose: Dose


@dataclass(frozen=True, slots=True)
class Suggestion:
    step: Step
    rule: str
    """Id of the progression rule (progression.toml)."""
    evidence: str
    sources: tuple[str, ...]
    exercise: str
    """What to do next: the same exercise, or the next or previous level."""
    level: int | None
    dose: Dose
    """The proposed dose."""
    facts: tuple[tuple[str, object], ...]
    """What the rule read, for the reason text (kb.texts fills the rule's placeholders)."""
    blocked_by: tuple[str, ...] = ()
    """Why a move up became STAY: cap tags ("impact", ...), "top_of_family", "entry", ..."""

    def fact(self, name: str) -> object:
        """One fact by name; None when the rule did not read it."""
        return dict(self.facts).get(name)


# Every rule id the core applies, with its step; progression.toml has exactly these (kb check).
RULES: dict[str, Step] = {
    "stop_event": Step.STOP,
    "pain_during": Step.DOWN,
    "pain_next_day": Step.DOWN,
    "new_pain": Step.DOWN,
    "review_event": Step.STAY,
    "not_done": Step.STAY,
    "too_hard_down": Step.DOWN,
    "too_hard_range": Step.STAY,
    "too_hard_effort": Step.STAY,
    "not_measured": Step.STAY,
    "more_load": Step.MORE_LOAD,
    "next_level": Step.NEXT_LEVEL,
    "progress_blocked": Step.STAY,
    "keep_going": Step.STAY,
}

# Facts every suggestion carries, and those of each rule: the placeholders its text may use.
COMMON_FACTS = ("date", "exercise", "to", "easier")
RULE_FACTS: dict[str, tuple[str, ...]] = {
    "stop_event": ("event",),
    "pain_during": ("pain_during", "limit"),
    "pain_next_day": ("pain_during", "pain_next_day"),
    "new_pain": ("event",),
    "review_event": ("event",),
    "not_done": (),
    "too_hard_down": ("sessions", "bottom", "unit", "effort_limit"),
    "too_hard_range": ("reached", "bottom", "unit"),
    "too_hard_effort": ("effort", "effort_limit"),
    "not_measured": (),
    "more_load": ("sets", "top", "unit", "effort_limit", "sessions", "load_from", "load_to"),
    "next_level": ("sets", "top", "unit", "effort_limit", "sessions"),
    "progress_blocked": ("sets", "top", "unit", "effort_limit", "sessions", "blocked"),
    "keep_going": ("streak", "sessions", "top", "unit"),
}

# Why a move up became STAY, besides a cap tag (CAP_SCALES).
BLOCKS = (
    "top_of_family",
    "supervised",
    "exercise_set",
    "entry",
    "exclude",
    "unknown_exercise",
)
"""`supervised`: the next level is supervised only (HiRIT, SPEC P13: the clinician's decision);
`exercise_set`: the next level is not for the plan's exercise set; `entry`/`exclude`: with
`findings`, the next level's entry is not met (or unknown) or its exclusion holds (or unknown)."""

EXTERNAL_LOADS = frozenset(LOAD_LEVELS[1:])
"""Load tags of an exercise with an external load (kg, band): more load is possible."""


def load_after(load: str) -> str:
    """The load class assumed after MORE_LOAD: one class heavier, "heavy" at the top."""
    return LOAD_LEVELS[min(LOAD_LEVELS.index(load) + 1, len(LOAD_LEVELS) - 1)]


class _Findings(dict[str, object]):
    """A findings record in which a name that was not given is unknown (None)."""

    def __missing__(self, key: str) -> None:
        return None


def entry_findings(kb: Knowledge, case: Case, assessment: Assessment) -> dict[str, object]:
    """What the next level's entry and exclusion criteria read, from a case and its assessment.

    The case's own findings (rules.findings.derive) and the outcomes the assessment reports; an
    outcome it does not report is left out, so a criterion reading it is unknown (not suggested).
    """
    found: dict[str, object] = dict(derive(case, kb.value("adult_age_years")).values)
    found.update(
        {
            Outcome.FALL_RISK.value: assessment.fall_risk,
            Outcome.LOW_PERFORMANCE.value: assessment.low_performance,
            Outcome.RED_FLAG.value: bool(assessment.red_flags),
            Outcome.ACUTE_PHASE.value: assessment.acute_phase.active,
        }
    )
    return found


def check_caps(caps: Mapping[str, str]) -> None:
    """Raise ValueError for a cap that is not on a known scale (CAP_SCALES)."""
    for tag, level in caps.items():
        if tag not in CAP_SCALES or level not in CAP_SCALES[tag]:
            raise ValueError(f"cap {tag}={level!r} is not on a known scale")


def cap_hits(exercise: Exercise, caps: Mapping[str, str]) -> tuple[str, ...]:
    """The cap tags the exercise is above (rules.plan.within, one cap at a time)."""
    return tuple(tag for tag, level in caps.items() if not within(exercise, {tag: level}))


@dataclass(frozen=True, slots=True)
class _Measure:
    """What the log is compared with: the dose's range and the logged value that meets it."""

    name: str
    """"reps", "hold_s", "minutes" or "impacts" (the unit word's key)."""
    bottom: int
    top: int

    def reached(self, entry: Logged) -> int | None:
        match self.name:
            case "hold_s":
                return entry.hold_s
            case "minutes":
                return entry.minutes
            case _:
                return entry.reps


def _measure(dose: Dose) -> _Measure | None:
    for name in ("reps", "hold_s", "minutes"):
        span = getattr(dose, name)
        if span is not None:
            return _Measure(name, span[0], span[1])
    if dose.impacts is not None:
        # A count to reach, not a range: fewer impacts are not "too hard" by themselves.
        return _Measure("impacts", 0, dose.impacts)
    return None


@dataclass(frozen=True, slots=True)
class _Reading:
    """How one logged entry reads against the item's dose and the knowledge base's numbers."""

    fu: FollowUp
    pain_limit: int
    dose: Dose
    measure: _Measure | None

    def pain_flag(self, e: Logged) -> bool:
        return self.pain_during(e) or self.pain_next_day(e)

    def pain_during(self, e: Logged) -> bool:
        return e.pain_during is not None and e.pain_during > self.pain_limit

    def pain_next_day(self, e: Logged) -> bool:
        if e.pain_next_day is None:
            return False
        # Next-day pain with no pain recorded during: a flag only above the pain limit.
        during = e.pain_during if e.pain_during is not None else self.pain_limit
        return e.pain_next_day > during

    def below_bottom(self, e: Logged) -> bool:
        if self.measure is None:
            return False
        reached = self.measure.reached(e)
        return reached is not None and reached < self.measure.bottom

    def effort_above(self, e: Logged) -> bool:
        return e.effort is not None and e.effort > self.fu.effort_too_hard_above

    def too_hard(self, e: Logged) -> bool:
        return e.done and (self.below_bottom(e) or self.effort_above(e))

    def at_top(self, e: Logged) -> bool:
        """Every prescribed set at the top, technique checked, effort within the limit, no flag."""
        if self.measure is None or not e.done or e.events or self.pain_flag(e):
            return False
        reached = self.measure.reached(e)
        sets_done = self.dose.sets is None or (e.sets is not None and e.sets >= self.dose.sets)
        return (
            sets_done
            and reached is not None
            and reached >= self.measure.top
            and e.technique_ok is True
            and e.effort is not None
            and e.effort <= self.fu.effort_max_to_progress
        )


def _streak(entries: Sequence[Logged], test: Callable[[Logged], bool]) -> int:
    """How many of the newest entries in a row pass `test`."""
    n = 0
    for e in reversed(entries):
        if not test(e):
            break
        n += 1
    return n


def suggest(
    kb: Knowledge,
    item: ItemNow,
    history: Sequence[Logged],
    caps: Mapping[str, str],
    *,
    since: date | None = None,
    exercise_set: str | None = None,
    findings: Mapping[str, object] | None = None,
) -> Suggestion | None:
    """The next step for `item` from its `history`; None when nothing was logged for it yet.

    `caps`: the plan's caps as stored (tag -> highest level; ValueError for an unknown one).
    `since`: only entries after this date count (the day of the item's last accepted decision, so
    a streak is not counted twice). `exercise_set`: the plan's exercise set; a level not for it is
    not suggested, and a new level's dose is its dose for the set (else its default dose).
    `findings`: the latest assessment's findings (`entry_findings`); when given, a next level
    whose entry is not met (or cannot be shown: a name not given is unknown) or whose exclusion
    holds (or is unknown) is not suggested ("entry", "exclude"). Without it the entry criteria are
    left to the therapist, who sees the tests.
    """
    check_caps(caps)
    known = None if findings is None else _Findings(findings)
    entries = sorted((e for e in history if since is None or e.when > since), key=lambda e: e.when)
    if not entries:
        return None
    fu = kb.follow_up
    measure = _measure(item.dose)
    r = _Reading(fu, fu.pain_flag_above, item.dose, measure)
    latest = entries[-1]
    mv = _Mover(kb, item, caps, exercise_set, known, latest.when)

    stop = [e for e in latest.events if e in STOP_EVENTS]
    if stop:
        return mv.same("stop_event", event=str(stop[0]))
    if r.pain_during(latest):
        return mv.down("pain_during", pain_during=latest.pain_during, limit=fu.pain_flag_above)
    if r.pain_next_day(latest):
        return mv.down(
            "pain_next_day", pain_during=latest.pain_during, pain_next_day=latest.pain_next_day
        )
    if Event.NEW_PAIN in latest.events:
        return mv.down("new_pain", event=str(Event.NEW_PAIN))
    if latest.events:
        return mv.same("review_event", event=str(latest.events[0]))
    if not latest.done:
        return mv.same("not_done")
    unit = measure.name if measure else ""
    if _streak(entries, r.too_hard) >= fu.sessions_too_hard_to_step_down:
        return mv.down(
            "too_hard_down",
            sessions=fu.sessions_too_hard_to_step_down,
            bottom=measure.bottom if measure else None,
            unit=unit,
            effort_limit=fu.effort_too_hard_above,
        )
    if measure is not None and r.below_bottom(latest):
        return mv.same(
            "too_hard_range", reached=measure.reached(latest), bottom=measure.bottom, unit=unit
        )
    if r.effort_above(latest):
        return mv.same(
            "too_hard_effort", effort=latest.effort, effort_limit=fu.effort_too_hard_above
        )
    if measure is None:
        return mv.same("not_measured")
    streak = _streak(entries, r.at_top)
    if streak < fu.sessions_to_progress:
        return mv.same(
            "keep_going",
            streak=streak,
            sessions=fu.sessions_to_progress,
            top=measure.top,
            unit=unit,
        )
    return mv.up(
        sets=item.dose.sets,
        top=measure.top,
        unit=unit,
        effort_limit=fu.effort_max_to_progress,
        sessions=fu.sessions_to_progress,
    )


@dataclass(frozen=True, slots=True)
class _Mover:
    """Builds the suggestion of each step for one item."""

    kb: Knowledge
    item: ItemNow
    caps: Mapping[str, str]
    exercise_set: str | None
    findings: Mapping[str, object] | None
    when: date

    @property
    def current(self) -> Exercise | None:
        return self.kb.exercise(self.item.exercise)

    def place(self) -> tuple[Family | None, int | None]:
        """The item's family and its 0-based position on it (None when it cannot be placed)."""
        e = self.current
        fid = self.item.family or (e.family if e else "")
        family = next((f for f in self.kb.families if f.id == fid), None)
        if family is None:
            return None, None
        if self.item.exercise in family.levels:
            return family, family.levels.index(self.item.exercise)
        level = self.item.level
        if level is not None and 1 <= level <= len(family.levels):
            return family, level - 1
        return family, None

    def level(self) -> int | None:
        if self.item.level is not None:
            return self.item.level
        _, pos = self.place()
        return None if pos is None else pos + 1

    def make(
        self,
        rule: str,
        to: tuple[str, int | None, Dose],
        facts: Mapping[str, object],
        blocked: tuple[str, ...] = (),
    ) -> Suggestion:
        """The suggestion of `rule` to do `to` (exercise, level, dose) next."""
        exercise, level, dose = to
        pr = self.kb.progression_rules[rule]
        common: dict[str, object] = {"date": self.when, "exercise": self.item.exercise}
        if exercise != self.item.exercise:
            common["to"] = exercise
        return Suggestion(
            step=RULES[rule],
            rule=rule,
            evidence=pr.evidence,
            sources=pr.sources,
            exercise=exercise,
            level=level,
            dose=dose,
            facts=tuple({**common, **facts}.items()),
            blocked_by=blocked,
        )

    def same(self, rule: str, **facts: object) -> Suggestion:
        return self.make(rule, (self.item.exercise, self.level(), self.item.dose), facts)

    def dose_of(self, e: Exercise) -> Dose:
        if self.exercise_set is not None and self.exercise_set in e.doses:
            return e.doses[self.exercise_set]
        return e.doses.get("default") or next(iter(e.doses.values()))

    def fits(self, e: Exercise) -> tuple[str, ...]:
        """Why `e` may not be moved to: cap tags, supervised only, exercise set, entry."""
        why = list(cap_hits(e, self.caps))
        current = self.current
        if e.supervised_only and not (current and current.supervised_only):
            why.append("supervised")
        if self.exercise_set is not None and self.exercise_set not in e.categories:
            why.append("exercise_set")
        if self.findings is not None:
            if e.entry is not None and e.entry.run(self.findings) is not True:
                why.append("entry")
            if e.exclude is not None and e.exclude.run(self.findings) is not False:
                why.append("exclude")
        return tuple(why)

    def neighbour(self, offset: int) -> Exercise | None:
        family, pos = self.place()
        if family is None or pos is None:
            return None
        n = pos + offset
        if not 0 <= n < len(family.levels):
            return None
        return self.kb.exercise(family.levels[n])

    def down(self, rule: str, **facts: object) -> Suggestion:
        lower = self.neighbour(-1)
        if lower is not None and not self.fits(lower):
            _, pos = self.place()
            assert pos is not None
            return self.make(rule, (lower.id, pos, self.dose_of(lower)), facts)
        easier = _easier(self.item.dose, self.kb.follow_up.easier_dose_percent)
        return self.make(
            rule,
            (self.item.exercise, self.level(), easier),
            {**facts, "easier": easier != self.item.dose},
        )

    def up(self, **facts: object) -> Suggestion:
        current = self.current
        if current is None:
            return self.blocked(("unknown_exercise",), facts)
        own = cap_hits(current, self.caps)
        if own:
            return self.blocked(own, facts)
        blocked: list[str] = []
        if current.load in EXTERNAL_LOADS:
            heavier = load_after(current.load)
            if within(replace(current, load=heavier), self.caps):
                return self.make(
                    "more_load",
                    (current.id, self.level(), self.item.dose),
                    {**facts, "load_from": current.load, "load_to": heavier},
                )
            blocked.append("load")
        higher = self.neighbour(+1)
        if higher is None:
            blocked.append("top_of_family")
        else:
            why = self.fits(higher)
            if not why:
                _, pos = self.place()
                assert pos is not None
                return self.make("next_level", (higher.id, pos + 2, self.dose_of(higher)), facts)
            blocked.extend(why)
        return self.blocked(tuple(dict.fromkeys(blocked)), facts)

    def blocked(self, why: tuple[str, ...], facts: Mapping[str, object]) -> Suggestion:
        return self.make(
            "progress_blocked",
            (self.item.exercise, self.level(), self.item.dose),
            {**facts, "blocked": why},
            why,
        )


def _easier(dose: Dose, percent: int) -> Dose:
    """One set fewer; at one set, the range (reps, hold, minutes, impacts) scaled to `percent`."""
    if dose.sets is not None and dose.sets > 1:
        return replace(dose, sets=dose.sets - 1)

    def scaled(n: int) -> int:
        return max(1, n * percent // 100)

    if dose.reps is not None:
        return replace(dose, reps=(scaled(dose.reps[0]), scaled(dose.reps[1])))
    if dose.hold_s is not None:
        return replace(dose, hold_s=(scaled(dose.hold_s[0]), scaled(dose.hold_s[1])))
    if dose.minutes is not None:
        return replace(dose, minutes=(scaled(dose.minutes[0]), scaled(dose.minutes[1])))
    if dose.impacts is not None:
        return replace(dose, impacts=scaled(dose.impacts))
    return dose
