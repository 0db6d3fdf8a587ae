"""The result format (osteofys.result/1): its typed structure, writer, reader and JSON Schema.

This module is the one owner of the stored and exchanged result document: `write_result` turns
an `Assessment` into it, `read_result` turns a stored one back into the typed structure (results
stored by earlier versions included: a key they lack takes its default), and `json_schema` is
generated from the same dataclasses, so the API's schema cannot drift from what is written. The
core returns structure, not sentences: the texts in the document (reasons, exercise names, doses,
goals) come from a `Words` that the caller passes in (`osteofys.kb.explain.words`).
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any, Literal, Protocol

from osteofys.rules import model
from osteofys.rules.case import AcuteAction, FractureSite
from osteofys.rules.model import (
    AcuteRefusal,
    AcuteSite,
    AcuteSource,
    Assessment,
    BoneStatus,
    Category,
    Component,
    Dose,
    Group,
    Pattern,
    Plan,
    PlanItem,
    ReferralBasis,
    SlotReport,
    SlotStatus,
    Step,
)

RESULT_FORMAT: Literal["osteofys.result/1"] = "osteofys.result/1"

InputValue = str | int | float | bool | tuple[str, ...] | None
"""A finding's value as a trace step records it (the JSON form of `rules.model.Scalar`)."""

_OMIT_NONE = "omit_none"  # field metadata: the writer leaves the key out when the value is None
_DATE = {"format": "date"}  # field metadata: an ISO date in a string (JSON Schema format)


class Words(Protocol):
    """The texts the result document carries, in one language; the knowledge base supplies them."""

    def reason(self, step: Step) -> str:
        """A trace step as a sentence."""

    def exercise_name(self, exercise: str) -> str:
        """An exercise's name."""

    def dose(self, dose: Dose) -> str:
        """A dose as one line of text."""

    def goal(self, category: str, domain: str) -> str:
        """The goal of a domain for an exercise set."""

    def dose_lines(self, category: str, domain: str) -> tuple[DoseLine, ...]:
        """The general dose lines of a domain for an exercise set."""

    def acute_advice(self, site: str | None) -> tuple[str, ...]:
        """The ids of the acute-phase advice after a fracture at `site` (vertebra if unknown)."""

    def dose_words(self, kind: str, key: str | None) -> str:
        """The text of a dose's intensity or progression key, or of a plan note (plan.toml)."""

    def note_sources(self, note: str) -> tuple[str, ...]:
        """The sources of a plan note."""

    def group(self, rule: str) -> Group | None:
        """The group a rule declares."""


# --- the structure --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alternative:
    """A category the case could also be, and the rule that says so."""

    category: Category = Category.HVERDAGSAKTIV
    rule: str = ""


@dataclass(frozen=True, slots=True)
class AcuteDecision:
    """The clinician's acute-phase decision (case `acute_phase_decision`) and what came of it."""

    action: AcuteAction = AcuteAction.END
    reason: str = ""
    site: FractureSite | None = None
    rule: str = ""
    """The rule that checked it (its step is in the trace): R-ACU-EXIT-2 or R-ACU-2."""
    applied: bool | None = None
    """True: it took effect; false: refused (`refused`); null: undecided (a date is missing)."""
    refused: AcuteRefusal | None = None


@dataclass(frozen=True, slots=True)
class AcutePhase:
    """The acute phase after a fracture; dates as ISO strings."""

    active: bool | None = None
    fracture_date: str | None = field(default=None, metadata=_DATE)
    until: str | None = field(default=None, metadata=_DATE)
    earliest_end: str | None = field(default=None, metadata=_DATE)
    precautionary: bool = False
    site: AcuteSite | None = None
    """vertebra | hip | other: the plan's layout acute_<site>; null when not active."""
    source: AcuteSource | None = None
    """fracture (SPEC P3) | clinician (R-ACU-2) | red_flag (P4)."""
    ended_by_clinician: bool = False
    """R-ACU-EXIT-2: ended early by the clinician (`active` is then false)."""
    reason: str = ""
    """The clinician's reason, when their decision took effect."""
    decision: AcuteDecision | None = None


@dataclass(frozen=True, slots=True)
class Referral:
    """The referral for a bone scan or to the GP (SPEC P4, P10)."""

    recommended: bool | None = None
    urgent: bool = False
    reasons: tuple[str, ...] = ()
    basis: ReferralBasis = ReferralBasis.NONE
    osteoporosis_by_definition: bool = False
    modifiable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """A rule behind the result, as a sentence with its sources."""

    rule: str = ""
    text: str = ""
    sources: tuple[str, ...] = ()
    group: Group | None = None
    """Where the reason is shown (the rule's group); None in results stored before groups."""


