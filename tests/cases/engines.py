"""Run one case file through the clinical core and through the batch engine, and check it."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import polars as pl

from osteofys import kb
from osteofys.batch.derive import finding_types
from osteofys.batch.referral import MASK, columns, evaluate, factor_names, referral_rules
from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import Assessment, assess, parse_case
from osteofys.rules.findings import derive
from osteofys.rules.model import CAP_SCALES
from osteofys.rules.result import write_result


class ExpectationError(AssertionError):
    """A case file's expectation the engine did not meet, named by its key."""


@cache
def _base() -> KnowledgeBase:
    return kb.load()


def _assessed(case: dict[str, Any]) -> Assessment:
    k = _base().knowledge
    return assess(parse_case(case, k.input_ranges, k.conditions), k)


def _checks(doc: dict[str, Any]) -> dict[str, Callable[[Any], bool]]:
    """Every expectation a case file may state (case-format.md), against the result document."""
    return {
        "category": lambda v: doc["category"] == v,
        "bone_status": lambda v: doc["bone_status"] == v,
        "acute_active": lambda v: doc["acute_phase"]["active"] is v,
        "acute_until": lambda v: doc["acute_phase"]["until"] == v,
        "acute_site": lambda v: doc["acute_phase"]["site"] == v,
        "acute_source": lambda v: doc["acute_phase"]["source"] == v,
        "acute_ended_by_clinician": lambda v: doc["acute_phase"]["ended_by_clinician"] is v,
        "acute_decision_applied": lambda v: (
            (doc["acute_phase"]["decision"] or {}).get("applied") is v
        ),
        "overlays_include": lambda v: set(v) <= set(doc["overlays"]),
        "fall_risk": lambda v: doc["fall_risk"] is v,
        "low_performance": lambda v: doc["low_performance"] is v,
        "referral_recommended": lambda v: doc["referral"]["recommended"] is v,
        "referral_urgent": lambda v: doc["referral"]["urgent"] is v,
        "referral_reasons_include": lambda v: set(v) <= set(doc["referral"]["reasons"]),
        "referral_basis": lambda v: doc["referral"]["basis"] == v,
        "alternatives_include": lambda v: set(v) <= {a["category"] for a in doc["alternatives"]},
        "red_flag": lambda v: bool(doc["red_flags"]) is v,
        "plan_exercise_set": lambda v: doc["plan"]["exercise_set"] == v,
        "plan": lambda v: _check_plan(doc, v),
    }


# --- expected plan properties (docs/case-format.md, "Case files") ----------------------------


