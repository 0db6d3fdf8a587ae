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
        "alternatives_include": lambda v: set(v) <= {a["category"] for a in doc["alternatives"]},
        "red_flag": lambda v: bool(doc["red_flags"]) is v,
        "plan_exercise_set": lambda v: doc["plan"]["exercise_set"] == v,
    }


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
    if batch["factors"] != set(core.reasons):
        raise ExpectationError(
            f"risk factors: the batch engine finds {sorted(batch['factors'])}, "
            f"the core {sorted(core.reasons)}"
        )
    known = _assessed(case).referral.basis.value == "diagnosed"
    if known and not batch["already_known"]:
        raise ExpectationError("the core knows the diagnosis, the batch engine does not")
