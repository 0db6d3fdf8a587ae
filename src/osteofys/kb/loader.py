"""Reads the TOML knowledge base, checks it strictly and builds the core's `Knowledge`."""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from osteofys.kb import pose
from osteofys.kb.problems import Code, Problem
from osteofys.kb.texts import Texts, build_texts
from osteofys.rules import lang
from osteofys.rules.case import DECISION, DECISION_FIELDS, FRACTURE_FIELDS, FieldSpec, case_fields
from osteofys.rules.findings import CHOICES, FACTOR_FINDINGS, FINDINGS, LATE_FINDINGS
from osteofys.rules.knowledge import (
    AlternativeRule,
    CategoryInfo,
    Exercise,
    Family,
    FollowUp,
    Knowledge,
    Layout,
    Mdc,
    Precaution,
    ProgressionRule,
    RiskFactor,
    Rule,
    Setting,
    Slot,
    Table,
    TableRow,
    Threshold,
    make_rule,
)
from osteofys.rules.model import (
    CAP_SCALES,
    PATTERN_PLACE,
    AcuteSite,
    BoneStatus,
    Category,
    Component,
    Domain,
    Dose,
    Evidence,
    Group,
    Outcome,
    Pattern,
    ReferralBasis,
)
from osteofys.rules.plan import candidates, tighten
from osteofys.rules.progress import COMMON_FACTS, RULE_FACTS, RULES
from osteofys.rules.retest import BETTER, TESTS

DATA_DIR = Path(__file__).parent / "data"
LANGS = ("da", "en")
EVIDENCE = frozenset(e.value for e in Evidence)
CATEGORIES = tuple(c.value for c in Category)
GROUPS = tuple(g.value for g in Group)
DOMAIN_COMPONENTS = {
    Domain.STAERK: (Component.RESISTANCE, Component.IMPACT),
    Domain.STABIL: (Component.BALANCE, Component.AEROBIC),
    Domain.STRAKT: (Component.BACK_EXTENSION, Component.POSTURE, Component.SAFE_MOVEMENT),
}
EQUIPMENT = frozenset(
    [
        "none",
        "chair",
        "wall",
        "counter",
        "band",
        "dumbbells",
        "barbell",
        "kettlebell",
        "step",
        "mat",
        "poles",
        "pull_up_bar",
        "table",
        "dowel",
        "bed",
        "bike",
    ]
)
# registry.toml tables besides `fracture`; each has evidence and sources (docs/screening.md).
REGISTRY_TABLES = (
    "conditions",
    "glucocorticoids",
    "aromatase_inhibitor",
    "antiandrogen_therapy",
    "already_known",
)
ERROR_CODES = [
    "unknown_field",
    "out_of_range",
    "wrong_type",
    "bad_date",
    "after_assessment",
    "before_birth",
    "bad_choice",
    "required",
    "too_many",
    # The clinician's acute-phase decision (rules.case; refusals: rules.model.AcuteRefusal).
    "too_long",
    "only_with_start",
    "no_fracture",
    "before_earliest_end",
    "not_active",
    "red_flag_active",
    "already_active",
    "not_recent",
    "undecided",
    "more_issues",
    "invalid_json",
    "unreadable",
]
# The problems the core reports on one field; a form says them next to it (texts.errors_inline).
FIELD_ERROR_CODES = ERROR_CODES[: ERROR_CODES.index("more_issues")]
# Codes the FHIR mapping (osteofys.fhir) writes or reads; fhir.toml must define each of them.
FHIR_CODES = (
    "dxa_lumbar_spine",
    "dxa_femoral_neck",
    "dxa_total_hip",
    "dxa_forearm",
    "femoral_neck",
    "tug",
    "sit_to_stand_5x",
    "tandem_stance",
    "chair_stand_30s",
    "one_leg_stance",
    "gait_speed",
    "grip",
    "unable",
    "function_category",
    "acute_phase",
    "osteoporosis",
    "osteoporosis_with_fracture",
    "osteoporosis_without_fracture",
    "gp_assessment",
    "training_plan",
    # Supervised sessions as Procedures and their pain ratings (issue 16, docs/fhir.md).
    "exercise_therapy",
    "procedure_not_done",
    "attendance_excused",
    "attendance_absent",
    "pain_score",
    "event_fall",
    "event_new_back_pain",
    "event_new_pain",
    "event_other",
)
FHIR_LOCAL_SYSTEMS = (
    "function-test",
    "assessment",
    "function-category",
    "flag",
    "referral",
    "care-plan",
    "risk-factor",
    "exercise",
    "training-domain",
    "knowledge-base",
    "attendance",
    "adverse-event",
)
FHIR_TEXTS = (
    "knowledge",
    "overridden",
    "provisional",
    # Sessions and the plan's progress (issue 16).
    "next_time",
    "event",
    "event_action",
    "not_done",
    "pain_during",
    "pain_next_day",
    "technique_ok",
    "technique_not_ok",
    "pain_during_max",
    "pain_next_day_max",
    "progress",
    "level",
    "progress_reason",
)
FHIR_CODE_KEYS = frozenset(
    {"system", "code", "display", "text", "field", "category", "unit", "body_site"}
    | {"sources", "reference"}
)
# Literal values a rule may compare a finding with (a choice field's values: rules.case).
LITERALS: dict[str, frozenset[str]] = {
    "category": frozenset(CATEGORIES),
    "bone_status": frozenset(b.value for b in BoneStatus),
    **CHOICES,
}
DOSE_RANGES = ("reps", "hold_s", "minutes", "days_per_week", "rest_s")
# Keys of plan.toml's texts a dose names (DOSE_VOCABULARY) and the 0-10 effort scale.
DOSE_VOCABULARY = ("intensity", "progression")
EFFORT_SCALE = (0, 10)
EXERCISE_KEYS = [
    "id",
    "categories",
    "impact",
    "spinal_flexion",
    "fall_risk",
    "load",
    "equipment",
    "supervised_only",
    "hirit",
    "priority",
    "evidence",
    "sources",
    "name",
    "purpose",
    "how",
    "avoid",
    "progression",
    "regression",
    "dose",
]


# Knowledge.follow_up: each number, and how many values it has (retest_weeks is a range).
FOLLOW_UP_SHAPES = {
    "retest_weeks": 2,
    "pain_flag_above": 1,
    "inactive_days": 1,
    "sessions_to_progress": 1,
    "effort_max_to_progress": 1,
    "effort_too_hard_above": 1,
    "sessions_too_hard_to_step_down": 1,
    "easier_dose_percent": 1,
}
FOLLOW_UP_FILES = ("progression", "retests")
FOLLOW_UP_EFFORT = ("effort_max_to_progress", "effort_too_hard_above")
# retests.toml [population]: how an MDC is said with its population (`phrase` of an entry).
MDC_PHRASES = ("mdc", "meaningful")


class KnowledgeError(ValueError):
    """The knowledge base is inconsistent. `problems` lists every finding of the check."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the knowledge base:\n" + "\n".join(map(str, problems))
        )


@dataclass(frozen=True)
class KnowledgeBase:
    """The loaded knowledge base: the core's `Knowledge` plus every text and register."""

    knowledge: Knowledge
    raw: dict[str, Any]
    exercises: dict[str, dict[str, Any]]
    texts: Texts
    """Every word of the knowledge base, typed and checked (kb/texts.py)."""

    @property
    def version(self) -> str:
        return self.knowledge.version

    @property
    def content_hash(self) -> str:
        return self.knowledge.content_hash