def _items(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The home-programme items of a plan, every domain, in the plan's order."""
    return [i for d in plan["order"] for i in plan["domains"][d]]


def _statuses(plan: dict[str, Any], pattern: str) -> list[str]:
    return [s["status"] for s in plan["slots"] if s["pattern"] == pattern]


def _level_ok(levels: list[int], wanted: Any) -> bool:
    if isinstance(wanted, int):
        return wanted in levels
    low, high = wanted.get("min", 1), wanted.get("max", 99)
    return any(low <= lvl <= high for lvl in levels)


def _slot_caps_ok(plan: dict[str, Any], pattern: str, wanted: list[dict[str, Any]]) -> bool:
    capped = [c for s in plan["slots"] if s["pattern"] == pattern for c in s["capped"]]
    return all(
        any(
            c["tag"] == w["tag"]
            and c["level"] == w.get("level", c["level"])
            and set(w.get("rules", ())) <= set(c["rules"])
            for c in capped
        )
        for w in wanted
    )


def _dose_max_ok(items: list[dict[str, Any]], family: str, bounds: dict[str, int]) -> bool:
    """Every item of `family` (at least one) stays at or below each bound (a range's top)."""
    chosen = [i for i in items if i["family"] == family]
    for item in chosen:
        for key, top in bounds.items():
            value = item["dose"].get(key)
            if value is None or (value[-1] if isinstance(value, list) else value) > top:
                return False
    return bool(chosen)


def _texts(doc: dict[str, Any]) -> list[str]:
    """The Danish texts a reader of the result meets: reasons, plan items, goals, dose lines."""
    plan = doc["plan"] or {}
    texts = [r["text"] for r in doc["reasons"]]
    for item in [*_items(plan), *plan.get("supervised", ())] if plan else ():
        texts += [item["name"], item["dose_text"], item["intensity_text"], item["progression_text"]]
    texts += list(plan.get("goals", {}).values())
    texts += [line["text"] for lines in plan.get("dose_lines", {}).values() for line in lines]
    texts += [note["text"] for note in plan.get("notes", ())]
    return texts


def _text_present(doc: dict[str, Any], wanted: str) -> bool:
    plan = doc["plan"] or {}
    ids = {r["rule"] for r in doc["reasons"]} | set(plan.get("acute_advice", ()))
    ids |= {note["id"] for note in plan.get("notes", ())}
    return wanted in ids or any(wanted in t for t in _texts(doc))


def _plan_checks(doc: dict[str, Any]) -> dict[str, Callable[[Any], bool]]:
    """Every key of an expected `plan` object, against the result document's plan."""
    plan = doc["plan"]
    items = _items(plan)
    patterns = {i["pattern"] for i in items}
    ids = {i["exercise"] for i in items}
    levels: dict[str, list[int]] = {}
    for item in items:
        levels.setdefault(item["family"], []).append(item["level"])
    return {
        "layout": lambda v: plan["layout"] == v,
        "max_items": lambda v: len(items) <= v,
        "min_items": lambda v: len(items) >= v,
        "patterns_present": lambda v: set(v) <= patterns,
        "patterns_absent": lambda v: not set(v) & patterns,
        "exercises_present": lambda v: set(v) <= ids,
        "exercises_absent": lambda v: not set(v) & ids,
        "supervised": lambda v: bool(plan["supervised"]) is v,
        "caps": lambda v: all(plan["caps"].get(t) == lvl for t, lvl in v.items()),
        "slot_status": lambda v: all(
            _statuses(plan, p)
            == (s if isinstance(s, list) else [s] * max(1, len(_statuses(plan, p))))
            for p, s in v.items()
        ),
        "slot_caps": lambda v: all(_slot_caps_ok(plan, p, w) for p, w in v.items()),
        "levels": lambda v: all(_level_ok(levels.get(f, []), w) for f, w in v.items()),
        "dose_max": lambda v: all(_dose_max_ok(items, f, b) for f, b in v.items()),
        "withheld": lambda v: bool(plan["withheld"]) is v,
        "texts_present": lambda v: all(_text_present(doc, t) for t in v),
        "texts_absent": lambda v: not any(_text_present(doc, t) for t in v),
    }


def _check_plan(doc: dict[str, Any], expect: dict[str, Any]) -> bool:
    """A case file's `plan` object: each key holds, or the error names it (`plan.<key>`)."""
    if doc["plan"] is None:
        raise ExpectationError("plan: the result has no plan")
    checks = _plan_checks(doc)
    for key, wanted in expect.items():
        if key not in checks:
            raise ExpectationError(f"the test does not know the plan expectation {key!r}")
        if not checks[key](wanted):
            raise ExpectationError(f"plan.{key}: expected {wanted!r}, {_actual(doc, key)}")
    return True


def _actual(doc: dict[str, Any], key: str) -> str:
    """What the plan holds, for a failed plan expectation's message."""
    plan = doc["plan"]
    items = _items(plan)
    if key in ("texts_present", "texts_absent"):
        rules = [r["rule"] for r in doc["reasons"]]
        notes = [n["id"] for n in plan.get("notes", ())]
        advice = list(plan["acute_advice"])
        return f"reasons {rules}, acute advice {advice}, notes {notes} (and their texts)"
    if key in ("slot_status", "slot_caps"):
        slots = [
            f"{s['pattern']}={s['status']}"
            + "".join(f" [{c['tag']}<={c['level']} {','.join(c['rules'])}]" for c in s["capped"])
            for s in plan["slots"]
        ]
        return "slots: " + "; ".join(slots)
    if key in ("caps", "withheld", "layout", "supervised"):
        value = plan[key]
        return f"got {value!r}" if key != "supervised" else f"got {[i['exercise'] for i in value]}"
    return "items: " + ", ".join(
        f"{i['exercise']} ({i['pattern']}, {i['family']} {i['level']}, {i['dose']})" for i in items
    )


def _check_caps_kept(doc: dict[str, Any]) -> None:
    """No home-programme item breaks a cap of its plan (load included)."""
    plan = doc["plan"]
    if plan is None:
        return
    for item in _items(plan):
        for tag, level in plan["caps"].items():
            scale = CAP_SCALES[tag]
            if item[tag] is not None and scale.index(item[tag]) > scale.index(level):
                raise ExpectationError(
                    f"plan: {item['exercise']} has {tag} {item[tag]}, above the cap {level}"
                )


def check_core(case: dict[str, Any], expect: dict[str, Any]) -> None:
    """Every expectation holds (an unknown key is an error, not a skip), and the result carries
    its knowledge version and a worded, sourced reason for every rule that fired."""
    base = _base()
    doc = json.loads(json.dumps(write_result(_assessed(case), words(base, "da"))))
    checks = _checks(doc)
    for key, wanted in expect.items():
        if key not in checks:
            raise ExpectationError(f"the test does not know the expectation {key!r}")
        if not checks[key](wanted):
            raise ExpectationError(f"{key}: expected {wanted!r}")
    if (doc["knowledge_version"], doc["knowledge_hash"]) != (base.version, base.content_hash):
        raise ExpectationError("the result does not carry the knowledge base's version")
    for reason in doc["reasons"]:
        if not reason["text"] or not reason["sources"]:
            raise ExpectationError(f"reason {reason['rule']} lacks a text or a source")
    _check_caps_kept(doc)


def batch_referral(case: dict[str, Any]) -> dict[str, Any]:
    """The batch engine's referral for the findings the core derives from `case`: one row
    through the same polars columns a population screening uses."""
    k = _base().knowledge
    rules = referral_rules(k)
    found = derive(parse_case(case, k.input_ranges, k.conditions), k.value("adult_age_years"))
    types = finding_types()
    names = sorted(rules.reads | {"age_years"})
    row = pl.DataFrame([{n: found.values[n] for n in names}], schema={n: types[n] for n in names})
    decided = evaluate(row.lazy(), rules).with_columns(**columns(rules)).collect()
    spelt = factor_names(decided[MASK], rules).item()
    return {
        "refer": decided["refer"].item(),
        "basis": decided["basis"].item(),
        "already_known": decided["already_known"].item(),
        "factors": set(spelt.split(";")) if spelt else set(),
    }


def check_batch(case: dict[str, Any]) -> None:
    """The batch engine decides the referral as the core does, on the same risk factors."""
    core = _assessed(case).referral
    batch = batch_referral(case)
    if batch["refer"] is not core.recommended:
        raise ExpectationError(
            f"referral: the batch engine says {batch['refer']!r}, the core {core.recommended!r}"
        )
    if batch["basis"] != core.basis.value:
        raise ExpectationError(
            f"basis: the batch engine says {batch['basis']!r}, the core {core.basis.value!r}"
        )
    if batch["factors"] != set(core.reasons):
        raise ExpectationError(
            f"risk factors: the batch engine finds {sorted(batch['factors'])}, "
            f"the core {sorted(core.reasons)}"
        )
    known = _assessed(case).referral.basis.value == "diagnosed"
    if known and not batch["already_known"]:
        raise ExpectationError("the core knows the diagnosis, the batch engine does not")
