"""docs/plans.md: the default plan of each specialist case, for a clinician to review in one read.

`plans_markdown` assesses each case file (tests/cases/S*.json and A*.json, `{"id", "title",
"case", ...}`) with the knowledge base and writes its plan as Markdown: the facts, the category,
the plan's layout and caps with their rules, every slot with its status, exercise, family,
level, dose and the precaution or test that held it, the load and progression texts, and the
supervised lifts.
`osteofys kb plans` writes it; a test holds docs/plans.md equal to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from osteofys.kb.explain import _fill, number, words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import assess, parse_case
from osteofys.rules.case import UNABLE
from osteofys.rules.result import write_result

# The case sections whose recorded values the facts line shows, in this order.
FACT_SECTIONS = ("patient", "risk_factors", "dxa", "function", "tests")
# Fields the facts line shows otherwise (sex and age first) or not at all (dates of the case).
FACT_SKIP = {
    "patient.birth_date",
    "patient.sex",
    "patient.height_cm",
    "patient.weight_kg",
    "dxa.date",
}
# Values that say "nothing remarkable": the facts line leaves them out.
UNREMARKABLE = {"never", "none"}
CAP_TAGS = ("impact", "spinal_flexion", "fall_risk", "load")


class _Doc:
    """The words of one language and the lines written so far."""

    def __init__(self, base: KnowledgeBase, lang: str) -> None:
        self.base, self.lang = base, lang
        self.texts = base.texts
        self.table: Mapping[str, Any] = base.raw["texts"]["plans_doc"]
        self.families = {f["id"]: f for f in base.raw["families"]["family"]}
        self.lines: list[str] = []

    def w(self, key: str, **values: Any) -> str:
        """A phrase of texts.toml [plans_doc], its {placeholders} filled."""
        template: str = self.table[key][self.lang]
        return _fill(self.base, template, values, self.lang) if values else template

    def num(self, value: Any) -> str:
        return number(self.base, value, self.lang)

    def date(self, iso: str | None) -> str:
        return self.texts.long_date(date.fromisoformat(iso), self.lang) if iso else "?"

    def tag(self, tag: str, level: str) -> str:
        text: str = getattr(self.texts.tags, tag)[level](self.lang)
        return text

    def rules(self, rules: Iterable[str]) -> str:
        return ", ".join(
            self.texts.category_name(r.split(":", 1)[1], self.lang)
            if r.startswith("category:")
            else r
            for r in rules
        )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _age(case: Mapping[str, Any]) -> int:
    born = date.fromisoformat(case["patient"]["birth_date"])
    on = date.fromisoformat(case["assessment_date"])
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _value(d: _Doc, path: str, value: Any) -> str:
    if isinstance(value, bool):
        return d.texts.ui["yes" if value else "no"](d.lang)
    if isinstance(value, list):
        return ", ".join(d.texts.condition(c, d.lang) for c in value)
    if isinstance(value, str) and path in d.texts.choices:
        return str(d.texts.choices[path][value](d.lang))
    if value == UNABLE:
        return str(d.texts.documents.letter["unable"](d.lang))
    return d.num(value)


def _facts(d: _Doc, case: Mapping[str, Any]) -> str:
    sex = d.texts.choices["patient.sex"][case["patient"]["sex"]](d.lang)
    parts = [f"{sex}, {d.w('age', age=_age(case))}"]
    patient = case["patient"]
    if patient.get("height_cm") and patient.get("weight_kg"):
        bmi = round(patient["weight_kg"] / (patient["height_cm"] / 100) ** 2, 1)
        parts.append(d.w("bmi", bmi=bmi))
    for section in FACT_SECTIONS:
        for name, value in (case.get(section) or {}).items():
            path = f"{section}.{name}"
            # A test's 0 (s, count) is a result; elsewhere 0 means "none".
            nothing = (None, False, [], *UNREMARKABLE, *((0,) if section != "tests" else ()))
            if path in FACT_SKIP or value in nothing:
                continue
            label = d.texts.field_label(path, d.lang) or path
            parts.append(f"{label}: {_value(d, path, value)}")
    fractures = case.get("fractures") or []
    for f in fractures:
        site = d.texts.choices["fractures.site"][f["site"]](d.lang)
        energy = {True: "low", False: "high", None: "unknown"}[f.get("low_energy")]
        parts.append(
            d.w(
                "fracture",
                site=site,
                date=d.date(f.get("date"))
                if f.get("date")
                else d.texts.documents.energy["no_date"](d.lang),
                energy=d.texts.documents.energy[energy](d.lang),
            )
        )
    if not fractures:
        parts.append(d.w("no_fractures"))
    decision = case.get("acute_phase_decision")
    if decision:
        action = d.texts.choices["acute_phase_decision.action"][decision["action"]](d.lang)
        named = d.texts.field_label("acute_phase_decision", d.lang)
        parts.append(f"{named or ''}: {action} ({decision.get('reason', '')})")
    return " · ".join(parts)


def _assessment(d: _Doc, result: Mapping[str, Any]) -> str:
    category = result["category"]
    if category:
        rows = {row["id"] for row in d.base.raw["decision"]["row"]}
        rule = next((r["rule"] for r in result["reasons"] if r["rule"] in rows), "")
        parts = [d.w("category", category=d.texts.category_name(category, d.lang), rule=rule)]
    else:
        parts = [d.w("no_category")]
    fall = result["fall_risk"]
    answer = d.texts.ui["not_assessed" if fall is None else "yes" if fall else "no"](d.lang)
    parts.append(d.w("fall_risk", value=answer))
    acute = result["acute_phase"]
    if acute["active"] and acute.get("precautionary"):
        parts.append(d.w("acute_precaution"))
    elif acute["active"]:
        started = "acute_started" if acute.get("source") == "clinician" else "acute_active"
        parts.append(d.w(started, until=d.date(acute["until"])))
    elif acute.get("ended_by_clinician"):
        parts.append(d.w("acute_ended"))
    if result["red_flags"]:
        flags = ", ".join(d.texts.red_flag(f, d.lang) for f in result["red_flags"])
        parts.append(d.w("red_flags", flags=flags))
    return " · ".join(parts)


def _layout(d: _Doc, layout: str) -> str:
    if layout.startswith("acute_"):
        return d.w(f"layout_{layout}")
    return d.texts.category_name(layout, d.lang)


def _level(d: _Doc, family: str | None, level: int | None) -> str:
    if family is None:
        return ""
    entry = d.families[family]
    of = len(entry["levels"])
    step = _fill(d.base, d.texts.ui["slot_level"](d.lang), {"level": level, "of": of}, d.lang)
    return f"{entry['name'][d.lang]}, {step}"


def _why(d: _Doc, slot: Mapping[str, Any]) -> str:
    parts = [
        d.w("cap", level=d.tag(c["tag"], c["level"]), rules=d.rules(c["rules"]))
        for c in slot["capped"]
    ]
    if slot["refine"]:
        tests = ", ".join(d.texts.field_label(p, d.lang) or p for p in slot["refine"])
        parts.append(_fill(d.base, d.texts.ui["slot_refine"](d.lang), {"tests": tests}, d.lang))
    if slot["rules"]:
        parts.append(", ".join(slot["rules"]))
    return "; ".join(parts)


def _plan(d: _Doc, plan: Mapping[str, Any]) -> None:
    items = [i for domain in plan["order"] for i in plan["domains"][domain]]
    by_id = {i["exercise"]: i for i in items}
    layout = d.base.knowledge.layouts[plan["layout"]]
    d.lines.append(
        f"**{d.w('plan')}:** "
        + d.w("layout", layout=_layout(d, plan["layout"]), max=layout.max_items, count=len(items))
    )
    d.lines.append("")
    by = _cap_rules(d, plan)
    caps = "; ".join(
        d.w("cap", level=d.tag(tag, plan["caps"][tag]), rules=d.rules(by.get(tag, ())))
        for tag in CAP_TAGS
        if tag in plan["caps"]
    )
    d.lines += [f"**{d.w('caps')}:** {caps}", ""]
    if plan["withheld"]:
        rules = ", ".join(plan["withheld"])
        d.lines += [
            f"> {_fill(d.base, d.texts.ui['plan_withheld'](d.lang), {'rules': rules}, d.lang)}",
            "",
        ]
    head = ("pattern", "status", "exercise", "level", "dose", "why")
    d.lines.append("| " + " | ".join(d.w(h) for h in head) + " |")
    d.lines.append("|" + "---|" * len(head))
    for slot in plan["slots"]:
        item = by_id.get(slot["exercise"] or "")
        name = d.texts.exercise_name(slot["exercise"], d.lang) if slot["exercise"] else ""
        row = (
            d.texts.tags.pattern[slot["pattern"]](d.lang),
            d.texts.tags.slot_status[slot["status"]](d.lang),
            f"**{name}**" if item else name,
            _level(d, slot["family"], slot["level"]),
            item["dose_text"] if item else "",
            _why(d, slot),
        )
        d.lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    d.lines.append("")
    if plan.get("notes"):
        d.lines += [f"**{d.w('notes')}:**", ""]
        d.lines += [f"- {note['text']} ({', '.join(note['sources'])})" for note in plan["notes"]]
        d.lines.append("")
    _load(d, [*items, *plan["supervised"]])
    if plan["supervised"]:
        d.lines += [f"**{d.w('supervised')}:**", ""]
        for i in plan["supervised"]:
            d.lines.append(f"- {i['name']}: {i['dose_text']}")
        d.lines.append("")


def _cap_rules(d: _Doc, plan: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The rules that set each of the plan's caps at its level.

    The category's card and the precautions that applied (`plan.cap_rules`), attributed as
    rules.plan.plan_caps does.
    """
    k = d.base.knowledge
    precautions = {p.rule.id: p.caps for p in k.precautions}

    def caps_of(rule: str) -> Mapping[str, str]:
        if rule.startswith("category:"):
            return k.categories[rule.split(":", 1)[1]].caps
        return precautions.get(rule, {})

    return {
        tag: tuple(r for r in plan["cap_rules"] if caps_of(r).get(tag) == level)
        for tag, level in plan["caps"].items()
    }


