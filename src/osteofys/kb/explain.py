"""Turns the core's structured assessment into Danish or English texts from the knowledge base."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from osteofys.kb.loader import KnowledgeBase
from osteofys.kb.texts import Source
from osteofys.rules.case import CaseIssue
from osteofys.rules.model import Dose, Group, Step
from osteofys.rules.result import DoseLine, SlotDoc, Words


def number(base: KnowledgeBase, value: Any, lang: str) -> str:
    """A number as a clinician writes it: no trailing .0, and the language's decimal sign."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    return base.texts.decimal(text, lang)


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fill(base: KnowledgeBase, template: str, values: Mapping[str, Any], lang: str) -> str:
    used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    present = {k: values[k] for k in used if k in values and values[k] is not None}
    return template.format_map(_Values({k: number(base, v, lang) for k, v in present.items()}))


def rule_label(base: KnowledgeBase, rule_id: str, lang: str) -> str:
    """The name of a risk factor, or the explanation of any other rule."""
    return base.texts.rule_text(rule_id, lang) or rule_id


def cited(base: KnowledgeBase, ids: Iterable[str]) -> list[Source]:
    """The sources behind `ids`, each once, in the order first cited.

    Every place that shows sources (the result panel, the patient page's charts, the exercise
    library, the CLI report) takes them from here and shows `Source.citation` (authors, title,
    journal, year) with `Source.url`; an id outside the register (the loader refuses those) is
    left out rather than shown without a citation. The PDFs and the FHIR export cite no sources.
    """
    register = base.texts.sources
    return [register[s] for s in dict.fromkeys(ids) if s in register]


def step_text(base: KnowledgeBase, step: Step, lang: str) -> str:
    """One trace step as a sentence, with the case values and cut-offs filled in."""
    values: dict[str, Any] = {t.id: t.value for t in base.knowledge.thresholds.values()}
    values.update(dict(step.inputs))
    return _fill(base, rule_label(base, step.rule, lang), values, lang)


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def dates_in_words(base: KnowledgeBase, words: str, lang: str) -> str:
    """`words` with every ISO date written as a long date.

    The core's issues carry ISO dates (it returns structure); a sentence for a person carries dates
    as that person reads them. A string that only looks like a date (2026-13-45) is left as typed.
    """

    def spelled(match: re.Match[str]) -> str:
        try:
            return base.texts.long_date(date.fromisoformat(match.group()), lang)
        except ValueError:
            return match.group()

    # Between two long dates the range dash needs its spaces: "1. januar 1900 – 2. december 2026".
    spaced = re.sub(r"(\d{4}-\d{2}-\d{2})–(\d{4}-\d{2}-\d{2})", r"\1 – \2", words)
    return _ISO_DATE.sub(spelled, spaced)


def issue_text(base: KnowledgeBase, issue: CaseIssue, lang: str) -> str:
    """A case problem as a sentence naming the field, the value and what is allowed."""
    label = base.texts.field_label(issue.field, lang)
    field = f"{issue.field} ({label})" if label else issue.field
    template = base.texts.error(issue.problem, lang)
    value = issue.value if issue.value is not None else ""
    sentence = template.format(field=field, value=value, allowed=issue.allowed)
    return dates_in_words(base, sentence, lang)


def issue_inline(base: KnowledgeBase, issue: CaseIssue, lang: str) -> str:
    """A field's problem as said next to the field on a form, whose label already stands there.

    It gives the value (a decimal written the reader's way) and what is allowed.
    """
    value: Any = issue.value if issue.value is not None else ""
    if isinstance(value, float):
        value = base.texts.decimal(f"{value:g}", lang)
    if issue.problem not in base.texts.errors_inline:
        return issue_text(base, issue, lang)  # not a one-field problem: say it in full
    template = base.texts.error_inline(issue.problem, lang)
    # The range as the form's help text writes it ("0,05–3"); dates are spelt out below.
    allowed = _DECIMAL.sub(lambda m: base.texts.decimal(m.group(), lang), str(issue.allowed))
    return dates_in_words(base, template.format(value=value, allowed=allowed), lang)


_DECIMAL = re.compile(r"(?<![\d-])\d+\.\d+(?![\d-])")


def field_label(base: KnowledgeBase, path: str, lang: str) -> str:
    labels = base.texts.fields
    generic = path.rsplit("].", maxsplit=1)[-1] if path.startswith("fractures[") else path
    label = (
        labels.get(path)
        or labels.get(f"fractures.{generic}")
        or labels.get(path.split(".", maxsplit=1)[0])
    )
    return f"{label(lang)} ({path})" if label else path