@dataclass(frozen=True, slots=True)
class DoseDoc:
    """A dose; ranges are [min, max] and unset parts are left out."""

    sets: int | None = field(default=None, metadata={_OMIT_NONE: True})
    reps: tuple[int, int] | None = field(default=None, metadata={_OMIT_NONE: True})
    hold_s: tuple[int, int] | None = field(default=None, metadata={_OMIT_NONE: True})
    minutes: tuple[int, int] | None = field(default=None, metadata={_OMIT_NONE: True})
    impacts: int | None = field(default=None, metadata={_OMIT_NONE: True})
    days_per_week: tuple[int, int] | None = field(default=None, metadata={_OMIT_NONE: True})
    effort: tuple[int, int] | None = field(default=None, metadata={_OMIT_NONE: True})
    """Effort on a 0-10 scale."""
    rest_s: tuple[int, int] | None = field(default=None, metadata={_OMIT_NONE: True})
    intensity: str | None = field(default=None, metadata={_OMIT_NONE: True})
    """Key of the load in words (plan.toml); its text is the item's `intensity_text`."""
    progression: str | None = field(default=None, metadata={_OMIT_NONE: True})
    """Key of the progression criterion (plan.toml); its text is `progression_text`."""


@dataclass(frozen=True, slots=True)
class Item:
    """An exercise in the plan with its dose, its place on its ladder and its safety tags."""

    exercise: str = ""
    name: str = ""
    component: Component = Component.RESISTANCE
    dose: DoseDoc = DoseDoc()
    dose_text: str = ""
    pattern: Pattern | None = None
    family: str | None = None
    level: int | None = None
    """1 = the easiest level of the family (families.toml); the next step up is level + 1."""
    impact: str | None = None
    spinal_flexion: str | None = None
    fall_risk: str | None = None
    load: str | None = None
    intensity_text: str = ""
    progression_text: str = ""


@dataclass(frozen=True, slots=True)
class CapDoc:
    """A cap that held a slot lower: the tag, its highest allowed level and the rules."""

    tag: str = ""
    level: str = ""
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotDoc:
    """What became of one slot of the plan's layout (`rules.model.SlotStatus`)."""

    pattern: Pattern = Pattern.SQUAT
    status: SlotStatus = SlotStatus.FILLED
    exercise: str | None = None
    family: str | None = None
    level: int | None = None
    capped: tuple[CapDoc, ...] = ()
    refine: tuple[str, ...] = ()
    """Case fields whose recording could start the slot at a higher level."""
    rules: tuple[str, ...] = ()
    """The rules that withheld the slot."""


@dataclass(frozen=True, slots=True)
class DoseLine:
    """A general dose line of a domain (doses.toml)."""

    component: str = ""
    text: str = ""
    evidence: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanDoc:
    """The training plan: items per domain (in `order`), caps, supervised lifts and advice."""

    exercise_set: Category = Category.HVERDAGSAKTIV
    order: tuple[str, ...] = ()
    domains: Mapping[str, tuple[Item, ...]] = field(default_factory=dict)
    goals: Mapping[str, str] = field(default_factory=dict)
    dose_lines: Mapping[str, tuple[DoseLine, ...]] = field(default_factory=dict)
    caps: Mapping[str, str] = field(default_factory=dict)
    cap_rules: tuple[str, ...] = ()
    supervised: tuple[Item, ...] = ()
    acute_advice: tuple[str, ...] = ()
    activity_levels: tuple[str, ...] = ()
    layout: str = ""
    """The plan.toml layout: the exercise set, or acute_<site> in the acute phase."""
    slots: tuple[SlotDoc, ...] = ()
    withheld: tuple[str, ...] = ()
    """Rules that hold back every exercise until the clinician has clarified them."""
    notes: tuple[NoteDoc, ...] = ()
    """Notes on the whole plan (plan.toml [note.*]) that hold for the case."""


@dataclass(frozen=True, slots=True)
class NoteDoc:
    """A note on the whole plan: its id (plan.toml), its text and its sources."""

    id: str = ""
    text: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One rule evaluation: the inputs read, the cut-offs, the outcome and the sources."""

    rule: str = ""
    outcome: bool | str | None = None
    inputs: Mapping[str, InputValue] = field(default_factory=dict)
    cutoffs: Mapping[str, float] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    provisional: bool = False
    missing: tuple[str, ...] = ()

    def step(self) -> Step:
        """The core's `Step`, e.g. to word it again from a stored result."""
        return Step(
            self.rule,
            self.outcome,
            tuple(self.inputs),
            tuple(self.inputs.values()),
            tuple(self.cutoffs.items()),
            self.sources,
            self.provisional,
            self.missing,
        )


