"""The case: what a physiotherapist knows at one assessment, parsed and validated from case JSON."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from osteofys.rules.limits import EARLIEST_DATE, MAX_CONDITIONS, MAX_FRACTURES, MAX_ISSUES

CASE_FORMAT = "osteofys.case/1"

SEXES = ("female", "male")
SMOKING = ("never", "former", "current")
WALKING_AIDS = ("none", "stick", "rollator", "wheelchair")
EVERYDAY_ACTIVITY = ("active", "low")
FRACTURE_SITES = ("vertebra", "hip", "wrist", "proximal_humerus", "pelvis", "rib", "ankle", "other")
UNABLE = "unable"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# An issue quotes the value it is about; a long text or a big container is shortened so that
# the answer to a bad input stays small.
_QUOTE_CHARS = 80
_QUOTE_ITEMS = 10


@dataclass(frozen=True, slots=True)
class Patient:
    birth_date: date
    sex: str
    height_cm: float | None = None
    weight_kg: float | None = None
    osteoporosis_diagnosed: bool | None = None


@dataclass(frozen=True, slots=True)
class RiskFactors:
    glucocorticoid_mg_per_day: float | None = None
    glucocorticoid_months: float | None = None
    menopause_age: float | None = None
    family_history: bool | None = None
    parent_hip_fracture: bool | None = None
    height_loss_cm: float | None = None
    kyphosis: bool | None = None
    smoking: str | None = None
    alcohol_units_per_week: float | None = None
    immobilisation_months: float | None = None
    falls_last_12_months: int | None = None
    low_calcium_or_vitamin_d: bool | None = None
    aromatase_inhibitor: bool | None = None
    antiandrogen_therapy: bool | None = None
    conditions: tuple[str, ...] | None = None
    unexplained_back_pain: bool | None = None


@dataclass(frozen=True, slots=True)
class Dxa:
    date: date | None = None
    lumbar_spine: float | None = None
    femoral_neck: float | None = None
    total_hip: float | None = None
    forearm: float | None = None


@dataclass(frozen=True, slots=True)
class Fracture:
    site: str
    date: date | None = None
    low_energy: bool | None = None


@dataclass(frozen=True, slots=True)
class Function:
    walking_aid: str | None = None
    needs_help_daily_activities: bool | None = None
    training_days_per_week: int | None = None
    training_months: float | None = None
    everyday_activity: str | None = None
    sedentary_due_to_disease: bool | None = None
    new_sudden_back_pain: bool | None = None
    neurological_symptoms: bool | None = None
    pain_rest: float | None = None
    pain_activity: float | None = None


@dataclass(frozen=True, slots=True)
class Tests:
    tug_s: float | None = None
    sit_to_stand_5x_s: float | str | None = None
    tandem_stance_s: float | None = None
    chair_stand_30s: int | None = None
    one_leg_stance_s: float | None = None
    gait_speed_m_s: float | None = None
    grip_kg: float | None = None


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


# Field kinds: ("num", range), ("int", range), ("bool",), ("choice", options), ("date",),
# ("conditions",), ("num_or_unable", range). Numeric ranges come from the knowledge base.
_SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "patient": {
        "birth_date": ("date",),
        "sex": ("choice", *SEXES),
        "height_cm": ("num",),
        "weight_kg": ("num",),
        "osteoporosis_diagnosed": ("bool",),
    },
    "risk_factors": {
        "glucocorticoid_mg_per_day": ("num",),
        "glucocorticoid_months": ("num",),
        "menopause_age": ("num",),
        "family_history": ("bool",),
        "parent_hip_fracture": ("bool",),
        "height_loss_cm": ("num",),
        "kyphosis": ("bool",),
        "smoking": ("choice", *SMOKING),
        "alcohol_units_per_week": ("num",),
        "immobilisation_months": ("num",),
        "falls_last_12_months": ("int",),
        "low_calcium_or_vitamin_d": ("bool",),
        "aromatase_inhibitor": ("bool",),
        "antiandrogen_therapy": ("bool",),
        "conditions": ("conditions",),
        "unexplained_back_pain": ("bool",),
    },
    "dxa": {
        "date": ("date",),
        "lumbar_spine": ("num",),
        "femoral_neck": ("num",),
        "total_hip": ("num",),
        "forearm": ("num",),
    },
    "function": {
        "walking_aid": ("choice", *WALKING_AIDS),
        "needs_help_daily_activities": ("bool",),
        "training_days_per_week": ("int",),
        "training_months": ("num",),
        "everyday_activity": ("choice", *EVERYDAY_ACTIVITY),
        "sedentary_due_to_disease": ("bool",),
        "new_sudden_back_pain": ("bool",),
        "neurological_symptoms": ("bool",),
        "pain_rest": ("num",),
        "pain_activity": ("num",),
    },
    "tests": {
        "tug_s": ("num",),
        "sit_to_stand_5x_s": ("num_or_unable",),
        "tandem_stance_s": ("num",),
        "chair_stand_30s": ("int",),
        "one_leg_stance_s": ("num",),
        "gait_speed_m_s": ("num",),
        "grip_kg": ("num",),
    },
}
_FRACTURE_FIELDS = {"site", "date", "low_energy"}
_TOP_LEVEL = {"format", "assessment_date", "patient", "fractures", *_SECTIONS}
REQUIRED = ("assessment_date", "patient.birth_date", "patient.sex")


def case_fields() -> dict[str, tuple[str, ...]]:
    """Every `section.field` path of a case with its kind, for forms and the integrity check."""
    return {f"{s}.{f}": kind for s, fields in _SECTIONS.items() for f, kind in fields.items()}


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

    def value(self, path: str, kind: tuple[str, ...], raw: Any) -> Any:
        if raw is None:
            return None
        match kind[0]:
            case "num":
                return self.number(path, raw, integer=False)
            case "int":
                return self.number(path, raw, integer=True)
            case "num_or_unable":
                return UNABLE if raw == UNABLE else self.number(path, raw, integer=False)
            case "bool":
                if not isinstance(raw, bool):
                    self.fail(path, "wrong_type", raw, "true/false")
                    return None
                return raw
            case "choice":
                if raw not in kind[1:]:
                    self.fail(path, "bad_choice", raw, ", ".join(kind[1:]))
                    return None
                return raw
            case "date":
                return self.date_(path, raw)
            case _:
                return self.condition_list(path, raw)

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
            for key in item.keys() - _FRACTURE_FIELDS:
                self.fail(
                    f"{path}.{key}", "unknown_field", item[key], ", ".join(sorted(_FRACTURE_FIELDS))
                )
            site = self.value(f"{path}.site", ("choice", *FRACTURE_SITES), item.get("site"))
            if site is None and item.get("site") is None:
                self.fail(f"{path}.site", "required", None, ", ".join(FRACTURE_SITES))
            when = self.value(f"{path}.date", ("date",), item.get("date"))
            energy = self.value(f"{path}.low_energy", ("bool",), item.get("low_energy"))
            if site is not None:
                result.append(Fracture(site, when, energy))
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
    patient = sections["patient"] or {}
    for key in ("birth_date", "sex"):
        if patient.get(key) is None and not any(i.field == f"patient.{key}" for i in p.issues):
            p.fail(f"patient.{key}", "required", None, "")
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
