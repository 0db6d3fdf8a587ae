"""The case: what a physiotherapist knows at one assessment, parsed and validated from case JSON."""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import date
from enum import StrEnum
from typing import Any, assert_never, get_args, get_type_hints

from osteofys.rules.limits import (
    EARLIEST_DATE,
    MAX_CONDITIONS,
    MAX_FRACTURES,
    MAX_ISSUES,
    MAX_REASON_CHARS,
)

CASE_FORMAT = "osteofys.case/1"
UNABLE = "unable"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An issue quotes the value it is about; a long text or a big container is shortened so that
# the answer to a bad input stays small.
_QUOTE_CHARS = 80
_QUOTE_ITEMS = 10


class FieldKind(StrEnum):
    """How a case field is written in case JSON and checked.

    Every consumer (parser, form, API schema, loader, batch) matches on it exhaustively, so a new
    kind is named by mypy.
    """

    NUMBER = "number"
    INTEGER = "integer"
    NUMBER_OR_UNABLE = "number_or_unable"
    """A number, or `"unable"`: could not perform the test (SPEC §6), never 0 or a big number."""
    BOOLEAN = "boolean"
    CHOICE = "choice"
    """One value of the field's `choices` enum."""
    DATE = "date"
    CONDITIONS = "conditions"
    """A list of ids of the knowledge base's conditions vocabulary (conditions.toml)."""
    TEXT = "text"
    """Free text written by the clinician (a reason), at most `MAX_REASON_CHARS` characters."""


# The value lists of the choice fields (case-format.md). Their words live in the knowledge base
# and the UI's gettext catalogue, keyed by these values.
class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Smoking(StrEnum):
    NEVER = "never"
    FORMER = "former"
    CURRENT = "current"


class WalkingAid(StrEnum):
    NONE = "none"
    STICK = "stick"
    ROLLATOR = "rollator"
    WHEELCHAIR = "wheelchair"


class EverydayActivity(StrEnum):
    ACTIVE = "active"
    LOW = "low"


class FractureSite(StrEnum):
    VERTEBRA = "vertebra"
    HIP = "hip"
    WRIST = "wrist"
    PROXIMAL_HUMERUS = "proximal_humerus"
    PELVIS = "pelvis"
    RIB = "rib"
    ANKLE = "ankle"
    OTHER = "other"


class AcuteAction(StrEnum):
    """What the clinician decides about the acute phase (SPEC R-ACU-2, R-ACU-EXIT-2)."""

    END = "end"
    """End the acute phase early: allowed from `earliest_end` (fracture + 12 weeks)."""
    START = "start"
    """Start it for another recent fracture (pelvis, proximal humerus, ...), named by `site`."""


def choices_of(choices: type[StrEnum]) -> tuple[str, ...]:
    """The values of a value list, in their declared order, as plain strings."""
    return tuple(c.value for c in choices)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What the case format says about one field, declared with it (`dataclasses.field` metadata).

    The range of a numeric field is the knowledge base's (input_ranges.toml, keyed by the field's
    `section.field` path); its label is in texts.toml `[fields]`.
    """

    kind: FieldKind
    choices: type[StrEnum] | None = None
    """The value list of a `CHOICE` field."""
    finding: bool = False
    """Copied unchanged into the findings record under the field's own name (rules.findings)."""

    values: tuple[str, ...] = field(init=False, default=())
    """The allowed values of a choice field, in declared order; empty for every other kind.
    Spelt out once here, as the parser reads them for every choice field of every case."""

    def __post_init__(self) -> None:
        if self.choices is not None:
            object.__setattr__(self, "values", choices_of(self.choices))

    @property
    def ranged(self) -> bool:
        """Whether the knowledge base must give the field a range (input_ranges.toml)."""
        match self.kind:
            case FieldKind.NUMBER | FieldKind.INTEGER | FieldKind.NUMBER_OR_UNABLE:
                return True
            case (
                FieldKind.BOOLEAN
                | FieldKind.CHOICE
                | FieldKind.DATE
                | FieldKind.CONDITIONS
                | FieldKind.TEXT
            ):
                return False
            case _:
                assert_never(self.kind)


_SPEC = "osteofys.case"
"""The metadata key of a field's `FieldSpec`."""


