"""Turns the core's structured assessment into Danish or English texts and the result document."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date
from typing import Any

from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.case import CaseIssue
from osteofys.rules.model import Assessment, Dose, Plan, PlanItem, Step

RESULT_FORMAT = "osteofys.result/1"


def number(value: Any, lang: str) -> str:
    """A number as a clinician writes it: no trailing .0, and a decimal comma in Danish."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    return text.replace(".", ",") if lang == "da" else text


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: str, values: Mapping[str, Any], lang: str) -> str:
    used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format_map(
        _Values({k: number(values[k], lang) for k in used if k in values and values[k] is not None})
    )


def text(base: KnowledgeBase, section: str, key: str, lang: str) -> str:
    return str(base.raw["texts"][section][key][lang])


def rule_label(base: KnowledgeBase, rule_id: str, lang: str) -> str:
    """The name of a risk factor, or the explanation of any other rule."""
    for factor in base.raw["risk_factors"]["factor"]:
        if factor["id"] == rule_id:
            return str(factor["label"][lang])
    return str(base.raw["texts"]["rules"].get(rule_id, {}).get(lang, rule_id))


def step_text(base: KnowledgeBase, step: Step, lang: str) -> str:
    """One trace step as a sentence, with the case values and cut-offs filled in."""
    values: dict[str, Any] = {t.id: t.value for t in base.knowledge.thresholds.values()}
    values.update(dict(step.inputs))
    return _fill(rule_label(base, step.rule, lang), values, lang)


def long_date(base: KnowledgeBase, when: date, lang: str) -> str:
    """'5. januar 2027' in Danish, '5 January 2027' in English: how a date reads in a sentence."""
    month = base.raw["texts"]["documents"]["months"][lang][when.month - 1]
    return f"{when.day}. {month} {when.year}" if lang == "da" else f"{when.day} {month} {when.year}"


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def dates_in_words(base: KnowledgeBase, words: str, lang: str) -> str:
    """`words` with every ISO date written as a long date. The core's issues carry ISO dates (it
    returns structure); a sentence for a person carries dates as that person reads them. A
    string that only looks like a date (2026-13-45) is left as typed."""

    def spelled(match: re.Match[str]) -> str:
        try:
            return long_date(base, date.fromisoformat(match.group()), lang)
        except ValueError:
            return match.group()

    # Between two long dates the range dash needs its spaces: "1. januar 1900 – 2. december 2026".
    spaced = re.sub(r"(\d{4}-\d{2}-\d{2})–(\d{4}-\d{2}-\d{2})", r"\1 – \2", words)
    return _ISO_DATE.sub(spelled, spaced)


def issue_text(base: KnowledgeBase, issue: CaseIssue, lang: str) -> str:
    """A case problem as a sentence naming the field, the value and what is allowed."""
    labels = base.raw["texts"]["fields"]
    label = labels.get(issue.field, {}).get(lang)
    field = f"{issue.field} ({label})" if label else issue.field
    template = text(base, "errors", issue.problem, lang)
    value = issue.value if issue.value is not None else ""
    sentence = template.format(field=field, value=value, allowed=issue.allowed)
    return dates_in_words(base, sentence, lang)


def field_label(base: KnowledgeBase, path: str, lang: str) -> str:
    labels = base.raw["texts"]["fields"]
    generic = path.rsplit("].", maxsplit=1)[-1] if path.startswith("fractures[") else path
    label = (
        labels.get(path)
        or labels.get(f"fractures.{generic}")
        or labels.get(path.split(".", maxsplit=1)[0])
    )
    return f"{label[lang]} ({path})" if label else path


def exercise_name(base: KnowledgeBase, exercise_id: str, lang: str) -> str:
    return str(base.exercises[exercise_id]["name"][lang])


