"""Chooses the Stærk/Stabil/Strakt exercises and doses that fit the category and its precautions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from osteofys.rules.engine import Evaluation
from osteofys.rules.knowledge import Exercise, Knowledge
from osteofys.rules.model import (
    CAP_SCALES,
    AcutePhase,
    Category,
    Domain,
    DomainPlan,
    Outcome,
    Plan,
    PlanItem,
)

Selection = tuple[tuple[DomainPlan, ...], tuple[PlanItem, ...]]
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
    """Home-programme exercises that suit the set and break no cap, best first."""
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


def _round_robin(pools: Iterable[list[Exercise]], limit: int) -> list[Exercise]:
    queues = [list(p) for p in pools]
    chosen: list[Exercise] = []
    while len(chosen) < limit and any(queues):
        for q in queues:
            if q and len(chosen) < limit:
                chosen.append(q.pop(0))
    return chosen


def build_plan(
    kb: Knowledge,
    exercise_set: Category,
    caps: dict[str, str],
    cap_rules: tuple[str, ...],
    *,
    fall_risk_first: bool,
    acute_advice: bool,
    hirit: bool,
    activity_levels: tuple[str, ...],
) -> Plan:
    # Plans depend only on these inputs, so a clinic's handful of combinations is computed once.
    key = (exercise_set, tuple(sorted(caps.items())), fall_risk_first, hirit)
    selection: Selection | None = kb.cache.get(key)  # type: ignore[assignment]
    if selection is None:
        selection = _select(kb, exercise_set, caps, fall_risk_first, hirit)
        kb.cache[key] = selection
    domains, supervised = selection
    return Plan(
        exercise_set=exercise_set,
        domains=domains,
        caps=tuple(sorted(caps.items())),
        cap_rules=cap_rules,
        acute_advice=acute_advice,
        supervised=supervised,
        activity_levels=activity_levels,
    )


def _select(
    kb: Knowledge, exercise_set: Category, caps: Mapping[str, str], fall_first: bool, hirit: bool
) -> Selection:
    limit = int(kb.value("plan_max_exercises_per_domain"))
    domains = []
    for domain in FALL_RISK_ORDER if fall_first else DOMAIN_ORDER:
        components = kb.plan_components[(exercise_set, domain)]
        pool = candidates(kb, exercise_set, caps, domain)
        picks = _round_robin(([e for e in pool if e.component == c] for c in components), limit)
        domains.append(
            DomainPlan(
                domain=domain,
                goal=f"{exercise_set}.{domain}",
                dose_lines=tuple(f"{exercise_set}.{domain}.{c}" for c in components),
                items=tuple(PlanItem(e.id, e.component, e.dose_for(exercise_set)) for e in picks),
            )
        )
    supervised: tuple[PlanItem, ...] = ()
    if hirit:
        supervised = tuple(
            PlanItem(e.id, e.component, e.dose_for(exercise_set))
            for e in sorted(kb.exercises, key=lambda e: (e.priority, e.id))
            if e.hirit and exercise_set in e.categories and within(e, caps)
        )
    return tuple(domains), supervised


def plan_for(
    kb: Knowledge, ev: Evaluation, category: Category | None, acute: AcutePhase, red_flag: bool
) -> Plan | None:
    """The training plan for the category, within the caps its facts and precautions set."""
    if category is None and not red_flag:
        return None
    # P3, A6: during the acute phase (or while it is unknown) start with the FB exercise set.
    careful = red_flag or acute.active is not False
    exercise_set = Category.FUNKTIONSBEGRAENSET if careful or category is None else category
    info = kb.categories[exercise_set]
    caps = dict(info.caps)
    cap_rules = [f"category:{exercise_set}"]
    for precaution in kb.precautions:
        # A precaution that is unknown still applies: missing data never loosens safety.
        if ev.outcomes[precaution.rule.id] is not False:
            tighten(caps, precaution.caps)
            cap_rules.append(precaution.rule.id)
    levels = kb.acute_activity_levels if careful else info.activity_levels
    return build_plan(
        kb,
        exercise_set,
        caps,
        tuple(cap_rules),
        fall_risk_first=ev.values[Outcome.FALL_RISK] is True,
        acute_advice=careful,
        hirit=ev.values[Outcome.HIRIT_OFFERED] is True and not careful,
        activity_levels=levels,
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


def kept_items(plan: Plan) -> list[KeptItem]:
    """The plan as kept: home exercises per domain in order, then the supervised HiRIT lifts.

    HiRIT (P13, Stærk) loads bone through heavy strength training.
    """
    items = [
        KeptItem(i.exercise, d.domain.value, n, dict(i.dose.as_dict()))
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
        )
        for n, i in enumerate(plan.supervised)
    ]
    return items