def _load(d: _Doc, items: Sequence[Mapping[str, Any]]) -> None:
    """Each load and progression text once, with the exercises that follow it."""
    groups: dict[tuple[str, str], list[str]] = {}
    for i in items:
        groups.setdefault((i["intensity_text"], i["progression_text"]), []).append(i["name"])
    if not groups:
        return
    d.lines += [f"**{d.w('load')}:**", ""]
    for (intensity, progression), names in groups.items():
        said = []
        if intensity:
            said.append(f"{d.w('intensity')}: {intensity}")
        if progression:
            said.append(f"{d.w('progression')}: {progression}")
        d.lines.append(f"- *{', '.join(names)}* – {' '.join(said)}")
    d.lines.append("")


def plans_markdown(
    base: KnowledgeBase, cases: Sequence[Mapping[str, Any]], lang: str = "da"
) -> str:
    """The Markdown of docs/plans.md for the case files `cases` (their parsed JSON)."""
    d = _Doc(base, lang)
    d.lines += [f"# {d.w('title')}", "", d.w("intro", version=base.version), ""]
    k = base.knowledge
    for doc in cases:
        case = doc["case"]
        result = write_result(
            assess(parse_case(case, k.input_ranges, k.conditions), k), words(base, lang)
        )
        title = doc.get("title") or doc.get("description", "")
        d.lines += [f"## {doc['id']} · {title}", ""]
        d.lines += [f"**{d.w('facts')}:** {_facts(d, case)}", ""]
        reasons = ", ".join(r["rule"] for r in result["reasons"])
        d.lines += [
            f"**{d.w('assessment')}:** {_assessment(d, result)}. {d.w('reasons')}: {reasons}.",
            "",
        ]
        if result["plan"] is None:
            d.lines += [d.w("no_plan"), ""]
        else:
            _plan(d, result["plan"])
        if doc.get("xfail"):
            d.lines += [f"*{d.w('xfail', reason=doc['xfail'])}*", ""]
    return "\n".join(d.lines).rstrip() + "\n"


def read_cases(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The case files at `paths`, parsed, in the given order."""
    return [json.loads(Path(p).read_text("utf-8")) for p in paths]
