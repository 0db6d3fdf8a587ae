"""Chooses the Stærk/Stabil/Strakt exercises and doses that fit the category and its precautions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from osteofys.rules.engine import Evaluation
from osteofys.rules.knowledge import Exercise, Knowledge, Layout, Slot
from osteofys.rules.model import (
    CAP_SCALES,
    AcutePhase,
    AcuteSite,
    CapHit,
    Category,
    Domain,
    DomainPlan,
    Dose,
    Outcome,
    Plan,
    PlanItem,
    SlotReport,
    SlotStatus,
)

DOMAIN_ORDER = (Domain.STAERK, Domain.STABIL, Domain.STRAKT)
# O1, S34: people at risk of falls start with strength and balance, so Stabil comes first.
FALL_RISK_ORDER = (Domain.STABIL, Domain.STAERK, Domain.STRAKT)


def tighten(caps: dict[str, str], extra: Mapping[str, str]) -> None:
    """Lower each cap in `caps` to `extra` where that is stricter."""
    for tag, level in extra.items():
        scale = CAP_SCALES[tag]
        if tag not in caps or scale.index(level) < scale.index(caps[tag]):
            caps[tag] = level


def within(exercise: Exercise, caps: Mapping[str, str]) -> bool:
    """True when none of the exercise's tags is above the cap: the safety check of every plan."""
    return all(
        CAP_SCALES[tag].index(getattr(exercise, tag)) <= CAP_SCALES[tag].index(level)
        for tag, level in caps.items()
    )


def candidates(
    kb: Knowledge, exercise_set: str, caps: Mapping[str, str], domain: Domain | None = None
) -> list[Exercise]:
    """Home-programme exercises that suit the set and break no cap, in library order."""
    return sorted(
        (
            e
            for e in kb.exercises
            if exercise_set in e.categories
            and not e.supervised_only
            and (domain is None or e.domain == domain)
            and within(e, caps)
        ),
        key=lambda e: (e.priority, e.id),
    )


# A precautionary acute phase (P4: a suspected new vertebral fracture) uses the vertebral layout.
DEFAULT_ACUTE_SITE = AcuteSite.VERTEBRA


@dataclass(frozen=True, slots=True)
class Caps:
    """The caps a plan keeps, and the rules that set each one at its level."""

    levels: dict[str, str]
    by: dict[str, tuple[str, ...]]
    rules: tuple[str, ...]
    limits: tuple[int, ...] = ()
    """Each cap's level as its index on its scale, in CAP_SCALES order (`Exercise.ranks`)."""

    def hits(self, exercise: Exercise) -> tuple[CapHit, ...]:
        # About a hundred checks a plan: compare the precomputed ranks first.
        if all(r <= lim for r, lim in zip(exercise.ranks, self.limits, strict=True)):
            return ()
        return tuple(
            CapHit(tag, self.levels[tag], self.by[tag])
            for tag, r, lim in zip(CAP_SCALES, exercise.ranks, self.limits, strict=True)
            if r > lim
        )


def plan_caps(kb: Knowledge, ev: Evaluation, exercise_set: Category) -> Caps:
    """The category's caps tightened by every precaution that is true or unknown."""
    sources = [(f"category:{exercise_set}", kb.categories[exercise_set].caps)]
    for precaution in kb.precautions:
        # A precaution that is unknown still applies: missing data never loosens safety.
        if ev.outcomes[precaution.rule.id] is not False:
            sources.append((precaution.rule.id, precaution.caps))
    levels: dict[str, str] = {}
    for _, caps in sources:
        tighten(levels, caps)
    by = {
        tag: tuple(r for r, caps in sources if caps.get(tag) == lvl) for tag, lvl in levels.items()
    }
    limits = tuple(
        scale.index(levels[tag]) if tag in levels else len(scale) - 1
        for tag, scale in CAP_SCALES.items()
    )
    return Caps(levels, by, tuple(r for r, _ in sources), limits)