def content_hash(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(data_dir.rglob("*.toml")):
        digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read_toml(path: Path, data_dir: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        where = path.relative_to(data_dir).as_posix()
        raise KnowledgeError([Problem(Code.READ_FAILED, where, f"cannot be read: {exc}")]) from exc


def read_raw(data_dir: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Every TOML file of the knowledge base, parsed.

    Raises KnowledgeError naming a file that cannot be read.
    """
    if not data_dir.is_dir():
        raise KnowledgeError([Problem(Code.READ_FAILED, str(data_dir), "is not a directory")])
    raw = {p.stem: _read_toml(p, data_dir) for p in sorted(data_dir.glob("*.toml"))}
    exercises = {
        p.stem: _read_toml(p, data_dir) for p in sorted((data_dir / "exercises").glob("*.toml"))
    }
    return raw, exercises


def load_from(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """Load and check a knowledge base. Raises KnowledgeError listing every problem."""
    raw, exercises = read_raw(data_dir)
    builder = _Builder(raw, exercises, content_hash(data_dir))
    knowledge = builder.build()
    texts = build_texts(raw, exercises, lambda at, what: builder.fail(Code.TEXT_MISSING, at, what))
    if builder.problems or knowledge is None:
        raise KnowledgeError(builder.problems)
    return KnowledgeBase(knowledge, raw, exercises, texts)


def _words(node: Any) -> dict[str, str]:
    """A {da, en} table as a plain mapping (the loader checks its languages, check_texts)."""
    return {lng: str(node[lng]) for lng in LANGS if lng in node} if isinstance(node, dict) else {}


def texts_in(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every {da, en} text table below `node`."""
    if isinstance(node, dict):
        if node.keys() & set(LANGS):
            yield where, node
            return
        for key, value in node.items():
            yield from texts_in(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from texts_in(value, f"{where}[{i}]")


class _Builder:
    """Builds `Knowledge` while collecting every problem instead of stopping at the first."""

    def __init__(self, raw: dict[str, Any], exercises: dict[str, dict[str, Any]], digest: str):
        self.raw = raw
        self.exercise_raw = exercises
        self.digest = digest
        self.problems: list[Problem] = []
        self.sources: frozenset[str] = frozenset()
        """The current source ids (sources.toml without the retired ones)."""
        self.retired: dict[str, tuple[str, ...]] = {}
        """Retired source ids and the sources to cite instead."""
        self.thresholds: dict[str, Threshold] = {}
        self.rule_ids: set[str] = set()
        self.setters: dict[str, list[str]] = {}
        """The rules that declare they set each outcome (`sets`), by outcome name."""
        self.names: set[str] = set(FINDINGS)
        self.ladder_places: dict[str, tuple[Family, int]] = {}
        """Each exercise's family and level, from families.toml."""
        self.exercise_rule_ids: set[str] = set()
        """Entry, exclude and slot criteria: rules without a text of their own."""

    def fail(self, code: Code, where: str, detail: str) -> None:
        self.problems.append(Problem(code, where, detail))

    def section(self, name: str) -> dict[str, Any]:
        if name not in self.raw:
            self.fail(Code.FILE_MISSING, f"{name}.toml", "file is missing")
            return {}
        section: dict[str, Any] = self.raw[name]
        return section

    # --- registers -------------------------------------------------------------------------

    def check_sources(self, where: str, ids: Any, required: bool = True) -> tuple[str, ...]:
        if not isinstance(ids, list) or (required and not ids):
            self.fail(Code.SOURCES_MISSING, where, "needs a non-empty list of source ids")
            return ()
        for sid in ids:
            if sid in self.retired:
                instead = ", ".join(self.retired[sid])
                self.fail(Code.RETIRED_SOURCE, where, f"source {sid!r} is retired: cite {instead}")
            elif sid not in self.sources:
                self.fail(Code.UNKNOWN_SOURCE, where, f"unknown source {sid!r}")
        return tuple(ids)

    def check_evidence(self, where: str, tag: Any) -> str:
        if tag not in EVIDENCE:
            self.fail(
                Code.UNKNOWN_EVIDENCE, where, f"evidence {tag!r} is not one of {sorted(EVIDENCE)}"
            )
        return str(tag)

    def check_texts(self) -> None:
        trees: dict[str, Any] = {
            **self.raw,
            **{f"exercises/{k}": v for k, v in self.exercise_raw.items()},
        }
        for name, tree in trees.items():
            for where, text in texts_in(tree, name):
                for lng in LANGS:
                    value = text.get(lng)
                    ok = isinstance(value, str) and bool(value.strip())
                    ok = ok or bool(
                        isinstance(value, list)
                        and value
                        and all(isinstance(v, str) and v for v in value)
                    )
                    if not ok:
                        self.fail(Code.TEXT_MISSING, where, f"text in {lng!r} is missing or empty")
                if isinstance(text.get("da"), list) and len(text["da"]) != len(
                    text.get("en") or []
                ):
                    self.fail(Code.TEXT_LISTS_DIFFER, where, "da and en lists differ in length")

    def allowed_hosts(self) -> frozenset[str]:
        """hosts.toml: every host a source's url may point to, whatever its kind."""
        hosts: set[str] = set()
        for kind, names in self.section("hosts").items():
            if not isinstance(names, list) or not all(
                isinstance(n, str) and n == n.strip().lower() and n and "/" not in n for n in names
            ):
                self.fail(
                    Code.SOURCE_HOST, f"hosts.{kind}", "must be a list of lower-case host names"
                )
                continue
            hosts.update(names)
        return frozenset(hosts)

    def load_sources(self) -> None:
        """sources.toml: complete entries, addresses on allowed hosts, retired ids kept apart."""
        sources = self.section("sources")
        hosts = self.allowed_hosts()
        retired: dict[str, tuple[str, ...]] = {}
        for sid, entry in sources.items():
            where = f"sources.{sid}"
            if isinstance(entry, dict) and entry.get("retired") is True:
                instead = entry.get("replaced_by")
                if not isinstance(instead, list) or not instead or not entry.get("note"):
                    self.fail(
                        Code.RETIRED_SOURCE, where, "a retired source needs replaced_by and a note"
                    )
                retired[sid] = tuple(map(str, instead)) if isinstance(instead, list) else ()
                continue
            if not isinstance(entry, dict) or not all(
                entry.get(k) for k in ("publisher", "title", "url")
            ):
                self.fail(Code.SOURCE_INCOMPLETE, where, "needs publisher, title and url")
                continue
            also = entry.get("see_also", [])
            if not isinstance(also, list):
                self.fail(Code.SOURCE_URL, where, "see_also must be a list of web addresses")
                also = []
            for url in [entry["url"], *also]:
                if not str(url).startswith(("http://", "https://")):
                    self.fail(Code.SOURCE_URL, where, f"url {url!r} is not a web address")
                elif (host := urlsplit(str(url)).hostname or "") not in hosts:
                    self.fail(
                        Code.SOURCE_HOST,
                        where,
                        f"{url!r}: the host {host!r} is not on the allow-list (hosts.toml)",
                    )
        self.retired = retired
        self.sources = frozenset(sources) - frozenset(retired)
        for sid, instead in retired.items():
            for other in instead:
                if other not in self.sources:
                    self.fail(
                        Code.RETIRED_SOURCE,
                        f"sources.{sid}",
                        f"replaced_by names {other!r}, which is not a current source",
                    )
        missing = [f"S{i:02d}" for i in range(1, 65) if f"S{i:02d}" not in sources]
        if missing:
            self.fail(
                Code.REGISTER_INCOMPLETE, "sources", f"the register lacks {', '.join(missing)}"
            )

    def load_thresholds(self) -> None:
        for tid, entry in self.section("thresholds").items():
            where = f"thresholds.{tid}"
            value = entry.get("value")
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(Code.THRESHOLD_NOT_A_NUMBER, where, "value must be a number")
                continue
            if not entry.get("unit"):
                self.fail(Code.UNIT_MISSING, where, "needs a unit")
            self.thresholds[tid] = Threshold(
                tid,
                float(value),
                str(entry.get("unit", "")),
                self.check_evidence(where, entry.get("evidence")),
                self.check_sources(where, entry.get("sources")),
            )

    def load_ranges(self) -> dict[str, tuple[float, float]]:
        section = self.section("input_ranges")
        ranges: dict[str, tuple[float, float]] = {}
        for path, entry in section.get("ranges", {}).items():
            where = f"input_ranges.{path}"
            low, high = entry.get("min"), entry.get("max")
            if (
                not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
                or low >= high
            ):
                self.fail(Code.RANGE_INVALID, where, "needs numeric min < max")
                continue
            if not entry.get("unit"):
                self.fail(Code.UNIT_MISSING, where, "needs a unit")
            if "sources" in entry:
                self.check_sources(where, entry["sources"])
            else:
                self.check_evidence(where, entry.get("evidence"))
            ranges[path] = (float(low), float(high))
        numeric = {p for p, spec in case_fields().items() if spec.ranged}
        for path in sorted(numeric - ranges.keys()):
            self.fail(Code.RANGE_MISSING, "input_ranges", f"no range for {path}")
        for path in sorted(ranges.keys() - numeric):
            self.fail(Code.RANGE_NOT_A_FIELD, "input_ranges", f"{path} is not a numeric case field")
        return ranges

    # --- rules -----------------------------------------------------------------------------

    def rule(
        self,
        where: str,
        entry: dict[str, Any],
        *,
        late: bool = False,
        sets: str | None = None,
        group: Any = None,
    ) -> Rule | None:
        """One rule, checked; `group` is its section's group, used when the rule names none."""
        rid = entry.get("id")
        if not isinstance(rid, str) or not rid:
            self.fail(Code.RULE_ID_MISSING, where, "needs an id")
            return None
        where = f"{where} {rid}"
        if rid in self.rule_ids:
            self.fail(Code.RULE_ID_DUPLICATE, where, "duplicate rule id")
        self.rule_ids.add(rid)
        sets = entry.get("sets", sets)
        if sets:
            # Recorded before the rule's own checks, so a broken rule is not also reported as
            # an outcome nobody sets.
            self.setters.setdefault(sets, []).append(rid)
        try:
            expr = lang.parse(str(entry.get("when", "")))
            extra = lang.parse(entry["false_when"]) if "false_when" in entry else None
        except lang.RuleSyntaxError as exc:
            self.fail(Code.RULE_SYNTAX, where, str(exc))
            return None
        known = self.names | (LATE_FINDINGS if late else set())
        for expression in (expr, extra) if extra else (expr,):
            for name in lang.fields(expression):
                if name not in known:
                    self.fail(Code.UNKNOWN_FINDING, where, f"reads unknown finding {name!r}")
            for tid in lang.thresholds(expression):
                if tid not in self.thresholds:
                    self.fail(
                        Code.UNKNOWN_THRESHOLD, where, f"compares with unknown threshold {tid!r}"
                    )
            self.check_literals(where, expression)
        group = entry.get("group", group)
        if group not in GROUPS:
            self.fail(
                Code.UNKNOWN_GROUP, where, f"group {group!r} is not one of {', '.join(GROUPS)}"
            )
        if any(p.where.startswith(where) for p in self.problems):
            return None
        if sets:
            self.names.add(sets)
        return make_rule(
            rid,
            entry["when"],
            self.thresholds,
            self.check_sources(where, entry.get("sources")),
            self.check_evidence(where, entry.get("evidence")),
            group=Group(group),
            sets=sets,
            false_when=entry.get("false_when"),
            provisional_if_missing=tuple(entry.get("provisional_if_missing", ())),
            report_missing=bool(entry.get("report_missing", False)),
        )

    def check_literals(self, where: str, expr: lang.Expr) -> None:
        conditions = set(self.raw.get("conditions", {}))

        def visit(e: lang.Expr) -> None:
            if (
                isinstance(e, lang.Cmp)
                and isinstance(e.literal, str | tuple)
                and e.field in LITERALS
            ):
                values = (e.literal,) if isinstance(e.literal, str) else e.literal
                for v in values:
                    if v not in LITERALS[e.field]:
                        self.fail(Code.LITERAL_NEVER, where, f"{e.field} is never {v!r}")
            if isinstance(e, lang.AnyOf):
                for v in set(e.values) - conditions:
                    self.fail(Code.UNKNOWN_CONDITION, where, f"{v!r} is not in conditions.toml")
            for child in getattr(e, "items", ()) or ((e.item,) if isinstance(e, lang.Not) else ()):
                visit(child)

        visit(expr)

    def table(self, name: str, outcomes: frozenset[str]) -> Table | None:
        section = self.section(name)
        rows = []
        for i, entry in enumerate(section.get("row", [])):
            rule = self.rule(f"{name}.row[{i}]", entry, group=section.get("group"))
            outcome, alts = entry.get("outcome"), tuple(entry.get("alternatives", ()))
            if outcome not in outcomes or not set(alts) <= outcomes:
                self.fail(
                    Code.TABLE_OUTCOME,
                    f"{name}.row[{i}]",
                    f"outcome {outcome!r} or alternatives {alts} not in {sorted(outcomes)}",
                )
            elif rule:
                rows.append(TableRow(rule, outcome, alts))
        default = section.get("default")
        on_unknown = section.get("on_unknown")
        if on_unknown is not None and on_unknown not in outcomes:
            self.fail(
                Code.TABLE_ON_UNKNOWN, name, f"on_unknown {on_unknown!r} not in {sorted(outcomes)}"
            )
        if default is not None and default not in outcomes:
            self.fail(Code.TABLE_DEFAULT, name, f"default {default!r} not in {sorted(outcomes)}")
        if not rows:
            self.fail(Code.TABLE_EMPTY, name, "has no rows")
            return None
        return Table(
            str(section.get("id", name)),
            tuple(rows),
            default,
            bool(section.get("stop_on_unknown")),
            on_unknown,
        )

    def caps(self, where: str, caps: Any) -> dict[str, str]:
        if not isinstance(caps, dict):
            self.fail(Code.CAPS_NOT_A_TABLE, where, "caps must be a table")
            return {}
        for tag, level in caps.items():
            if tag not in CAP_SCALES or level not in CAP_SCALES[tag]:
                self.fail(Code.CAP_SCALE, where, f"cap {tag} = {level!r} is not on a known scale")
        return {t: v for t, v in caps.items() if t in CAP_SCALES and v in CAP_SCALES[t]}

    # --- categories, exercises, doses -----------------------------------------------------

    def categories(self) -> dict[str, CategoryInfo]:
        section = self.section("categories")
        allowed = self.section("activity_levels").get("allowed", {})
        levels = {lvl.get("id") for lvl in self.section("activity_levels").get("level", [])}
        result = {}
        for slug in CATEGORIES:
            entry = section.get(slug)
            if not isinstance(entry, dict):
                self.fail(Code.CATEGORY_MISSING, "categories", f"missing category {slug}")
                continue
            caps = self.caps(f"categories.{slug}", {t: entry.get(f"{t}_max") for t in CAP_SCALES})
            acts = tuple(allowed.get(slug, ()))
            if not acts or not set(acts) <= levels:
                self.fail(
                    Code.ACTIVITY_LEVELS,
                    f"activity_levels.allowed.{slug}",
                    f"levels {acts} not in {sorted(levels)}",
                )
            self.check_sources(f"categories.{slug}", entry.get("sources"))
            result[slug] = CategoryInfo(slug, int(entry.get("order", 0)), caps, acts)
        if sorted(c.order for c in result.values()) != list(range(1, len(CATEGORIES) + 1)):
            self.fail(Code.CATEGORY_ORDER, "categories", "order must run 1..5")
        return result

    def dose(self, where: str, entry: Any) -> Dose | None:
        if not isinstance(entry, dict):
            self.fail(Code.DOSE_NOT_A_TABLE, where, "dose must be a table")
            return None
        unknown = entry.keys() - {
            "sets",
            "impacts",
            "note",
            "effort",
            *DOSE_RANGES,
            *DOSE_VOCABULARY,
        }
        if unknown:
            self.fail(Code.DOSE_KEYS, where, f"unknown dose keys {sorted(unknown)}")
        ranges: dict[str, tuple[int, int]] = {}
        for key in DOSE_RANGES:
            if key in entry:
                value = entry[key]
                if not (
                    isinstance(value, list)
                    and len(value) == 2
                    and all(isinstance(v, int) for v in value)
                    and 0 < value[0] <= value[1]
                ):
                    self.fail(
                        Code.DOSE_RANGE, where, f"{key} must be [min, max] with 0 < min <= max"
                    )
                    return None
                ranges[key] = (value[0], value[1])
        days = ranges.get("days_per_week")
        if days is None or days[1] > 7:
            self.fail(Code.DOSE_DAYS, where, "days_per_week must be within 1..7")
        if not ranges.keys() & {"reps", "hold_s", "minutes"} and "impacts" not in entry:
            self.fail(Code.DOSE_EMPTY, where, "needs reps, hold_s, minutes or impacts")
        effort = entry.get("effort")
        if effort is not None and not (
            isinstance(effort, list)
            and len(effort) == 2
            and EFFORT_SCALE[0] <= effort[0] <= effort[1] <= EFFORT_SCALE[1]
        ):
            self.fail(Code.DOSE_RANGE, where, "effort must be [min, max] on the 0-10 scale")
            effort = None
        words = {key: entry.get(key) for key in DOSE_VOCABULARY}
        for key, value in words.items():
            if value is not None and value not in self.section("plan").get(key, {}):
                self.fail(Code.PLAN_VOCABULARY, where, f"{key} {value!r} is not in plan.toml")
        return Dose(
            sets=entry.get("sets"),
            reps=ranges.get("reps"),
            hold_s=ranges.get("hold_s"),
            minutes=ranges.get("minutes"),
            impacts=entry.get("impacts"),
            days_per_week=days,
            effort=(effort[0], effort[1]) if effort else None,
            rest_s=ranges.get("rest_s"),
            intensity=words["intensity"],
            progression=words["progression"],
        )

    def check_exercise_tags(self, where: str, e: dict[str, Any]) -> bool:
        """Check the tags; False when one is unusable, so the exercise is left out of the build."""
        before = len(self.problems)
        cats = e["categories"]
        if not cats or not set(cats) <= set(CATEGORIES):
            self.fail(Code.EXERCISE_CATEGORIES, where, f"categories {cats} not all in {CATEGORIES}")
        for tag in CAP_SCALES:
            if e[tag] not in CAP_SCALES[tag]:
                self.fail(
                    Code.EXERCISE_TAG, where, f"{tag} = {e[tag]!r} is not one of {CAP_SCALES[tag]}"
                )
        unknown = sorted(set(e["equipment"]) - EQUIPMENT)
        if unknown:
            self.fail(Code.EXERCISE_EQUIPMENT, where, f"equipment {unknown} not in the vocabulary")
        if e["hirit"] and not e["supervised_only"]:
            self.fail(
                Code.HIRIT_UNSUPERVISED, where, "HiRIT exercises must be supervised_only (SPEC P13)"
            )
        self.check_evidence(where, e["evidence"])
        if not isinstance(e["priority"], int):
            self.fail(Code.EXERCISE_PRIORITY, where, "priority must be a whole number")
        steps = e["how"].get("da", [])
        if not isinstance(steps, list) or not 2 <= len(steps) <= 8:
            self.fail(Code.EXERCISE_STEPS, where, "how needs 2-8 steps")
        return len(self.problems) == before

    def exercise(self, eid: str, e: dict[str, Any]) -> Exercise | None:
        where = f"exercises/{eid}"
        required = EXERCISE_KEYS
        lacking = [k for k in required if k not in e]
        if lacking:
            self.fail(Code.EXERCISE_KEYS, where, f"lacks {', '.join(lacking)}")
            return None
        for problem in pose.check(e):
            self.fail(Code.POSE, where, problem)
        if e["id"] != eid:
            self.fail(Code.EXERCISE_FILE_NAME, where, f"id {e['id']!r} differs from the file name")
        place = self.ladder_places.get(eid)
        if place is None:
            self.fail(Code.FAMILY_MEMBERSHIP, where, "is in no family (families.toml)")
            return None
        family, level = place
        domain, component = PATTERN_PLACE[family.pattern]
        cats = e["categories"]
        if not self.check_exercise_tags(where, e):
            return None
        sources = self.check_sources(where, e["sources"])
        doses = {k: self.dose(f"{where}.dose.{k}", v) for k, v in e["dose"].items()}
        for key in doses.keys() - {"default", *cats}:
            self.fail(
                Code.DOSE_CATEGORY, where, f"dose for {key}, which is not one of its categories"
            )
        for cat in cats:
            if doses.get(cat) is None and doses.get("default") is None:
                self.fail(Code.DOSE_MISSING, where, f"no dose for {cat} and no default")
        return Exercise(
            id=eid,
            domain=domain,
            component=component,
            pattern=family.pattern,
            family=family.id,
            level=level,
            load=e["load"],
            entry=self.exercise_rule(where, eid, "entry", e),
            exclude=self.exercise_rule(where, eid, "exclude", e),
            capacity=self.capacity(where, e.get("capacity")),
            ranks=tuple(scale.index(e[tag]) for tag, scale in CAP_SCALES.items()),
            categories=frozenset(cats),
            impact=e["impact"],
            spinal_flexion=e["spinal_flexion"],
            fall_risk=e["fall_risk"],
            equipment=tuple(e["equipment"]),
            supervised_only=bool(e["supervised_only"]),
            hirit=bool(e["hirit"]),
            priority=int(e["priority"]),
            doses={k: v for k, v in doses.items() if v is not None},
            sources=sources,
        )

    def exercise_rule(self, where: str, eid: str, key: str, e: dict[str, Any]) -> Rule | None:
        """An exercise's entry or exclude criterion, compiled as a rule of the training group."""
        if key not in e:
            return None
        rid = f"{eid}.{key}"
        self.exercise_rule_ids.add(rid)
        entry = {"id": rid, "when": e[key], "sources": e["sources"], "evidence": e["evidence"]}
        return self.rule(where, entry, late=True, group=Group.TRAINING.value)

    def capacity(self, where: str, name: Any) -> str | None:
        if name is not None and name not in FINDINGS:
            self.fail(Code.UNKNOWN_FINDING, where, f"capacity reads unknown finding {name!r}")
            return None
        return None if name is None else str(name)

    def families(self) -> tuple[Family, ...]:
        """families.toml: the ladders, and each exercise's (family, level) for `exercise`."""
        families = []
        seen: set[str] = set()
        for i, entry in enumerate(self.section("families").get("family", [])):
            where = f"families.family[{i}]"
            fid, levels = entry.get("id"), entry.get("levels")
            try:
                pattern = Pattern(entry.get("pattern"))
            except ValueError:
                self.fail(Code.FAMILY, where, f"unknown pattern {entry.get('pattern')!r}")
                continue
            if (
                not isinstance(fid, str)
                or fid in seen
                or not isinstance(levels, list)
                or not levels
            ):
                self.fail(Code.FAMILY, where, "needs a new id and a list of levels")
                continue
            seen.add(fid)
            family = Family(fid, pattern, tuple(levels))
            for n, eid in enumerate(levels, start=1):
                if eid not in self.exercise_raw:
                    self.fail(Code.FAMILY_MEMBERSHIP, where, f"lists unknown exercise {eid!r}")
                elif eid in self.ladder_places:
                    self.fail(Code.FAMILY_MEMBERSHIP, where, f"{eid} is in two families")
                else:
                    self.ladder_places[eid] = (family, n)
            families.append(family)
        return tuple(families)

    def layouts(self, families: tuple[Family, ...]) -> dict[str, Layout]:
        """plan.toml's layouts: one per exercise set and one per acute-phase site."""
        by_id = {f.id: f for f in families}
        layouts = {}
        for lid, entry in self.section("plan").get("layout", {}).items():
            where = f"plan.layout.{lid}"
            size = entry.get("max_items")
            if not isinstance(size, int) or size < 1:
                self.fail(Code.LAYOUT, where, "max_items must be a whole number of at least 1")
                continue
            sources = entry.get("sources")
            slots = [
                self.slot(f"{where}.slots[{i}]", slot, by_id, sources)
                for i, slot in enumerate(entry.get("slots", []))
            ]
            self.check_evidence(where, entry.get("evidence"))
            checked = self.check_sources(where, sources)
            layouts[lid] = Layout(lid, size, tuple(s for s in slots if s), checked)
        for lid in (*CATEGORIES, *(f"acute_{site}" for site in AcuteSite)):
            if lid not in layouts:
                self.fail(Code.LAYOUT, "plan.layout", f"no layout {lid}")
        return layouts

    def slot(
        self, where: str, entry: Any, families: dict[str, Family], sources: Any
    ) -> Slot | None:
        entry = {"pattern": entry} if isinstance(entry, str) else entry
        try:
            pattern = Pattern(entry.get("pattern"))
        except (ValueError, AttributeError):
            self.fail(Code.LAYOUT, where, f"unknown pattern {entry!r}")
            return None
        family = entry.get("family")
        if family is not None and getattr(families.get(family), "pattern", None) != pattern:
            self.fail(Code.LAYOUT, where, f"{family!r} is not a family of {pattern}")
            return None
        when = None
        if "when" in entry:
            rid = f"{where}.when"
            self.exercise_rule_ids.add(rid)
            rule = {"id": rid, "when": entry["when"], "sources": sources, "evidence": "DERIVED"}
            when = self.rule(where, rule, late=True, group=Group.TRAINING.value)
        return Slot(pattern, family, when)

    def plan_notes(self) -> tuple[Rule, ...]:
        """plan.toml [note.*]: the notes on a whole plan, each a rule of the training group."""
        notes = []
        for nid, entry in self.section("plan").get("note", {}).items():
            self.exercise_rule_ids.add(nid)
            rule = self.rule(f"plan.note.{nid}", {**entry, "id": nid}, late=True, group="training")
            if rule:
                notes.append(rule)
        return tuple(notes)

    def plan_components(self) -> dict[tuple[str, str], tuple[str, ...]]:
        doses = self.section("doses")
        goals = {(g.get("category"), g.get("domain")) for g in doses.get("goal", [])}
        components: dict[tuple[str, str], list[str]] = {}
        for i, line in enumerate(doses.get("dose", [])):
            where = f"doses.dose[{i}]"
            key = (line.get("category"), line.get("domain"))
            try:
                ok = Component(line.get("component")) in DOMAIN_COMPONENTS[Domain(key[1])]
            except ValueError:
                ok = False
            if key[0] not in CATEGORIES or not ok:
                self.fail(
                    Code.DOSE_LINE_UNKNOWN,
                    where,
                    f"unknown category/domain/component {key} {line.get('component')}",
                )
                continue
            self.check_evidence(where, line.get("evidence"))
            self.check_sources(where, line.get("sources"))
            if "days_per_week" in line:
                d = line["days_per_week"]
                if not (isinstance(d, list) and len(d) == 2 and 1 <= d[0] <= d[1] <= 7):
                    self.fail(Code.DOSE_DAYS, where, "days_per_week must be [min, max] within 1..7")
            comps = components.setdefault(key, [])
            if line["component"] not in comps:
                comps.append(line["component"])
        for cat in CATEGORIES:
            for dom in Domain:
                if (cat, dom.value) not in goals:
                    self.fail(Code.GOAL_MISSING, "doses", f"no goal for {cat}/{dom}")
                if (cat, dom.value) not in components:
                    self.fail(Code.DOSE_LINE_MISSING, "doses", f"no dose line for {cat}/{dom}")
        return {k: tuple(v) for k, v in components.items()}

    def check_rule_texts(self, ids: set[str]) -> None:
        texts = self.section("texts")
        for group in sorted(set(GROUPS) - texts.get("groups", {}).keys()):
            self.fail(
                Code.GROUP_HEADING_MISSING, "texts.groups", f"no heading for the group {group}"
            )
        rules = texts.get("rules", {})
        for rid in sorted(ids - rules.keys()):
            self.fail(Code.RULE_TEXT_MISSING, "texts.rules", f"no explanation for rule {rid}")
        known = self.names | LATE_FINDINGS | self.thresholds.keys()
        for rid, text in rules.items():
            if rid not in ids:
                self.fail(
                    Code.RULE_TEXT_ORPHAN,
                    f"texts.rules.{rid}",
                    "explains a rule that does not exist",
                )
            for lng in LANGS:
                for _, name, _, _ in string.Formatter().parse(str(text.get(lng, ""))):
                    if name and name not in known:
                        self.fail(
                            Code.PLACEHOLDER_UNKNOWN,
                            f"texts.rules.{rid}.{lng}",
                            f"placeholder {{{name}}} is unknown",
                        )
        for table, codes in (("errors", ERROR_CODES), ("errors_inline", FIELD_ERROR_CODES)):
            for code in codes:
                if code not in texts.get(table, {}):
                    self.fail(Code.ERROR_TEXT_MISSING, f"texts.{table}", f"no message for {code}")
        labels = texts.get("fields", {})
        for path in sorted(set(case_fields()) - labels.keys()):
            self.fail(Code.FIELD_LABEL_MISSING, "texts.fields", f"no label for {path}")
        self.check_choice_texts(texts.get("choices", {}))

    def check_choice_texts(self, words: dict[str, Any]) -> None:
        """Every value of every choice field (rules.case) has its words in texts.choices."""
        chosen = {
            **case_fields(),
            **{f"fractures.{n}": s for n, s in FRACTURE_FIELDS.items()},
            **{f"{DECISION}.{n}": s for n, s in DECISION_FIELDS.items()},
        }
        for path, spec in chosen.items():
            for value in spec.values:
                if value not in words.get(path, {}):
                    self.fail(
                        Code.CHOICE_WORDS_MISSING,
                        f"texts.choices.{path}",
                        f"no words for {value!r}",
                    )
            for value in sorted(words.get(path, {}).keys() - set(spec.values)):
                self.fail(
                    Code.CHOICE_NOT_A_VALUE,
                    f"texts.choices.{path}",
                    f"{value!r} is not a value of the field",
                )
        for path in sorted(words.keys() - {p for p, s in chosen.items() if s.values}):
            self.fail(
                Code.CHOICE_NOT_A_FIELD,
                f"texts.choices.{path}",
                "is not a choice field of the case",
            )

    def check_registers(self, factor_ids: set[str]) -> None:
        for name, key, pattern in (
            ("acute_phase", "advice", r"A\d+"),
            ("acute_phase", "avoid", r"AV\d+"),
            ("safety_messages", "message", r"M\d+"),
            ("safety_messages", "fall", r"F\d+"),
        ):
            seen: set[str] = set()
            for i, entry in enumerate(self.section(name).get(key, [])):
                where = f"{name}.{key}[{i}]"
                if not re.fullmatch(pattern, str(entry.get("id"))) or entry["id"] in seen:
                    self.fail(
                        Code.CONDITION_ID, where, f"id {entry.get('id')!r} is malformed or repeated"
                    )
                seen.add(str(entry.get("id")))
                self.check_evidence(where, entry.get("evidence"))
                self.check_sources(where, entry.get("sources"))
        for cid, entry in self.section("conditions").items():
            if entry.get("risk_factor") not in factor_ids or not entry.get("icd10"):
                self.fail(
                    Code.CONDITION_INCOMPLETE,
                    f"conditions.{cid}",
                    "needs a risk_factor of risk_factors.toml and icd10",
                )

    def check_registry(self) -> None:
        """registry.toml (docs/screening.md): codes, sites, evidence, sources, thresholds."""
        registry = self.section("registry")
        code = {
            "icd10": r"[A-Z]\d{2}(\.?[0-9A-Z]{1,4})?",
            "atc": r"[A-Z](\d{2}([A-Z]{1,2}(\d{2})?)?)?",
        }
        sites = [("fracture", registry.get("fracture", {}))] + [
            (f"fracture.site[{i}]", e)
            for i, e in enumerate(registry.get("fracture", {}).get("site", []))
        ]
        tables = sites + [(n, registry.get(n, {})) for n in REGISTRY_TABLES]
        for name, entry in tables:
            where = f"registry.{name}"
            self.check_evidence(where, entry.get("evidence"))
            self.check_sources(where, entry.get("sources"))
            for key in ("min_age", "min_ddd", "window_months"):
                if key in entry and entry[key] not in self.thresholds:
                    self.fail(
                        Code.REGISTRY_THRESHOLD, where, f"{key} {entry[key]!r} is not a threshold"
                    )
        codes = [(f"registry.{n}", k, e.get(k, [])) for n, e in tables for k in code]
        codes += [(f"conditions.{c}", "icd10", e.get("icd10", [])) for c, e in self.conditions()]
        for where, kind, values in codes:
            for value in values:
                # A range runs over the last character only: S72.0-S72.2, not S72.0-S73.
                ends = [p.replace(".", "") for p in str(value).split("-")]
                shape = all(re.fullmatch(code[kind], p) for p in str(value).split("-"))
                same = ends[0][:-1] == ends[-1][:-1] and len(ends[0]) == len(ends[-1])
                if len(ends) > 2 or not shape or not same or ends[0] > ends[-1]:
                    self.fail(
                        Code.REGISTRY_CODE, where, f"{value!r} is not an {kind} code or range"
                    )
        named = [e.get("site") for _, e in sites[1:]]
        known = FRACTURE_FIELDS["site"].values
        if not set(named) <= set(known) or len(set(named)) != len(named):
            self.fail(
                Code.REGISTRY_SITES,
                "registry.fracture",
                f"sites {named} must be distinct, from {known}",
            )

    def check_fhir(self) -> None:
        """fhir.toml (docs/fhir.md): URLs, systems, every code the mapping needs, their sources."""
        fhir = self.section("fhir")
        if not str(fhir.get("canonical", "")).startswith("https://"):
            self.fail(Code.FHIR_CANONICAL, "fhir.canonical", "must be an https:// URL")
        systems = fhir.get("systems", {})
        for name, url in systems.items():
            if not str(url).startswith(("http://", "https://", "urn:oid:")):
                self.fail(
                    Code.FHIR_SYSTEM_URL, f"fhir.systems.{name}", f"{url!r} is not a URL or urn:oid"
                )
        local = fhir.get("local", {})
        for name in sorted(set(FHIR_LOCAL_SYSTEMS) ^ local.keys()):
            self.fail(
                Code.FHIR_LOCAL_SYSTEMS,
                f"fhir.local.{name}",
                "the mapping uses exactly " + ", ".join(FHIR_LOCAL_SYSTEMS),
            )
        units = fhir.get("tscore_units")
        if not (isinstance(units, list) and units and all(isinstance(u, str) for u in units)):
            self.fail(Code.FHIR_UNITS, "fhir.tscore_units", "needs a non-empty list of UCUM codes")
        for key in FHIR_TEXTS:
            if key not in fhir.get("text", {}):
                self.fail(Code.FHIR_TEXT_MISSING, "fhir.text", f"lacks {key}")
        codes = fhir.get("code", {})
        for cid in FHIR_CODES:
            if cid not in codes:
                self.fail(Code.FHIR_CODE_MISSING, "fhir.code", f"lacks {cid}")
        fields = case_fields()
        for cid, entry in codes.items():
            self.check_fhir_code(
                f"fhir.code.{cid}", entry, systems=systems, local=local, fields=fields, codes=codes
            )

    def check_fhir_code(
        self,
        where: str,
        entry: Any,
        *,
        systems: dict[str, Any],
        local: dict[str, Any],
        fields: dict[str, FieldSpec],
        codes: dict[str, Any],
    ) -> None:
        if not isinstance(entry, dict):
            self.fail(Code.FHIR_NOT_A_TABLE, where, "must be a table")
            return
        for key in sorted(entry.keys() - FHIR_CODE_KEYS):
            self.fail(Code.FHIR_UNKNOWN_KEY, where, f"unknown key {key!r}")
        system = str(entry.get("system", ""))
        is_local = system.startswith("local:")
        if system not in systems and not (is_local and system[len("local:") :] in local):
            self.fail(
                Code.FHIR_SYSTEM_UNKNOWN,
                where,
                f"system {system!r} is neither in fhir.systems nor a local system",
            )
        for key in ("code", "display"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                self.fail(Code.FHIR_KEY_MISSING, where, f"needs a {key}")
        if "text" not in entry:
            self.fail(Code.FHIR_TEXT_INCOMPLETE, where, "needs a text in da and en")
        if not is_local and not str(entry.get("reference", "")).startswith("https://"):
            self.fail(
                Code.FHIR_REFERENCE_MISSING,
                where,
                "a standard code needs a reference (https://) to verify it",
            )
        if "field" in entry and entry["field"] not in fields:
            self.fail(Code.FHIR_FIELD, where, f"field {entry['field']!r} is not a case field")
        if "body_site" in entry and entry["body_site"] not in codes:
            self.fail(
                Code.FHIR_BODY_SITE,
                where,
                f"body_site {entry['body_site']!r} is not a code in fhir.toml",
            )
        self.check_sources(where, entry.get("sources"))

    def conditions(self) -> list[tuple[str, dict[str, Any]]]:
        return [(c, e) for c, e in self.section("conditions").items() if isinstance(e, dict)]

    # --- following the training (issue 16) -------------------------------------------------

    def follow_up(self) -> FollowUp:
        """progression.toml and retests.toml `[follow_up.*]`: each number once, with its source."""
        entries: dict[str, tuple[str, Any]] = {}
        for name in FOLLOW_UP_FILES:
            for key, entry in self.section(name).get("follow_up", {}).items():
                if key in entries:
                    self.fail(
                        Code.FOLLOW_UP,
                        f"{name}.follow_up.{key}",
                        f"is also in {entries[key][0]}.toml: one owner for each number",
                    )
                    continue
                entries[key] = (name, entry)
        settings: dict[str, Setting] = {}
        for key, (name, entry) in entries.items():
            where = f"{name}.follow_up.{key}"
            if key not in FOLLOW_UP_SHAPES:
                self.fail(Code.FOLLOW_UP, where, f"is not one of {sorted(FOLLOW_UP_SHAPES)}")
                continue
            setting = self.setting(where, key, entry)
            if setting is not None:
                settings[key] = setting
        for key in sorted(FOLLOW_UP_SHAPES.keys() - entries.keys()):
            self.fail(Code.FOLLOW_UP, "progression.follow_up", f"no {key}")

        def one(key: str) -> int:
            found = settings.get(key)
            return found.value[0] if found else 0

        weeks = settings.get("retest_weeks")
        return FollowUp(
            retest_weeks=(weeks.value[0], weeks.value[1]) if weeks else (0, 0),
            pain_flag_above=one("pain_flag_above"),
            inactive_days=one("inactive_days"),
            sessions_to_progress=one("sessions_to_progress"),
            effort_max_to_progress=one("effort_max_to_progress"),
            effort_too_hard_above=one("effort_too_hard_above"),
            sessions_too_hard_to_step_down=one("sessions_too_hard_to_step_down"),
            easier_dose_percent=one("easier_dose_percent"),
            settings=settings,
        )

    def setting(self, where: str, key: str, entry: Any) -> Setting | None:
        """One follow-up number: its own value, unit, evidence and sources, or a threshold's."""
        if not isinstance(entry, dict):
            self.fail(Code.FOLLOW_UP, where, "must be a table")
            return None
        if "threshold" in entry:
            tid = entry["threshold"]
            threshold = self.thresholds.get(str(tid))
            if "value" in entry or threshold is None:
                self.fail(
                    Code.FOLLOW_UP,
                    where,
                    f"names the threshold {tid!r}, which is not in thresholds.toml"
                    if threshold is None
                    else "has a value and a threshold: the threshold owns the number",
                )
                return None
            if not threshold.value.is_integer():
                self.fail(Code.FOLLOW_UP, where, f"the threshold {tid!r} is not a whole number")
                return None
            return Setting(
                key,
                (int(threshold.value),),
                threshold.unit,
                threshold.evidence,
                threshold.sources,
                threshold=threshold.id,
            )
        value = entry.get("value")
        values = value if isinstance(value, list) else [value]
        shape = FOLLOW_UP_SHAPES[key]
        if (
            len(values) != shape
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values)
            or values != sorted(values)
        ):
            wanted = "a whole number above 0" if shape == 1 else "[low, high] whole numbers above 0"
            self.fail(Code.FOLLOW_UP, where, f"value must be {wanted}")
            return None
        if key in FOLLOW_UP_EFFORT and not EFFORT_SCALE[0] <= values[0] <= EFFORT_SCALE[1]:
            self.fail(Code.FOLLOW_UP, where, "an effort must be on the 0-10 scale")
        if key == "easier_dose_percent" and values[0] >= 100:
            self.fail(Code.FOLLOW_UP, where, "an easier dose must be below 100 percent")
        if not entry.get("unit"):
            self.fail(Code.FOLLOW_UP, where, "needs a unit")
        return Setting(
            key,
            tuple(values),
            str(entry.get("unit", "")),
            self.check_evidence(where, entry.get("evidence")),
            self.check_sources(where, entry.get("sources")),
        )

    def mdc(self) -> dict[str, Mdc]:
        """retests.toml `[mdc.*]`: one entry for each function test of the case."""
        found: dict[str, Mdc] = {}
        for test, entry in self.section("retests").get("mdc", {}).items():
            where = f"retests.mdc.{test}"
            if test not in TESTS:
                self.fail(Code.MDC, where, f"is not a function test of the case ({TESTS})")
                continue
            if not isinstance(entry, dict):
                self.fail(Code.MDC, where, "must be a table")
                continue
            value = entry.get("value")
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
            ):
                self.fail(Code.MDC, where, "value must be a positive number (or left out)")
                continue
            if entry.get("better") not in BETTER:
                self.fail(Code.MDC, where, f"better must be one of {BETTER}")
            if not entry.get("unit"):
                self.fail(Code.MDC, where, "needs a unit")
            if entry.get("phrase", "mdc") not in MDC_PHRASES:
                self.fail(Code.MDC, where, f"phrase must be one of {MDC_PHRASES}")
            population, note = entry.get("population"), entry.get("note")
            if value is not None and not isinstance(population, dict):
                self.fail(Code.MDC, where, "a value needs the population it was measured in")
            if value is None and not isinstance(note, dict):
                self.fail(Code.MDC, where, "without a value it needs a note saying none was found")
            sources = self.check_sources(
                where, entry.get("sources", []), required=value is not None
            )
            found[test] = Mdc(
                test=test,
                value=None if value is None else float(value),
                unit=str(entry.get("unit", "")),
                better=str(entry.get("better", "")),
                population=_words(population),
                evidence=self.check_evidence(where, entry.get("evidence")),
                sources=sources,
                note=_words(note),
            )
        for test in TESTS:
            if test not in found and test not in self.section("retests").get("mdc", {}):
                self.fail(Code.MDC, "retests.mdc", f"no entry for the test {test}")
        return found

    def progression_rules(self) -> dict[str, ProgressionRule]:
        """progression.toml `[rule.*]`: exactly the core's rules, each with its step and reason."""
        found: dict[str, ProgressionRule] = {}
        section = self.section("progression").get("rule", {})
        for rid, entry in section.items():
            where = f"progression.rule.{rid}"
            if rid not in RULES:
                self.fail(Code.PROGRESSION_RULE, where, "is not a rule of rules.progress")
                continue
            if not isinstance(entry, dict):
                self.fail(Code.PROGRESSION_RULE, where, "must be a table")
                continue
            if entry.get("step") != RULES[rid].value:
                self.fail(
                    Code.PROGRESSION_RULE,
                    where,
                    f"step {entry.get('step')!r}: the core's step for it is {RULES[rid].value!r}",
                )
            text = entry.get("text")
            if not isinstance(text, dict):
                self.fail(Code.TEXT_MISSING, f"{where}.text", "needs a reason in da and en")
                text = {}
            allowed = set(RULE_FACTS[rid]) | set(COMMON_FACTS)
            for lng in LANGS:
                names = {f for _, f, _, _ in string.Formatter().parse(str(text.get(lng, ""))) if f}
                for name in sorted(names - allowed):
                    self.fail(
                        Code.PLACEHOLDER_UNKNOWN,
                        f"{where}.text.{lng}",
                        f"{{{name}}} is not a fact of the rule ({', '.join(sorted(allowed))})",
                    )
            found[rid] = ProgressionRule(
                id=rid,
                step=RULES[rid].value,
                evidence=self.check_evidence(where, entry.get("evidence")),
                sources=self.check_sources(where, entry.get("sources")),
                text=_words(text),
            )
        for rid in RULES:
            if rid not in section:
                self.fail(Code.PROGRESSION_RULE, "progression.rule", f"no rule {rid}")
        return found

    # --- assembly --------------------------------------------------------------------------

    def build(self) -> Knowledge | None:
        self.load_sources()
        self.load_thresholds()
        ranges = self.load_ranges()
        rules_file = self.section("rules")
        criteria = [self.rule("rules.criterion", c) for c in rules_file.get("criterion", [])]
        factors = self.risk_factors()
        # Aggregated from the factors' outcomes by the core and the batch engine (SPEC P10).
        self.names |= FACTOR_FINDINGS
        referral = self.table("referral", frozenset(ReferralBasis))
        bone = self.table("bone_status", frozenset(b.value for b in BoneStatus))
        decision = self.section("decision")
        for name in decision.get("requires", []):
            if name not in self.names:
                self.fail(Code.UNKNOWN_FINDING, "decision.requires", f"unknown finding {name!r}")
        category_table = self.table("decision", frozenset(CATEGORIES))
        alternatives = []
        for i, entry in enumerate(decision.get("alternative", [])):
            rule = self.rule(f"decision.alternative[{i}]", entry, group=decision.get("group"))
            suggest = entry.get("suggest", {})
            if not suggest or not set(suggest) | set(suggest.values()) <= set(CATEGORIES):
                self.fail(
                    Code.ALTERNATIVE_SUGGEST,
                    f"decision.alternative[{i}]",
                    "suggest must map categories to categories",
                )
            elif rule:
                alternatives.append(AlternativeRule(rule, dict(suggest)))
        overlays = [self.rule("rules.overlay", o, late=True) for o in rules_file.get("overlay", [])]
        precautions = []
        precaution_group = self.section("precautions").get("group")
        for i, entry in enumerate(self.section("precautions").get("precaution", [])):
            rule = self.rule(f"precautions[{i}]", entry, late=True, group=precaution_group)
            caps = self.caps(f"precautions[{i}]", entry.get("caps"))
            if rule:
                precautions.append(Precaution(rule, caps))
        categories = self.categories()
        families = self.families()
        layouts = self.layouts(families)
        exercises = [self.exercise(k, v) for k, v in self.exercise_raw.items()]
        components = self.plan_components()
        self.check_registers({f.id for f in factors})
        self.check_registry()
        self.check_fhir()
        self.check_texts()
        self.check_rule_texts(
            set(self.rule_ids)
            - self.exercise_rule_ids
            - {f.id for f in factors}
            - {f.strong_rule.id for f in factors if f.strong_rule}
        )
        self.check_outcomes()
        acute_levels = tuple(self.section("activity_levels").get("allowed", {}).get("acute", ()))
        if (
            None in criteria
            or None in overlays
            or None in exercises
            or bone is None
            or category_table is None
            or referral is None
        ):
            return None
        knowledge = Knowledge(
            version=str(self.section("meta").get("version", "")),
            content_hash=self.digest,
            thresholds=self.thresholds,
            input_ranges=ranges,
            conditions=frozenset(self.section("conditions")),
            criteria=tuple(r for r in criteria if r),
            risk_factors=factors,
            bone_status=bone,
            category_table=category_table,
            referral_table=referral,
            alternatives=tuple(alternatives),
            overlays=tuple(r for r in overlays if r),
            precautions=tuple(precautions),
            categories=categories,
            exercises=tuple(e for e in exercises if e),
            plan_components=components,
            follow_up=self.follow_up(),
            mdc=self.mdc(),
            progression_rules=self.progression_rules(),
            families=families,
            layouts=layouts,
            plan_notes=self.plan_notes(),
            acute_activity_levels=acute_levels,
            category_requires=tuple(decision.get("requires", ())),
        )
        if not knowledge.version:
            self.fail(Code.VERSION_MISSING, "meta", "needs a version")
        self.check_coverage(knowledge)
        return knowledge

    def check_outcomes(self) -> None:
        """Each outcome the core reads by name is set by exactly one rule."""
        for name in Outcome:
            setters = self.setters.get(name, [])
            if len(setters) != 1:
                found = ", ".join(setters) or "none"
                problem = f"the core reads {name.value!r}: one rule must set it (found {found})"
                self.fail(Code.OUTCOME_SETTERS, "rules", problem)

    def check_coverage(self, kb: Knowledge) -> None:
        """Every category gets at least two exercises per domain, even under every precaution."""
        minimum = 2
        strictest: dict[str, str] = {}
        for p in kb.precautions:
            tighten(strictest, p.caps)
        for slug, info in kb.categories.items():
            caps = dict(info.caps)
            tighten(caps, strictest)
            for domain in Domain:
                found = len(candidates(kb, slug, caps, domain))
                if found < minimum:
                    self.fail(
                        Code.COVERAGE,
                        "exercises",
                        f"only {found} safe {domain} exercise(s) for {slug} under all precautions",
                    )

    def risk_factors(self) -> tuple[RiskFactor, ...]:
        factors = []
        group = self.section("risk_factors").get("group")
        for i, entry in enumerate(self.section("risk_factors").get("factor", [])):
            where = f"risk_factors[{i}]"
            if entry.get("grade") not in ("strong", "ordinary"):
                self.fail(Code.RISK_FACTOR_GRADE, where, "grade must be strong or ordinary")
            if not entry.get("label"):
                self.fail(Code.RISK_FACTOR_LABEL, where, "needs a label")
            rule = self.rule(where, entry, group=group)
            strong_rule = None
            if "strong_when" in entry:
                strong_rule = self.rule(
                    where,
                    {**entry, "id": f"{entry.get('id')}_strong", "when": entry["strong_when"]},
                    sets=None,
                    group=group,
                )
            if rule:
                factors.append(
                    RiskFactor(
                        id=rule.id,
                        rule=rule,
                        strong=entry.get("grade") == "strong",
                        diagnostic=bool(entry.get("diagnostic", False)),
                        modifiable=bool(entry.get("modifiable", False)),
                        strong_rule=strong_rule,
                    )
                )
        return tuple(factors)
