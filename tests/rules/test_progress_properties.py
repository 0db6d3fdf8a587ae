"""Issue 16 acceptance: a progression suggestion never crosses a cap and never moves more than one
level, and it stays in the item's family, for any history, item and caps."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from osteofys import kb
from osteofys.rules.knowledge import Exercise, Knowledge
from osteofys.rules.model import CAP_SCALES, Dose
from osteofys.rules.plan import within
from osteofys.rules.progress import Event, ItemNow, Logged, Step, load_after, suggest

K: Knowledge = kb.load().knowledge
TEXTS = kb.load().texts
FAMILY = {eid: f for f in K.families for eid in f.levels}
EXERCISES = tuple(e.id for e in K.exercises)
SETS = (None, *K.categories)

caps_st = st.dictionaries(
    st.sampled_from(tuple(CAP_SCALES)),
    st.integers(0, 3),
).map(lambda d: {t: CAP_SCALES[t][min(i, len(CAP_SCALES[t]) - 1)] for t, i in d.items()})
small = st.one_of(st.none(), st.integers(0, 60))
score = st.one_of(st.none(), st.integers(0, 10))


@st.composite
def dose_st(draw: st.DrawFn, exercise: Exercise) -> Dose:
    """The exercise's own dose for some exercise set, or a dose of any shape."""
    own = draw(st.sampled_from(tuple(exercise.doses.values())))
    if draw(st.booleans()):
        return own
    low = draw(st.integers(1, 20))
    span = (low, low + draw(st.integers(0, 20)))
    shape = draw(st.sampled_from(["reps", "hold_s", "minutes", "impacts", "none"]))
    sets = draw(st.one_of(st.none(), st.integers(1, 5)))
    if shape == "impacts":
        return Dose(sets=sets, impacts=span[1])
    if shape == "none":
        return Dose(sets=sets, days_per_week=(2, 3))
    if shape == "reps":
        return Dose(sets=sets, reps=span)
    if shape == "hold_s":
        return Dose(sets=sets, hold_s=span)
    return Dose(sets=sets, minutes=span)


@st.composite
def logged_st(draw: st.DrawFn, when: date) -> Logged:
    return Logged(
        when=when,
        done=draw(st.booleans()),
        sets=draw(st.one_of(st.none(), st.integers(0, 6))),
        reps=draw(small),
        hold_s=draw(small),
        effort=draw(score),
        pain_during=draw(score),
        pain_next_day=draw(score),
        technique_ok=draw(st.sampled_from([True, True, False, None])),
        events=draw(
            st.sampled_from([(), (), (), ()]) | st.lists(st.sampled_from(list(Event))).map(tuple)
        ),
        minutes=draw(small),
    )


@st.composite
def case_st(draw: st.DrawFn) -> tuple[ItemNow, list[Logged], dict[str, str], dict[str, Any]]:
    exercise = K.exercise(draw(st.sampled_from(EXERCISES)))
    assert exercise is not None
    dose = draw(dose_st(exercise))
    # The family and level as kept, or left to the knowledge base.
    planned = draw(st.booleans())
    it = ItemNow(
        exercise.id,
        exercise.family if planned else "",
        exercise.level if planned else None,
        dose,
    )
    start = date(2027, 1, 4)
    days = draw(st.lists(st.integers(0, 90), min_size=1, max_size=6, unique=True))
    history = [draw(logged_st(start + timedelta(days=d))) for d in days]
    # Often a streak at the top of the range, or of too-hard sessions, so that moves are drawn too.
    tail = draw(st.sampled_from(["top", "top", "hard", "none"]))
    if tail != "none":
        top = replace(
            history[-1],
            done=True,
            sets=dose.sets,
            reps=(dose.reps[1] if dose.reps else dose.impacts),
            hold_s=dose.hold_s[1] if dose.hold_s else None,
            minutes=dose.minutes[1] if dose.minutes else None,
            effort=5 if tail == "top" else 10,
            pain_during=0,
            pain_next_day=0,
            technique_ok=True,
            events=(),
        )
        last = max(h.when for h in history)
        history += [
            replace(top, when=last + timedelta(days=i)) for i in range(1, draw(st.integers(3, 4)))
        ]
    options = {"exercise_set": draw(st.sampled_from(SETS))}
    return it, history, draw(caps_st), options


@given(case_st())
def test_a_suggestion_never_crosses_a_cap_nor_moves_more_than_one_level(
    drawn: tuple[ItemNow, list[Logged], dict[str, str], dict[str, Any]],
) -> None:
    it, history, caps, options = drawn
    s = suggest(K, it, history, caps, **options)
    assert s is not None
    event(f"{s.step}: {s.rule}")
    current = K.exercise(it.exercise)
    assert current is not None
    family = FAMILY[it.exercise]
    here = family.levels.index(it.exercise)
    moved_to = family.levels.index(s.exercise) if s.exercise in family.levels else None
    # The same family, at most one level away, up only by NEXT_LEVEL and down only by DOWN.
    assert moved_to is not None, (s.exercise, family.id)
    assert abs(moved_to - here) <= 1
    if moved_to > here:
        assert s.step is Step.NEXT_LEVEL
    if moved_to < here:
        assert s.step is Step.DOWN
    if s.step is Step.NEXT_LEVEL:
        assert moved_to == here + 1
        assert s.level == here + 2
    # Never across a cap: whatever is new is within every cap, including the load's.
    target = K.exercise(s.exercise)
    assert target is not None
    if s.exercise != it.exercise:
        assert within(target, caps), (s.exercise, caps)
    if s.step in (Step.MORE_LOAD, Step.NEXT_LEVEL):
        assert within(current, caps), (it.exercise, caps)
    if s.step is Step.MORE_LOAD:
        assert s.exercise == it.exercise
        assert within(replace(current, load=load_after(current.load)), caps), caps
        assert s.dose == it.dose
    if options["exercise_set"] and s.exercise != it.exercise and s.step is Step.NEXT_LEVEL:
        assert options["exercise_set"] in target.categories
    # Every reason reads without a left-over placeholder, in both languages.
    for lang in ("da", "en"):
        reason = TEXTS.progression_reason(s, lang)
        assert "{" not in reason
        assert reason.strip()
    assert s.rule in K.progression_rules
    assert s.evidence == K.progression_rules[s.rule].evidence


@given(case_st())
def test_a_suggestion_only_counts_what_came_after_the_last_decision(
    drawn: tuple[ItemNow, list[Logged], dict[str, str], dict[str, Any]],
) -> None:
    it, history, caps, options = drawn
    newest = max(h.when for h in history)
    assert suggest(K, it, history, caps, since=newest, **options) is None
    cut = newest - timedelta(days=1)
    # Entries up to `since` are as if they were never logged.
    assert suggest(K, it, history, caps, since=cut, **options) == suggest(
        K, it, [h for h in history if h.when > cut], caps, **options
    )