def _spec(
    kind: FieldKind, choices: type[StrEnum] | None = None, *, finding: bool = False
) -> dict[str, FieldSpec]:
    if (kind is FieldKind.CHOICE) != (choices is not None):
        raise TypeError("a choice field, and only a choice field, has a value list")
    return {_SPEC: FieldSpec(kind, choices, finding)}


def _optional(
    kind: FieldKind, choices: type[StrEnum] | None = None, *, finding: bool = False
) -> Any:
    """A field that may be missing or null in case JSON: None, "not recorded"."""
    return field(default=None, metadata=_spec(kind, choices, finding=finding))


_N, _I, _B = FieldKind.NUMBER, FieldKind.INTEGER, FieldKind.BOOLEAN


@dataclass(frozen=True, slots=True)
class Patient:
    birth_date: date = field(metadata=_spec(FieldKind.DATE))
    sex: str = field(metadata=_spec(FieldKind.CHOICE, Sex, finding=True))
    height_cm: float | None = _optional(_N)
    weight_kg: float | None = _optional(_N)
    osteoporosis_diagnosed: bool | None = _optional(_B, finding=True)


@dataclass(frozen=True, slots=True)
class RiskFactors:
    glucocorticoid_mg_per_day: float | None = _optional(_N, finding=True)
    glucocorticoid_months: float | None = _optional(_N, finding=True)
    menopause_age: float | None = _optional(_N, finding=True)
    family_history: bool | None = _optional(_B, finding=True)
    parent_hip_fracture: bool | None = _optional(_B, finding=True)
    height_loss_cm: float | None = _optional(_N, finding=True)
    kyphosis: bool | None = _optional(_B, finding=True)
    smoking: str | None = _optional(FieldKind.CHOICE, Smoking, finding=True)
    alcohol_units_per_week: float | None = _optional(_N, finding=True)
    immobilisation_months: float | None = _optional(_N, finding=True)
    falls_last_12_months: int | None = _optional(_I, finding=True)
    low_calcium_or_vitamin_d: bool | None = _optional(_B, finding=True)
    aromatase_inhibitor: bool | None = _optional(_B, finding=True)
    antiandrogen_therapy: bool | None = _optional(_B, finding=True)
    conditions: tuple[str, ...] | None = _optional(FieldKind.CONDITIONS, finding=True)
    unexplained_back_pain: bool | None = _optional(_B, finding=True)


@dataclass(frozen=True, slots=True)
class Dxa:
    """T-scores; the core reads them through `min_t` (rules.findings), not one by one."""

    # `_optional` makes a `dataclasses.field` (ruff cannot tell with `date` shadowed here).
    date: date | None = _optional(FieldKind.DATE)  # noqa: RUF009
    lumbar_spine: float | None = _optional(_N)
    femoral_neck: float | None = _optional(_N)
    total_hip: float | None = _optional(_N)
    forearm: float | None = _optional(_N)


@dataclass(frozen=True, slots=True)
class Fracture:
    site: str = field(metadata=_spec(FieldKind.CHOICE, FractureSite))
    date: date | None = _optional(FieldKind.DATE)  # noqa: RUF009
    low_energy: bool | None = _optional(_B)


@dataclass(frozen=True, slots=True)
class Function:
    walking_aid: str | None = _optional(FieldKind.CHOICE, WalkingAid, finding=True)
    needs_help_daily_activities: bool | None = _optional(_B, finding=True)
    training_days_per_week: int | None = _optional(_I, finding=True)
    training_months: float | None = _optional(_N, finding=True)
    everyday_activity: str | None = _optional(FieldKind.CHOICE, EverydayActivity, finding=True)
    sedentary_due_to_disease: bool | None = _optional(_B, finding=True)
    new_sudden_back_pain: bool | None = _optional(_B, finding=True)
    neurological_symptoms: bool | None = _optional(_B, finding=True)
    pain_rest: float | None = _optional(_N, finding=True)
    pain_activity: float | None = _optional(_N, finding=True)


@dataclass(frozen=True, slots=True)
class Tests:
    tug_s: float | None = _optional(_N, finding=True)
    # Read through `sts5_s` and `sts5_unable` (rules.findings), not under its own name.
    sit_to_stand_5x_s: float | str | None = _optional(FieldKind.NUMBER_OR_UNABLE)
    tandem_stance_s: float | None = _optional(_N, finding=True)
    chair_stand_30s: int | None = _optional(_I, finding=True)
    one_leg_stance_s: float | None = _optional(_N, finding=True)
    gait_speed_m_s: float | None = _optional(_N, finding=True)
    grip_kg: float | None = _optional(_N, finding=True)