def plan_for(
    kb: Knowledge, ev: Evaluation, category: Category | None, acute: AcutePhase, red_flag: bool
) -> Plan | None:
    """The training plan for the category, within the caps its facts and precautions set."""
    if category is None and not red_flag:
        return None
    # P3, A6: during the acute phase (or while it is unknown) start with the FB exercise set.
    careful = red_flag or acute.active is not False
    exercise_set = Category.FUNKTIONSBEGRAENSET if careful or category is None else category
    caps = plan_caps(kb, ev, exercise_set)
    site = (acute.site or DEFAULT_ACUTE_SITE) if careful else None
    layout = kb.layouts[f"acute_{site}" if site else exercise_set]
    withheld = _withheld(ev)
    step_down = ev.values.get(Outcome.PAIN_CAUTION) is True
    picks, slots = _fill(_Picking(kb, ev, exercise_set, caps, step_down), layout, withheld)
    order = FALL_RISK_ORDER if ev.values[Outcome.FALL_RISK] is True else DOMAIN_ORDER
    domains = tuple(
        DomainPlan(
            domain=domain,
            goal=f"{exercise_set}.{domain}",
            dose_lines=tuple(
                f"{exercise_set}.{domain}.{c}" for c in kb.plan_components[(exercise_set, domain)]
            ),
            items=tuple(_item(kb, ev, e, exercise_set) for e in picks if e.domain == domain),
        )
        for domain in order
    )
    hirit = ev.values[Outcome.HIRIT_OFFERED] is True and not careful and not withheld
    info = kb.categories[exercise_set]
    return Plan(
        exercise_set=exercise_set,
        domains=domains,
        caps=tuple(sorted(caps.levels.items())),
        cap_rules=caps.rules,
        acute_advice=careful,
        supervised=_supervised(kb, ev, exercise_set, caps) if hirit else (),
        activity_levels=kb.acute_activity_levels if careful else info.activity_levels,
        layout=layout.id,
        acute_site=site,
        slots=slots,
        withheld=withheld,
        notes=() if withheld else tuple(n.id for n in kb.plan_notes if n.run(ev.values) is True),
    )


def _withheld(ev: Evaluation) -> tuple[str, ...]:
    """Issue 15 item 8: no exercises while a neurological red flag is not clarified."""
    step = ev.by_outcome[Outcome.NEUROLOGICAL_FLAG]
    return (step.rule,) if step.outcome is True else ()


@dataclass(frozen=True, slots=True)
class _Picking:
    """What every step of filling one plan reads."""

    kb: Knowledge
    ev: Evaluation
    exercise_set: str
    caps: Caps
    step_down: bool = False
    """Pain at activity above the threshold (PAIN_CAUTION): start one level lower."""


@dataclass(frozen=True, slots=True)
class _Climb:
    """How far up one family a person starts, and what held them lower."""

    exercise: Exercise | None
    refine: tuple[str, ...]
    capped: tuple[CapHit, ...]
    held: bool = False
    """A level of the set was left out because the tests do not (yet) meet its entry."""


def _climb(p: _Picking, ladder: tuple[Exercise, ...]) -> _Climb:
    """The highest level in the set, within the caps, and with its entry met by the tests."""
    values, exercise_set, caps = p.ev.values, p.exercise_set, p.caps
    best: Exercise | None = None
    below: Exercise | None = None
    refine: dict[str, None] = {}
    capped: dict[str, CapHit] = {}
    held = False
    for e in ladder:
        # Levels written for other exercise sets are not this plan's to report.
        if exercise_set not in e.categories:
            continue
        hits = caps.hits(e)
        if e.exclude is not None and e.exclude.run(values) is not False:
            continue
        entry = True if e.entry is None else e.entry.run(values)
        if entry is False:
            held = held or not hits
            continue
        if hits:
            capped.update((h.tag, h) for h in hits)
            continue
        if entry is None:
            assert e.entry is not None
            refine.update(dict.fromkeys(p.ev.paths(e.entry.fields)))
            held = True
            continue
        below, best, refine, capped = best, e, {}, {}
    if p.step_down and below is not None:
        return _Climb(below, (), ())
    return _Climb(best, tuple(refine), tuple(capped.values()), held and best is None)


def _fill(
    p: _Picking, layout: Layout, withheld: tuple[str, ...]
) -> tuple[list[Exercise], tuple[SlotReport, ...]]:
    """Fill the layout's slots in priority order; report every slot, filled or not."""
    picks: list[Exercise] = []
    reports: list[SlotReport] = []
    used: set[str] = set()
    for slot in layout.slots:
        if slot.when is not None and slot.when.run(p.ev.values) is not True:
            continue
        if withheld:
            reports.append(SlotReport(slot.pattern, SlotStatus.WITHHELD, rules=withheld))
            continue
        climb, family = _best_family(p, slot, used)
        e = climb.exercise
        if e is None:
            status = (
                SlotStatus.NOT_ALLOWED
                if climb.capped
                else SlotStatus.ENTRY_NOT_MET
                if climb.held
                else SlotStatus.UNAVAILABLE
            )
            reports.append(
                SlotReport(slot.pattern, status, capped=climb.capped, refine=climb.refine)
            )
            continue
        if len(picks) >= layout.max_items:
            reports.append(SlotReport(slot.pattern, SlotStatus.OVER_SIZE, e.id, e.family, e.level))
            continue
        used.add(family)
        picks.append(e)
        status = SlotStatus.CAPPED if climb.capped else SlotStatus.FILLED
        reports.append(
            SlotReport(slot.pattern, status, e.id, e.family, e.level, climb.capped, climb.refine)
        )
    return picks, tuple(reports)