def dose_text(dose: Dose, lang: str) -> str:
    """'2 × 8–12 gentagelser, 2–3 dage/uge' and the like."""
    words = {
        "da": ("gentagelser", "sek.", "min.", "stød", "dage/uge", "gang", "runder"),
        "en": ("reps", "s", "min", "impacts", "days/week", "time", "rounds"),
    }[lang]

    def span(r: tuple[int, int]) -> str:
        return str(r[0]) if r[0] == r[1] else f"{r[0]}–{r[1]}"

    parts = []
    sets = f"{dose.sets} × " if dose.sets and dose.sets > 1 else ""
    if dose.reps:
        parts.append(f"{sets}{span(dose.reps)} {words[0]}")
    if dose.hold_s:
        parts.append(f"{sets}{span(dose.hold_s)} {words[1]}")
    if dose.minutes:
        parts.append(f"{sets}{span(dose.minutes)} {words[2]}")
    if dose.impacts:
        parts.append(f"{dose.impacts} {words[3]}")
    if dose.days_per_week:
        parts.append(f"{span(dose.days_per_week)} {words[4]}")
    return ", ".join(parts)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _item(base: KnowledgeBase, item: PlanItem, lang: str) -> dict[str, Any]:
    dose = item.dose
    return {
        "exercise": item.exercise,
        "name": exercise_name(base, item.exercise, lang),
        "component": item.component.value,
        "dose": {
            k: v
            for k, v in {
                "sets": dose.sets,
                "reps": list(dose.reps) if dose.reps else None,
                "hold_s": list(dose.hold_s) if dose.hold_s else None,
                "minutes": list(dose.minutes) if dose.minutes else None,
                "impacts": dose.impacts,
                "days_per_week": list(dose.days_per_week) if dose.days_per_week else None,
            }.items()
            if v is not None
        },
        "dose_text": dose_text(dose, lang),
    }


def goal_text(base: KnowledgeBase, category: str, domain: str, lang: str) -> str:
    for goal in base.raw["doses"]["goal"]:
        if goal["category"] == category and goal["domain"] == domain:
            return str(goal["text"][lang])
    return ""


def dose_lines(base: KnowledgeBase, category: str, domain: str, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "component": d["component"],
            "text": d["text"][lang],
            "evidence": d["evidence"],
            "sources": d["sources"],
        }
        for d in base.raw["doses"]["dose"]
        if d["category"] == category and d["domain"] == domain
    ]


def plan_document(base: KnowledgeBase, plan: Plan, lang: str) -> dict[str, Any]:
    return {
        "exercise_set": plan.exercise_set.value,
        "order": [d.domain.value for d in plan.domains],
        "domains": {d.domain.value: [_item(base, i, lang) for i in d.items] for d in plan.domains},
        "goals": {
            d.domain.value: goal_text(base, plan.exercise_set, d.domain, lang) for d in plan.domains
        },
        "dose_lines": {
            d.domain.value: dose_lines(base, plan.exercise_set, d.domain, lang)
            for d in plan.domains
        },
        "caps": dict(plan.caps),
        "cap_rules": list(plan.cap_rules),
        "supervised": [_item(base, i, lang) for i in plan.supervised],
        "acute_advice": [a["id"] for a in base.raw["acute_phase"]["advice"]]
        if plan.acute_advice
        else [],
        "activity_levels": list(plan.activity_levels),
    }


def result_document(base: KnowledgeBase, a: Assessment, lang: str = "da") -> dict[str, Any]:
    """The result format of case-format.md, with reasons in the chosen language."""
    steps = {s.rule: s for s in a.trace}
    return {
        "format": RESULT_FORMAT,
        "knowledge_version": a.knowledge_version,
        "knowledge_hash": a.knowledge_hash,
        "category": a.category.value if a.category else None,
        "provisional": a.provisional,
        "alternatives": [{"category": x.category.value, "rule": x.rule} for x in a.alternatives],
        "acute_phase": {
            "active": a.acute_phase.active,
            "fracture_date": _iso(a.acute_phase.fracture_date),
            "until": _iso(a.acute_phase.until),
            "earliest_end": _iso(a.acute_phase.earliest_end),
            "precautionary": a.acute_phase.precautionary,
        },
        "bone_status": a.bone_status.value,
        "fall_risk": a.fall_risk,
        "low_performance": a.low_performance,
        "red_flags": list(a.red_flags),
        "referral": {
            "recommended": a.referral.recommended,
            "urgent": a.referral.urgent,
            "reasons": list(a.referral.reasons),
            "basis": a.referral.basis.value,
            "osteoporosis_by_definition": a.referral.by_definition,
            "modifiable": list(a.referral.modifiable),
        },
        "overlays": list(a.overlays),
        "reasons": [
            {"rule": r, "text": step_text(base, steps[r], lang), "sources": list(steps[r].sources)}
            for r in a.reasons
        ],
        "missing": list(a.missing),
        "plan": plan_document(base, a.plan, lang) if a.plan else None,
        "trace": [
            {
                "rule": s.rule,
                "outcome": s.outcome,
                "inputs": {k: list(v) if isinstance(v, tuple) else v for k, v in s.inputs},
                "cutoffs": dict(s.cutoffs),
                "sources": list(s.sources),
                "provisional": s.provisional,
                "missing": list(s.missing),
            }
            for s in a.trace
        ],
    }