@dataclass(frozen=True, slots=True)
class AcutePhaseDecision:
    """The clinician's decision about the acute phase, recorded with a reason (SPEC §5.1, §5.4).

    Not a section of facts about the person (it is not in `case_fields`, the batch never sees
    it): the core checks it against the knowledge base (ending only from `earliest_end`,
    starting only after a recent fracture at `site`) and refuses it, with a reason, otherwise.
    """

    action: str = field(metadata=_spec(FieldKind.CHOICE, AcuteAction))
    reason: str = field(metadata=_spec(FieldKind.TEXT))
    site: str | None = _optional(FieldKind.CHOICE, FractureSite)
    """`start` only: the site of the recorded fracture the acute phase follows."""


@dataclass(frozen=True, slots=True)
class Case:
    """One person at one assessment. `None` anywhere means "not recorded"."""

    assessment_date: date
    patient: Patient
    risk_factors: RiskFactors = field(default_factory=RiskFactors)
    dxa: Dxa | None = None
    fractures: tuple[Fracture, ...] | None = None
    function: Function = field(default_factory=Function)
    tests: Tests = field(default_factory=Tests)
    acute_phase_decision: AcutePhaseDecision | None = None


@dataclass(frozen=True, slots=True)
class CaseIssue:
    """One problem with the input. `problem` is a stable code; texts live in the knowledge base."""

    field: str
    problem: str
    value: Any = None
    allowed: str = ""


class CaseError(ValueError):
    """The case cannot be assessed as given. Holds every problem found, not just the first."""

    def __init__(self, issues: list[CaseIssue]) -> None:
        self.issues = issues
        super().__init__(
            "; ".join(f"{i.field}: {i.problem} ({i.value!r}; {i.allowed})" for i in issues)
        )


def specs(cls: type) -> dict[str, FieldSpec]:
    """The declared fields of one part of a case (a section, or `Fracture`), in order."""
    return {f.name: f.metadata[_SPEC] for f in fields(cls)}


def _required(cls: type) -> tuple[str, ...]:
    """The fields of `cls` declared without a default: case JSON must give them."""
    return tuple(
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    )


DECISION = "acute_phase_decision"
"""The case's field holding the clinician's acute-phase decision (not a section of facts)."""


def _section_classes() -> dict[str, type]:
    """The sections of a case: its fields that hold one object of fields (`Dxa | None` too).

    The clinician's decision is one object too, but not facts about the person: it has its own
    reader and is no case field (`case_fields`).
    """
    hints = get_type_hints(Case)
    out: dict[str, type] = {}
    for f in fields(Case):
        if f.name == DECISION:
            continue
        hint = hints[f.name]
        parts = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        classes = [p for p in parts if isinstance(p, type) and is_dataclass(p)]
        if classes:
            out[f.name] = classes[0]
    return out


_SECTION_CLASSES = _section_classes()
_SECTIONS: dict[str, dict[str, FieldSpec]] = {
    name: specs(cls) for name, cls in _SECTION_CLASSES.items()
}
FRACTURE_FIELDS: dict[str, FieldSpec] = specs(Fracture)
FRACTURE_REQUIRED = _required(Fracture)
DECISION_FIELDS: dict[str, FieldSpec] = specs(AcutePhaseDecision)
DECISION_REQUIRED = _required(AcutePhaseDecision)
_TOP_LEVEL = {"format", *(f.name for f in fields(Case))}
REQUIRED = (
    *(name for name in _required(Case) if name not in _SECTION_CLASSES),
    *(f"{s}.{name}" for s, cls in _SECTION_CLASSES.items() for name in _required(cls)),
)
"""The fields case JSON must give: the assessment date, the patient's birth date and sex."""
_CASE_FIELDS = {f"{s}.{f}": spec for s, section in _SECTIONS.items() for f, spec in section.items()}


def case_fields() -> dict[str, FieldSpec]:
    """Every `section.field` path of a case with its declaration, in the order of the format.

    Forms, the API schema, the loader's checks and the batch derive from it.
    """
    return dict(_CASE_FIELDS)