def _best_family(p: _Picking, slot: Slot, used: set[str]) -> tuple[_Climb, str]:
    """The slot's preferred family first, then the pattern's other families, in KB order."""
    ladders = p.kb.ladders()[slot.pattern]
    if slot.family:
        ladders = tuple(sorted(ladders, key=lambda f: f[0] != slot.family))
    capped: dict[str, CapHit] = {}
    refine: dict[str, None] = {}
    held = False
    for family, ladder in ladders:
        if family in used:
            continue
        climb = _climb(p, ladder)
        capped.update((h.tag, h) for h in climb.capped)
        if climb.exercise is not None:
            return _Climb(climb.exercise, climb.refine, tuple(capped.values())), family
        refine.update(dict.fromkeys(climb.refine))
        held = held or climb.held
    return _Climb(None, tuple(refine), tuple(capped.values()), held), ""


def _item(kb: Knowledge, ev: Evaluation, e: Exercise, exercise_set: str) -> PlanItem:
    return PlanItem(
        e.id,
        e.component,
        fit_capacity(kb, ev, e, e.dose_for(exercise_set)),
        e.pattern,
        e.family,
        e.level,
        e.tags,
    )


def fit_capacity(kb: Knowledge, ev: Evaluation, e: Exercise, dose: Dose) -> Dose:
    """Issue 15 item 3: nobody is prescribed more than their recorded test plus a step."""
    recorded = ev.values.get(e.capacity) if e.capacity else None
    if recorded is None:
        return dose
    if dose.hold_s is not None:
        top = int(recorded + kb.value("capacity_step_hold_s"))
        return replace(dose, hold_s=_bounded(dose.hold_s, top))
    if dose.reps is not None:
        top = int(recorded + kb.value("capacity_step_reps"))
        return replace(dose, reps=_bounded(dose.reps, top))
    return dose


def _bounded(span: tuple[int, int], top: int) -> tuple[int, int]:
    high = max(1, min(span[1], top))
    return min(span[0], high), high


def _supervised(
    kb: Knowledge, ev: Evaluation, exercise_set: str, caps: Caps
) -> tuple[PlanItem, ...]:
    """P13: the HiRIT lifts, within every cap but load.

    They are heavy by design: the clinician's HiRIT decision (O3) is the load decision.
    """
    other = {t: v for t, v in caps.levels.items() if t != "load"}
    return tuple(
        _item(kb, ev, e, exercise_set)
        for e in sorted(kb.exercises, key=lambda e: (e.priority, e.id))
        if e.hirit
        and exercise_set in e.categories
        and within(e, other)
        # A lift whose entry the recorded tests do not meet (or cannot yet show) is not offered.
        and (e.entry is None or e.entry.run(ev.values) is True)
        and (e.exclude is None or e.exclude.run(ev.values) is False)
    )


# Supervised lifts come after every home exercise of their domain when a plan is kept.
SUPERVISED_FROM_POSITION = 100


@dataclass(frozen=True, slots=True)
class KeptItem:
    """One exercise of a plan as a record keeps it: the stored plan and the handout read these."""

    exercise: str
    domain: str
    position: int
    dose: dict[str, Any]
    supervised: bool = False
    family: str = ""
    level: int | None = None
    """The family and level as planned: progression moves along these, whatever a later KB says."""


def kept_items(plan: Plan) -> list[KeptItem]:
    """The plan as kept: home exercises per domain in order, then the supervised HiRIT lifts.

    HiRIT (P13, Stærk) loads bone through heavy strength training.
    """
    items = [
        KeptItem(
            i.exercise,
            d.domain.value,
            n,
            dict(i.dose.as_dict()),
            family=i.family or "",
            level=i.level,
        )
        for d in plan.domains
        for n, i in enumerate(d.items)
    ]
    items += [
        KeptItem(
            i.exercise,
            Domain.STAERK.value,
            SUPERVISED_FROM_POSITION + n,
            dict(i.dose.as_dict()),
            supervised=True,
            family=i.family or "",
            level=i.level,
        )
        for n, i in enumerate(plan.supervised)
    ]
    return items