def dose_text(dose: Dose, lang: str) -> str:
    """'2 × 8–12 gentagelser, 2–3 dage/uge' and the like."""
    words = {
        "da": ("gentagelser", "sek.", "min.", "stød", "dage/uge", "anstrengelse", "pause"),
        "en": ("reps", "s", "min", "impacts", "days/week", "effort", "rest"),
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
    if dose.effort:
        parts.append(f"{words[5]} {span(dose.effort)}/10")
    if dose.rest_s:
        parts.append(f"{words[6]} {span(dose.rest_s)} {words[1]}")
    return ", ".join(parts)


def goal_text(base: KnowledgeBase, category: str, domain: str, lang: str) -> str:
    for goal in base.raw["doses"]["goal"]:
        if goal["category"] == category and goal["domain"] == domain:
            return str(goal["text"][lang])
    return ""


@dataclass(frozen=True, slots=True)
class _Words:
    """The knowledge base's texts for a result document in one language (`rules.result.Words`)."""

    base: KnowledgeBase
    lang: str

    def reason(self, step: Step) -> str:
        return step_text(self.base, step, self.lang)

    def exercise_name(self, exercise: str) -> str:
        return self.base.texts.exercise_name(exercise, self.lang)

    def dose(self, dose: Dose) -> str:
        return dose_text(dose, self.lang)

    def goal(self, category: str, domain: str) -> str:
        return goal_text(self.base, category, domain, self.lang)

    def dose_lines(self, category: str, domain: str) -> tuple[DoseLine, ...]:
        return tuple(
            DoseLine(d["component"], d["text"][self.lang], d["evidence"], tuple(d["sources"]))
            for d in self.base.raw["doses"]["dose"]
            if d["category"] == category and d["domain"] == domain
        )

    def acute_advice(self, site: str | None) -> tuple[str, ...]:
        return tuple(a.id for a in self.base.texts.acute_site(site).advice)

    def note_sources(self, note: str) -> tuple[str, ...]:
        return next((n.sources for n in self.base.knowledge.plan_notes if n.id == note), ())

    def dose_words(self, kind: str, key: str | None) -> str:
        if key is None:
            return ""
        return self.base.texts.dose_words[kind][key](self.lang)

    def group(self, rule: str) -> Group | None:
        return self.base.knowledge.group_of(rule)


def words(base: KnowledgeBase, lang: str = "da") -> Words:
    """The texts `rules.result.write_result` puts in a result document: from `base`, in `lang`."""
    return _Words(base, lang)


def by_group(
    base: KnowledgeBase, rule_ids: list[str], stored: Mapping[str, str | None] | None = None
) -> dict[Group, list[str]]:
    """The rule ids under the group each rule declares.

    Groups in `Group` order, ids in the order given. `stored` holds the groups a stored result
    wrote; a result stored before groups takes them from this knowledge base, and an id it does not
    know is left out.
    """
    found: dict[Group, list[str]] = {}
    for rule_id in rule_ids:
        written = (stored or {}).get(rule_id)
        group = Group(written) if written in GROUP_VALUES else base.knowledge.group_of(rule_id)
        if group is not None:
            found.setdefault(group, []).append(rule_id)
    return {g: found[g] for g in Group if g in found}


GROUP_VALUES = frozenset(g.value for g in Group)


def group_heading(base: KnowledgeBase, group: Group, lang: str) -> str:
    """The heading a group of reasons is shown under."""
    return base.texts.groups[group.value](lang)


def slot_text(base: KnowledgeBase, slot: SlotDoc, lang: str) -> str:
    """One slot of a plan in words: its pattern, what became of it, and why (issue 15 item 1)."""
    texts = base.texts
    parts = [
        f"{texts.tags.pattern[slot.pattern](lang)}: {texts.tags.slot_status[slot.status](lang)}"
    ]
    if slot.exercise:
        family = next((f for f in base.knowledge.families if f.id == slot.family), None)
        of = len(family.levels) if family else slot.level
        level = _fill(base, texts.ui["slot_level"](lang), {"level": slot.level, "of": of}, lang)
        parts.append(f"{texts.exercise_name(slot.exercise, lang)} ({level})")
    for cap in slot.capped:
        words = getattr(texts.tags, cap.tag)[cap.level](lang)
        words = words[:1].lower() + words[1:]  # mid-sentence: "højst let belastning"
        rules = ", ".join(_cap_rule(base, r, lang) for r in cap.rules)
        parts.append(
            _fill(base, texts.ui["slot_cap"](lang), {"level": words, "rules": rules}, lang)
        )
    if slot.refine:
        tests = ", ".join(field_label(base, path, lang) for path in slot.refine)
        parts.append(_fill(base, texts.ui["slot_refine"](lang), {"tests": tests}, lang))
    return " – ".join(parts)


def _cap_rule(base: KnowledgeBase, rule: str, lang: str) -> str:
    # A category's own caps are named by the category (plan.cap_rules writes "category:<id>").
    if rule.startswith("category:"):
        return base.texts.category_name(rule.split(":", 1)[1], lang)
    return rule
