"""`assess`: from a case to category, bone status, acute phase, referral and plan, with a trace."""

from __future__ import annotations

from osteofys.rules.case import AcuteAction, Case, FractureSite
from osteofys.rules.dates import add_months, add_weeks
from osteofys.rules.engine import Evaluation
from osteofys.rules.findings import DIAGNOSTIC_SITES, FactorFinding, derive, factor_findings
from osteofys.rules.knowledge import Knowledge
from osteofys.rules.model import (
    AcuteDecision,
    AcutePhase,
    AcuteRefusal,
    AcuteSite,
    AcuteSource,
    Alternative,
    Assessment,
    BoneStatus,
    Category,
    Outcome,
    Referral,
    ReferralBasis,
    Step,
    Tri,
)
from osteofys.rules.plan import plan_for

RED_FLAG_FIELDS = ("new_sudden_back_pain", "neurological_symptoms")


def assess(
    case: Case,
    kb: Knowledge,
    *,
    hirit_for_med_hensyn: bool = False,
    confirmed_category: Category | None = None,
) -> Assessment:
    """Assess one case against the knowledge base.

    Args:
        case: the validated case.
        kb: the knowledge the rules and cut-offs come from.
        hirit_for_med_hensyn: the clinician enables HiRIT for træningsaktiv med hensyn (SPEC P13).
        confirmed_category: the clinician's final category, when it differs from the suggestion.
            The plan is then made for it; the precautions that follow from the facts (fractures,
            fall risk, acute phase) still apply, whatever category is chosen.
    """
    found = derive(case, kb.value("adult_age_years"), hirit_for_med_hensyn)
    ev = Evaluation(found.values, dict(found.missing))
    ev.soft.update(found.soft)
    for rule in kb.criteria:
        ev.run(rule)
    rf_steps = [ev.run(rf.rule) for rf in kb.risk_factors]
    strong = {rf.id: ev.run(rf.strong_rule).outcome for rf in kb.risk_factors if rf.strong_rule}
    factor_values, factor_missing = factor_findings(kb.risk_factors, rf_steps, strong)
    ev.values.update(factor_values)
    ev.missing.update(factor_missing)

    bone_result = ev.table(kb.bone_status)
    bone = BoneStatus(bone_result.outcome or BoneStatus.UNKNOWN)
    bone_unknown = bone_result.unknown
    # Rules may only rely on a bone status that more data cannot change.
    final = bone is not BoneStatus.UNKNOWN and not bone_result.soft
    ev.values["bone_status"] = bone.value if final else None

    red_flag: Tri = ev.values[Outcome.RED_FLAG]
    missing: dict[str, None] = {}
    category, alternatives = _category(kb, ev, red_flag is True, missing)
    ev.values["category"] = category.value if category else None
    if red_flag is None:
        # P4: an unanswered red-flag question could still suspend the category.
        ev.soft.add("category")
    # Before the overlays and precautions: they read the acute phase the clinician decided.
    acute = _acute_phase(case, kb, ev, red_flag is True)
    for rule in (*kb.overlays, *(p.rule for p in kb.precautions)):
        ev.run(rule)

    if red_flag is None:
        missing.update(dict.fromkeys(ev.paths(RED_FLAG_FIELDS)))
    if acute.active is None:
        missing.update(dict.fromkeys(ev.paths(("acute_phase",))))
    referral = _referral(kb, ev, rf_steps, missing)
    if category is not None and ev.values["min_t"] is None:
        missing["dxa"] = None
    elif bone is BoneStatus.UNKNOWN or bone_unknown:
        missing.update(dict.fromkeys(bone_unknown or ("dxa",)))
    for name in (Outcome.FALL_RISK, Outcome.LOW_PERFORMANCE):
        missing.update(dict.fromkeys(ev.by_outcome[name].missing))

    plan = plan_for(kb, ev, confirmed_category or category, acute, red_flag is True)
    return Assessment(
        category=category,
        provisional=category is not None and ev.values["min_t"] is None,
        alternatives=alternatives,
        acute_phase=acute,
        bone_status=bone,
        fall_risk=ev.values[Outcome.FALL_RISK],
        low_performance=ev.values[Outcome.LOW_PERFORMANCE],
        red_flags=tuple(f for f in RED_FLAG_FIELDS if ev.values[f] is True),
        referral=referral,
        overlays=tuple(o.sets or o.id for o in kb.overlays if ev.outcomes[o.id] is True),
        reasons=tuple(s.rule for s in ev.steps if s.outcome is True),
        missing=tuple(missing),
        plan=plan,
        trace=tuple(ev.steps),
        knowledge_version=kb.version,
        knowledge_hash=kb.content_hash,
    )


def _category(
    kb: Knowledge, ev: Evaluation, red_flag: bool, missing: dict[str, None]
) -> tuple[Category | None, tuple[Alternative, ...]]:
    # P4: a red flag stops the category logic until the clinician has clarified it.
    if red_flag:
        return None, ()
    absent = ev.paths(kb.category_requires)
    if absent:
        missing.update(dict.fromkeys(absent))
        return None, ()
    result = ev.table(kb.category_table)
    missing.update(dict.fromkeys(result.unknown))
    raw, step, row = result.outcome, result.step, result.row
    if raw is None or step is None or row is None:
        return None, ()
    if result.soft:
        ev.soft.add("category")
    category = Category(raw)
    alternatives = [Alternative(Category(c), step.rule) for c in row.alternatives]
    for alt in kb.alternatives:
        target = alt.suggest.get(category)
        if target and ev.run(alt.rule).outcome is True:
            alternatives.append(Alternative(Category(target), alt.rule.id))
    unique = {a.category: a for a in reversed(alternatives) if a.category != category}
    return category, tuple(reversed(unique.values()))