@dataclass(frozen=True, slots=True)
class Result:
    """Resultatformatet (`osteofys assess --json`). Flere nøgler kan komme til."""

    format: Literal["osteofys.result/1"] = RESULT_FORMAT
    knowledge_version: str = ""
    knowledge_hash: str = ""
    category: Category | None = None
    provisional: bool = False
    alternatives: tuple[Alternative, ...] = ()
    acute_phase: AcutePhase = AcutePhase()
    bone_status: BoneStatus = BoneStatus.UNKNOWN
    fall_risk: bool | None = None
    low_performance: bool | None = None
    red_flags: tuple[str, ...] = ()
    referral: Referral = Referral()
    overlays: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    missing: tuple[str, ...] = ()
    plan: PlanDoc | None = None
    trace: tuple[TraceStep, ...] = ()


# --- the writer -----------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _item(item: PlanItem, words: Words) -> Item:
    d = item.dose
    dose = DoseDoc(**{f.name: getattr(d, f.name) for f in dataclasses.fields(DoseDoc)})
    tags = dict(item.tags)
    return Item(
        item.exercise,
        words.exercise_name(item.exercise),
        item.component,
        dose,
        words.dose(d),
        item.pattern,
        item.family,
        item.level,
        tags.get("impact"),
        tags.get("spinal_flexion"),
        tags.get("fall_risk"),
        tags.get("load"),
        words.dose_words("intensity", d.intensity),
        words.dose_words("progression", d.progression),
    )


def slot_doc(s: SlotReport) -> SlotDoc:
    """A slot report as the result document (and a stored plan) keeps it."""
    capped = tuple(CapDoc(c.tag, c.level, c.rules) for c in s.capped)
    return SlotDoc(s.pattern, s.status, s.exercise, s.family, s.level, capped, s.refine, s.rules)


def _plan(plan: Plan, words: Words) -> PlanDoc:
    cat, domains = plan.exercise_set, plan.domains
    return PlanDoc(
        exercise_set=cat,
        order=tuple(d.domain.value for d in domains),
        domains={d.domain.value: tuple(_item(i, words) for i in d.items) for d in domains},
        goals={d.domain.value: words.goal(cat, d.domain) for d in domains},
        dose_lines={d.domain.value: words.dose_lines(cat, d.domain) for d in domains},
        caps=dict(plan.caps),
        cap_rules=plan.cap_rules,
        supervised=tuple(_item(i, words) for i in plan.supervised),
        acute_advice=words.acute_advice(plan.acute_site) if plan.acute_advice else (),
        activity_levels=plan.activity_levels,
        layout=plan.layout,
        slots=tuple(slot_doc(s) for s in plan.slots),
        withheld=plan.withheld,
        notes=tuple(
            NoteDoc(n, words.dose_words("note", n), words.note_sources(n)) for n in plan.notes
        ),
    )


def _acute(acute: model.AcutePhase) -> AcutePhase:
    d = acute.decision
    decision = (
        AcuteDecision(
            AcuteAction(d.action),
            d.reason,
            FractureSite(d.site) if d.site else None,
            d.rule,
            d.applied,
            d.refused,
        )
        if d
        else None
    )
    return AcutePhase(
        acute.active,
        _iso(acute.fracture_date),
        _iso(acute.until),
        _iso(acute.earliest_end),
        acute.precautionary,
        acute.site,
        acute.source,
        acute.ended_by_clinician,
        acute.reason,
        decision,
    )


def _trace_step(s: Step) -> TraceStep:
    return TraceStep(
        s.rule, s.outcome, dict(s.inputs), dict(s.cutoffs), s.sources, s.provisional, s.missing
    )