class _Parser:
    def __init__(
        self, ranges: Mapping[str, tuple[float, float]], conditions: frozenset[str], today: date
    ):
        self.ranges = ranges
        self.conditions = conditions
        self.today = today
        self.issues: list[CaseIssue] = []
        self.dropped = 0

    def fail(self, path: str, problem: str, value: Any = None, allowed: str = "") -> None:
        if len(self.issues) >= MAX_ISSUES:
            self.dropped += 1
            return
        self.issues.append(CaseIssue(path, problem, _quote(value), allowed))

    def all_issues(self) -> list[CaseIssue]:
        """The issues found, and one more saying how many were left out."""
        if not self.dropped:
            return self.issues
        return [*self.issues, CaseIssue("case", "more_issues", self.dropped, str(MAX_ISSUES))]

    def date_(self, path: str, raw: Any) -> date | None:
        if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
            self.fail(path, "bad_date", raw, "YYYY-MM-DD")
            return None
        try:
            when = date.fromisoformat(raw)
        except ValueError:
            self.fail(path, "bad_date", raw, "YYYY-MM-DD")
            return None
        # No clinical date is before 1900; the upper bounds are relative (see `_check_dates`).
        if when < EARLIEST_DATE:
            self.fail(path, "out_of_range", raw, self.date_range())
            return None
        return when

    def date_range(self) -> str:
        """The dates any field of the case may hold, as shown in a message."""
        return f"{EARLIEST_DATE.isoformat()}–{self.today.isoformat()}"

    def too_many(self, path: str, raw: list[Any], limit: int) -> bool:
        """Refuse a list longer than `limit` before looking at its items."""
        if len(raw) <= limit:
            return False
        self.fail(path, "too_many", len(raw), str(limit))
        return True

    def number(self, path: str, raw: Any, integer: bool) -> float | int | None:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(path, "wrong_type", raw, "integer" if integer else "number")
            return None
        if integer and not (isinstance(raw, int) or float(raw).is_integer()):
            self.fail(path, "wrong_type", raw, "integer")
            return None
        low, high = self.ranges[path]
        if not low <= raw <= high:
            self.fail(path, "out_of_range", raw, f"{_fmt(low)}–{_fmt(high)}")
            return None
        return int(raw) if integer else float(raw)

    def value(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        if raw is None:
            return None
        return _READERS[spec.kind](self, path, spec, raw)

    def read_number(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        return self.number(path, raw, integer=False)

    def read_integer(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        return self.number(path, raw, integer=True)

    def read_number_or_unable(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        return UNABLE if raw == UNABLE else self.number(path, raw, integer=False)

    def read_boolean(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        if not isinstance(raw, bool):
            self.fail(path, "wrong_type", raw, "true/false")
            return None
        return raw

    def read_choice(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        if raw not in spec.values:
            self.fail(path, "bad_choice", raw, ", ".join(spec.values))
            return None
        return raw

    def read_date(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        return self.date_(path, raw)

    def read_conditions(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        return self.condition_list(path, raw)

    def read_text(self, path: str, spec: FieldSpec, raw: Any) -> Any:
        if not isinstance(raw, str):
            self.fail(path, "wrong_type", raw, "text")
            return None
        text = raw.strip()
        if _CONTROL.search(text):
            # A NUL or another control character is no clinician's text (and PostgreSQL refuses
            # NUL in JSON); line breaks and tabs are kept.
            self.fail(path, "wrong_type", raw, "text without control characters")
            return None
        if len(text) > MAX_REASON_CHARS:
            self.fail(path, "too_long", len(text), str(MAX_REASON_CHARS))
            return None
        # A blank reason is no reason: "required", as a missing one.
        return text or None

    def decision(
        self, raw: Any, fractures: tuple[Fracture, ...] | None
    ) -> AcutePhaseDecision | None:
        """The clinician's acute-phase decision (SPEC R-ACU-2, R-ACU-EXIT-2), checked as a whole.

        A reason is required for both actions; `site` belongs to `start` only, and names a
        fracture recorded in `fractures`. Whether the decision may take effect (ending from
        `earliest_end`, starting after a recent fracture) is the core's check: it needs the
        knowledge base.
        """
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.fail(DECISION, "wrong_type", raw, "object")
            return None
        for key in raw.keys() - DECISION_FIELDS.keys():
            self.fail(f"{DECISION}.{key}", "unknown_field", raw[key], ", ".join(DECISION_FIELDS))
        before = len(self.issues)
        parsed = {
            name: self.value(f"{DECISION}.{name}", spec, raw.get(name))
            for name, spec in DECISION_FIELDS.items()
        }
        for name in DECISION_REQUIRED:
            path = f"{DECISION}.{name}"
            if parsed[name] is None and not any(i.field == path for i in self.issues):
                self.fail(path, "required", None, ", ".join(DECISION_FIELDS[name].values))
        action, site = parsed["action"], parsed["site"]
        path = f"{DECISION}.site"
        if action == AcuteAction.END and raw.get("site") is not None:
            self.fail(path, "only_with_start", raw.get("site"), AcuteAction.START.value)
        elif action == AcuteAction.START and site is None and raw.get("site") is None:
            self.fail(path, "required", None, ", ".join(DECISION_FIELDS["site"].values))
        elif (
            action == AcuteAction.START
            and site is not None
            # Fractures not recorded (None): the core leaves the start undecided (P14).
            and fractures is not None
            and not any(f.site == site for f in fractures)
        ):
            self.fail(path, "no_fracture", site, "fractures")
        if len(self.issues) > before:
            return None
        return AcutePhaseDecision(**parsed)

    def condition_list(self, path: str, raw: Any) -> tuple[str, ...] | None:
        if not isinstance(raw, list):
            self.fail(path, "wrong_type", raw, "list")
            return None
        if self.too_many(path, raw, MAX_CONDITIONS):
            return None
        if not all(isinstance(c, str) for c in raw):
            self.fail(path, "wrong_type", raw, "list")
            return None
        unknown = [c for c in raw if c not in self.conditions]
        if unknown:
            self.fail(path, "bad_choice", unknown[0], ", ".join(sorted(self.conditions)))
            return None
        return tuple(dict.fromkeys(raw))

    def section(self, name: str, raw: Any) -> dict[str, Any] | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.fail(name, "wrong_type", raw, "object")
            return None
        spec = _SECTIONS[name]
        for key in raw.keys() - spec.keys():
            self.fail(f"{name}.{key}", "unknown_field", raw[key], ", ".join(spec))
        return {f: self.value(f"{name}.{f}", spec[f], raw.get(f)) for f in spec}

    def fractures(self, raw: Any) -> tuple[Fracture, ...] | None:
        if raw is None:
            return None
        if not isinstance(raw, list):
            self.fail("fractures", "wrong_type", raw, "list")
            return None
        if self.too_many("fractures", raw, MAX_FRACTURES):
            return None
        result = []
        for i, item in enumerate(raw):
            path = f"fractures[{i}]"
            if not isinstance(item, dict):
                self.fail(path, "wrong_type", item, "object")
                continue
            for key in item.keys() - FRACTURE_FIELDS.keys():
                self.fail(
                    f"{path}.{key}", "unknown_field", item[key], ", ".join(sorted(FRACTURE_FIELDS))
                )
            parsed: dict[str, Any] = {}
            for name, spec in FRACTURE_FIELDS.items():
                parsed[name] = self.value(f"{path}.{name}", spec, item.get(name))
                if name in FRACTURE_REQUIRED and item.get(name) is None:
                    self.fail(f"{path}.{name}", "required", None, ", ".join(spec.values))
            if all(parsed[name] is not None for name in FRACTURE_REQUIRED):
                result.append(Fracture(**parsed))
        return tuple(result)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _quote(value: Any) -> Any:
    """The value as an issue quotes it: long texts clipped, big or nested containers elided."""
    if isinstance(value, str) and len(value) > _QUOTE_CHARS:
        return value[: _QUOTE_CHARS - 1] + "…"
    if isinstance(value, list | dict):
        items = value.values() if isinstance(value, dict) else value
        small = len(value) <= _QUOTE_ITEMS and all(
            not isinstance(v, list | dict) and _quote(v) is v for v in items
        )
        if not small or (isinstance(value, dict) and any(_quote(k) is not k for k in value)):
            return "[…]" if isinstance(value, list) else "{…}"
    return value


_Reader = Callable[[_Parser, str, FieldSpec, Any], Any]


def _reader(kind: FieldKind) -> _Reader:
    """The parser's reader of one kind of field; exhaustive, so mypy names a kind without one."""
    match kind:
        case FieldKind.NUMBER:
            return _Parser.read_number
        case FieldKind.INTEGER:
            return _Parser.read_integer
        case FieldKind.NUMBER_OR_UNABLE:
            return _Parser.read_number_or_unable
        case FieldKind.BOOLEAN:
            return _Parser.read_boolean
        case FieldKind.CHOICE:
            return _Parser.read_choice
        case FieldKind.DATE:
            return _Parser.read_date
        case FieldKind.CONDITIONS:
            return _Parser.read_conditions
        case FieldKind.TEXT:
            return _Parser.read_text
        case _:
            assert_never(kind)


# Looked up rather than matched for every field of every case (a match on enum members costs
# an attribute look-up per arm).
_READERS: dict[FieldKind, _Reader] = {kind: _reader(kind) for kind in FieldKind}


def parse_case(
    data: Any,
    ranges: Mapping[str, tuple[float, float]],
    conditions: frozenset[str],
    *,
    today: date | None = None,
) -> Case:
    """Validate case JSON (already decoded) and build a `Case`.

    Args:
        data: The decoded case JSON.
        ranges: The allowed range of each numeric field (knowledge base).
        conditions: The `risk_factors.conditions` vocabulary.
        today: The latest allowed assessment date (default: the computer's date); a caller with
            its own notion of the local day (the web app's time zone) passes it.

    Raises:
        CaseError: listing every problem, each naming the field, the value and what is allowed
            (at most `MAX_ISSUES`, then one issue counting the rest).
    """
    p = _Parser(ranges, conditions, today or date.today())
    if not isinstance(data, dict):
        raise CaseError([CaseIssue("case", "wrong_type", data, "object")])
    for key in data.keys() - _TOP_LEVEL:
        p.fail(key, "unknown_field", data[key], ", ".join(sorted(_TOP_LEVEL)))
    if data.get("format", CASE_FORMAT) != CASE_FORMAT:
        p.fail("format", "bad_choice", data.get("format"), CASE_FORMAT)
    assessed = None
    if data.get("assessment_date") is None:
        p.fail("assessment_date", "required", None, "YYYY-MM-DD")
    else:
        assessed = p.date_("assessment_date", data["assessment_date"])
        if assessed is not None and assessed > p.today:
            # A future assessment was never made; refused here, so the time windows computed
            # from it (acute phase until + N months) stay within the calendar.
            p.fail("assessment_date", "out_of_range", assessed.isoformat(), p.date_range())
            assessed = None
    sections = {name: p.section(name, data.get(name)) for name in _SECTIONS}
    fractures = p.fractures(data.get("fractures"))
    decision = p.decision(data.get(DECISION), fractures)
    patient = sections["patient"] or {}
    for path in REQUIRED:
        section, _, key = path.partition(".")
        if not key:
            continue  # the assessment date, checked above
        if (sections[section] or {}).get(key) is None and not any(
            i.field == path for i in p.issues
        ):
            p.fail(path, "required", None, "")
    born = patient.get("birth_date")
    if assessed is not None and born is not None:
        _check_dates(p, assessed, born, sections, fractures)
    if p.issues or assessed is None:
        raise CaseError(p.all_issues())
    dxa = sections["dxa"]
    return Case(
        assessment_date=assessed,
        patient=Patient(**patient),
        risk_factors=RiskFactors(**(sections["risk_factors"] or {})),
        dxa=Dxa(**dxa) if dxa and any(v is not None for v in dxa.values()) else None,
        fractures=fractures,
        function=Function(**(sections["function"] or {})),
        tests=Tests(**(sections["tests"] or {})),
        acute_phase_decision=decision,
    )


def _check_dates(
    p: _Parser,
    assessed: date,
    born: date,
    sections: dict[str, dict[str, Any] | None],
    fractures: tuple[Fracture, ...] | None,
) -> None:
    dated: list[tuple[str, date | None]] = [("patient.birth_date", born)]
    dated.append(("dxa.date", (sections["dxa"] or {}).get("date")))
    dated += [(f"fractures[{i}].date", f.date) for i, f in enumerate(fractures or ())]
    for path, when in dated:
        if when is None:
            continue
        if when > assessed:
            p.fail(path, "after_assessment", when.isoformat(), f"≤ {assessed.isoformat()}")
        elif path != "patient.birth_date" and when < born:
            p.fail(path, "before_birth", when.isoformat(), f"≥ {born.isoformat()}")