def _acute_phase(case: Case, kb: Knowledge, ev: Evaluation, red_flag: bool) -> AcutePhase:
    """SPEC P3 and P4, with the clinician's decision (R-ACU-2, R-ACU-EXIT-2) applied.

    The rules decide (their steps are in the trace): P3 the phase after a vertebral or hip fracture
    (false once the clinician has ended it), R-ACU-EXIT-2 whether the end is allowed, R-ACU-2
    whether the start for another recent fracture holds. The outcome `acute_phase` that later rules
    read (precautions, HiRIT) becomes the phase as decided: after the fracture or started.
    """
    by_fracture: Tri = ev.values[Outcome.ACUTE_PHASE]
    started: Tri = ev.values[Outcome.ACUTE_PHASE_STARTED]
    ended = ev.values[Outcome.ACUTE_PHASE_ENDED] is True
    active: Tri = (
        True
        if by_fracture is True or started is True
        else None
        if by_fracture is None or started is None
        else False
    )
    ev.values[Outcome.ACUTE_PHASE] = active
    if active is None:
        behind = (Outcome.ACUTE_PHASE, by_fracture), (Outcome.ACUTE_PHASE_STARTED, started)
        ev.missing[Outcome.ACUTE_PHASE] = tuple(
            dict.fromkeys(p for name, v in behind if v is None for p in ev.missing.get(name, ()))
        )
    decision = _decision(
        case, kb, ev, red_flag=red_flag, by_fracture=by_fracture, started=started, ended=ended
    )
    reason = decision.reason if decision and decision.applied else ""
    months = int(kb.value("acute_phase_months"))
    weeks = kb.value("acute_phase_earliest_end_weeks")
    fractures = case.fractures or ()
    if started is True and decision is not None:
        # R-ACU-2: the latest dated fracture at the site the clinician named.
        at_site = [f.date for f in fractures if f.site == decision.site and f.date]
        when = max(at_site)
        site = AcuteSite(decision.site) if decision.site in DIAGNOSTIC_SITES else AcuteSite.OTHER
        return AcutePhase(
            True,
            fracture_date=when,
            until=add_months(when, months),
            earliest_end=add_weeks(when, weeks),
            site=site,
            source=AcuteSource.CLINICIAN,
            reason=reason,
            decision=decision,
        )
    if by_fracture is not True and not ended:
        # P4: precautionary acute phase until a suspected new vertebral fracture is clarified.
        if red_flag:
            return AcutePhase(
                True,
                precautionary=True,
                site=AcuteSite.VERTEBRA,
                source=AcuteSource.RED_FLAG,
                decision=decision,
            )
        return AcutePhase(active, decision=decision)
    dated = [f for f in fractures if f.site in DIAGNOSTIC_SITES and f.date]
    latest = max(f.date for f in dated if f.date)
    # The latest fracture sets the dates; on the same day a vertebral fracture names the site.
    sites = {f.site for f in dated if f.date == latest}
    site = AcuteSite.VERTEBRA if FractureSite.VERTEBRA in sites else AcuteSite.HIP
    return AcutePhase(
        not ended,
        fracture_date=latest,
        until=add_months(latest, months),
        earliest_end=add_weeks(latest, weeks),
        site=site,
        source=AcuteSource.FRACTURE,
        ended_by_clinician=ended,
        reason=reason,
        decision=decision,
    )


def _decision(
    case: Case,
    kb: Knowledge,
    ev: Evaluation,
    *,
    red_flag: bool,
    by_fracture: Tri,
    started: Tri,
    ended: bool,
) -> AcuteDecision | None:
    """The clinician's decision as its rule judged it, with the refusal's reason when refused."""
    decision = case.acute_phase_decision
    if decision is None:
        return None
    end = decision.action == AcuteAction.END
    rule = "R-ACU-EXIT-2" if end else "R-ACU-2"
    outcome = ev.outcomes[rule]
    applied: Tri = ended if end else started
    if outcome is None:
        applied = None
    refused: AcuteRefusal | None = None
    if applied is None:
        refused = AcuteRefusal.UNDECIDED
    elif not applied and end:
        window = (
            ev.values["has_acute_site_fracture"] is True
            and ev.values["months_since_last_acute_site_fracture"] is not None
            and ev.values["months_since_last_acute_site_fracture"] < kb.value("acute_phase_months")
        )
        refused = (
            AcuteRefusal.RED_FLAG_ACTIVE
            if red_flag
            else AcuteRefusal.BEFORE_EARLIEST_END
            if window
            else AcuteRefusal.NOT_ACTIVE
        )
    elif not applied:
        refused = AcuteRefusal.ALREADY_ACTIVE if by_fracture is True else AcuteRefusal.NOT_RECENT
    return AcuteDecision(decision.action, decision.reason, decision.site, rule, applied, refused)


def _referral(
    kb: Knowledge, ev: Evaluation, rf_steps: list[Step], missing: dict[str, None]
) -> Referral:
    """SPEC P10 and P4: the referral table decides whether to advise a GP visit, and why."""
    result = ev.table(kb.referral_table)
    if result.step is not None and result.step.outcome is None:
        # P10: undecided; `missing` names what the row that stopped the table lacks.
        missing.update(dict.fromkeys(result.step.missing))
    # No basis (a table without default or on_unknown) is read as undecided, never as "no".
    basis = ReferralBasis(result.outcome or ReferralBasis.UNDECIDED)
    fired = [rf for rf, s in zip(kb.risk_factors, rf_steps, strict=True) if s.outcome is True]
    return Referral(
        basis.recommended,
        basis.urgent,
        tuple(rf.id for rf in fired),
        basis,
        ev.values[FactorFinding.DIAGNOSTIC] is True,
        tuple(rf.id for rf in fired if rf.modifiable),
    )