def document(a: Assessment, words: Words) -> Result:
    """The result document of an assessment, with its texts from `words`."""
    steps = {s.rule: s for s in a.trace}
    acute, referral = a.acute_phase, a.referral
    return Result(
        format=RESULT_FORMAT,
        knowledge_version=a.knowledge_version,
        knowledge_hash=a.knowledge_hash,
        category=a.category,
        provisional=a.provisional,
        alternatives=tuple(Alternative(x.category, x.rule) for x in a.alternatives),
        acute_phase=_acute(acute),
        bone_status=a.bone_status,
        fall_risk=a.fall_risk,
        low_performance=a.low_performance,
        red_flags=a.red_flags,
        referral=Referral(
            referral.recommended,
            referral.urgent,
            referral.reasons,
            referral.basis,
            referral.by_definition,
            referral.modifiable,
        ),
        overlays=a.overlays,
        reasons=tuple(
            Reason(r, words.reason(steps[r]), steps[r].sources, words.group(r)) for r in a.reasons
        ),
        missing=a.missing,
        plan=_plan(a.plan, words) if a.plan else None,
        trace=tuple(_trace_step(s) for s in a.trace),
    )


def to_json(value: Any) -> Any:
    """A result structure (or any part of it) as plain JSON values, keys in field order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if v is None and f.metadata.get(_OMIT_NONE):
                continue
            out[f.name] = to_json(v)
        return out
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    return value


def write_result(a: Assessment, words: Words) -> dict[str, Any]:
    """The result document of an assessment as JSON-able data, as it is stored and served."""
    out: dict[str, Any] = to_json(document(a, words))
    return out


# --- the reader -----------------------------------------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return None


def _value(tp: Any, raw: Any) -> Any:
    """`raw` (plain JSON) as the type `tp`; a scalar is kept as stored."""
    args = _union_args(tp)
    if args is not None:
        if raw is None:
            return None
        for arg in args:
            if dataclasses.is_dataclass(arg) and isinstance(raw, Mapping):
                return _value(arg, raw)
            if typing.get_origin(arg) is tuple and isinstance(raw, list):
                return _value(arg, raw)
            if isinstance(arg, type) and issubclass(arg, StrEnum) and isinstance(raw, str):
                return _value(arg, raw)
        return raw
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _read(tp, raw)
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return tp(raw)
    if origin is tuple:
        inner = typing.get_args(tp)
        if len(inner) == 2 and inner[1] is Ellipsis:
            return tuple(_value(inner[0], v) for v in raw)
        return tuple(_value(t, v) for t, v in zip(inner, raw, strict=True))
    if origin is Mapping:
        kind = typing.get_args(tp)[1]
        return {k: _value(kind, v) for k, v in raw.items()}
    return raw


def _read(cls: type, raw: Mapping[str, Any]) -> Any:
    hints = _hints(cls)
    given = {
        f.name: _value(hints[f.name], raw[f.name]) for f in dataclasses.fields(cls) if f.name in raw
    }
    return cls(**given)


def read_slot(stored: Mapping[str, Any]) -> SlotDoc:
    """A stored slot report (a plan's `slots`) as the typed structure."""
    slot: SlotDoc = _read(SlotDoc, stored)
    return slot


def read_result(stored: Mapping[str, Any]) -> Result:
    """A stored result document as the typed structure.

    A key that an earlier version did not write takes its default; a key this version does not know
    is ignored.
    """
    result: Result = _read(Result, stored)
    return result


# --- the JSON Schema ------------------------------------------------------------------------

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    type(None): {"type": "null"},
}


def _schema(tp: Any, fmt: str | None = None) -> dict[str, Any]:
    args = _union_args(tp)
    if args is not None:
        return {"anyOf": [_schema(a, fmt) for a in args]}
    if tp is str and fmt:
        return {"type": "string", "format": fmt}
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _object(tp)
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return {"type": "string", "enum": [m.value for m in tp]}
    origin, inner = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return {"type": "string", "enum": list(inner)}
    if origin is tuple:
        if len(inner) == 2 and inner[1] is Ellipsis:
            return {"type": "array", "items": _schema(inner[0])}
        # A fixed-length tuple is a [min, max] range of one type.
        return {
            "type": "array",
            "items": _schema(inner[0]),
            "minItems": len(inner),
            "maxItems": len(inner),
        }
    if origin is Mapping:
        return {"type": "object", "additionalProperties": _schema(inner[1])}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _object(cls: type) -> dict[str, Any]:
    hints = _hints(cls)
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        "title": cls.__name__,
        "description": (cls.__doc__ or "").strip(),
        "required": [f.name for f in fields if not f.metadata.get(_OMIT_NONE)],
        "properties": {f.name: _schema(hints[f.name], f.metadata.get("format")) for f in fields},
    }


@cache
def _json_schema() -> dict[str, Any]:
    return _object(Result)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the result document, generated from the dataclasses above.

    Inline, without `$ref`, so that it can be embedded in an OpenAPI document as it is.
    """
    schema: dict[str, Any] = _json_schema()
    return copy.deepcopy(schema)
