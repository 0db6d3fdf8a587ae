"""The shipped knowledge base: its integrity, its clinical content and a strict checker.

The checker tests copy `src/osteofys/kb/data` to a temporary directory, break exactly one thing
with a plain string replacement (checked to have happened) and expect `kb.check` to name the place.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from osteofys import kb
from osteofys.kb import Code
from osteofys.kb.loader import DATA_DIR, KnowledgeBase, KnowledgeError, content_hash, load_from
from osteofys.rules import lang
from osteofys.rules.model import Category, Component, Domain
from tests.kb.problems import edit, problems_at

EVIDENCE_TAGS = {"SRC", "SRC-2", "DERIVED", "CONFLICT", "SILENT"}
RISK_FACTOR_IDS = {"RF1a", *(f"RF{i}" for i in range(1, 19))}
STRONG_FACTORS = {"RF1", "RF1a", "RF2", "RF16"}
# SPEC §0.3 lists S01–S64; the issue asks for at least S01–S63.
SOURCE_IDS = [f"S{i:02d}" for i in range(1, 65)]

# SPEC §0.2 (P1–P11), §5 and §6: the binding default of every named threshold.
SPEC_VALUES: dict[str, float] = {
    "tug_fall_risk_s": 13.5,
    "t_osteopenia": -1.0,
    "t_osteoporosis": -2.5,
    "t_very_low": -3.0,
    "t_severe": -4.0,
    "bmi_low": 19,
    "acute_phase_months": 6,
    "acute_phase_earliest_end_weeks": 12,
    "gc_min_mg_per_day": 5,
    "gc_min_months": 3,
    "early_menopause_age": 45,
    "height_loss_min_cm": 4,
    "height_loss_strong_cm": 7,
    "alcohol_women_units_week": 14,
    "alcohol_men_units_week": 21,
    "immobilisation_min_months": 3,
    "age_risk_years": 80,
    "adult_age_years": 18,
    "referral_min_age_years": 45,
    "training_active_min_days_per_week": 2,
    "training_active_min_months": 3,
    "fall_min_falls": 1,
    "sts5_fall_risk_s": 15,
    "tandem_fall_risk_s": 10,
    "one_leg_fall_risk_s": 5,
    "tug_low_performance_s": 20,
    "gait_low_performance_m_s": 0.8,
    "chair_stand_low_performance": 8,
    "multiple_fractures_min": 2,
    "severe_min_vertebral_fractures": 2,
    "severe_recent_vertebral_months": 36,
    "who_classes_min_age_years": 50,
    "grip_low_women_kg": 16,
    "grip_low_men_kg": 27,
}

# How the rules must use each threshold (SPEC §0.2: ≥, >, ≤ or < matter at the boundary).
THRESHOLD_USE: dict[str, set[tuple[str, str]]] = {
    "training_active_min_days_per_week": {("training_days_per_week", "ge")},
    "training_active_min_months": {("training_months", "ge")},
    "t_osteopenia": {("min_t", "le"), ("min_t", "gt")},
    "t_osteoporosis": {("min_t", "le")},
    "t_very_low": {("min_t", "le")},
    "t_severe": {("min_t", "le")},
    "multiple_fractures_min": {("low_energy_fracture_count", "ge")},
    "severe_min_vertebral_fractures": {("low_energy_vertebral_fracture_count", "ge")},
    "who_classes_min_age_years": {("age_years", "lt")},
    # P3 and R-ACU-EXIT-2 count from the vertebral or hip fracture, R-ACU-2 from the chosen site.
    "acute_phase_months": {
        ("months_since_last_acute_site_fracture", "lt"),
        ("acute_phase_start_site_months", "lt"),
    },
    "acute_phase_earliest_end_weeks": {("acute_phase_weeks", "ge")},
    "pain_activity_caution_max": {("pain_activity", "gt")},
    "acute_exit_pain_rest_max": {("pain_rest", "gt")},
    "acute_exit_pain_activity_max": {("pain_activity", "gt")},
    "fall_min_falls": {("falls_last_12_months", "ge")},
    "tug_fall_risk_s": {("tug_s", "ge")},
    "sts5_fall_risk_s": {("sts5_s", "ge")},
    "tandem_fall_risk_s": {("tandem_stance_s", "lt")},
    "one_leg_fall_risk_s": {("one_leg_stance_s", "lt")},
    "tug_low_performance_s": {("tug_s", "ge")},
    "gait_low_performance_m_s": {("gait_speed_m_s", "le")},
    "chair_stand_low_performance": {("chair_stand_30s", "lt")},
    "gc_min_mg_per_day": {("glucocorticoid_mg_per_day", "ge")},
    "gc_min_months": {("glucocorticoid_months", "ge")},
    "early_menopause_age": {("menopause_age", "lt")},
    "bmi_low": {("bmi", "lt")},
    "height_loss_min_cm": {("height_loss_cm", "ge")},
    "height_loss_strong_cm": {("height_loss_cm", "gt")},
    "alcohol_women_units_week": {("alcohol_units_per_week", "gt")},
    "alcohol_men_units_week": {("alcohol_units_per_week", "gt")},
    "immobilisation_min_months": {("immobilisation_months", "gt")},
    "age_risk_years": {("age_years", "gt")},
    "grip_low_women_kg": {("grip_kg", "lt")},
    "grip_low_men_kg": {("grip_kg", "lt")},
}

# Danish category names, spelt with æ/ø/å (never the ASCII slugs' "ae").
CATEGORY_NAMES_DA = {
    "traeningsaktiv": "Træningsaktiv",
    "traeningsaktiv_med_hensyn": "Træningsaktiv med hensyn",
    "hverdagsaktiv": "Hverdagsaktiv",
    "hverdagsaktiv_med_hensyn": "Hverdagsaktiv med hensyn",
    "funktionsbegraenset": "Funktionsbegrænset",
}


# --------------------------------------------------------------------------------------- helpers


def is_text(node: Any) -> bool:
    """A {da, en} text whose both languages are non-empty strings (or non-empty string lists)."""
    if not isinstance(node, dict):
        return False
    for lng in ("da", "en"):
        value = node.get(lng)
        if isinstance(value, list):
            if not value or not all(isinstance(v, str) and v.strip() for v in value):
                return False
        elif not (isinstance(value, str) and value.strip()):
            return False
    return True


def rule_expressions(raw: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(rule id, expression source) of every rule in the knowledge base."""
    for key in ("criterion", "overlay"):
        for entry in raw["rules"][key]:
            yield entry["id"], entry["when"]
    for entry in raw["risk_factors"]["factor"]:
        yield entry["id"], entry["when"]
        if "strong_when" in entry:
            yield f"{entry['id']}_strong", entry["strong_when"]
    for entry in raw["bone_status"]["row"]:
        yield entry["id"], entry["when"]
    for entry in raw["decision"]["row"] + raw["decision"]["alternative"]:
        yield entry["id"], entry["when"]
    for entry in raw["precautions"]["precaution"]:
        yield entry["id"], entry["when"]


def comparisons(expr: lang.Expr) -> Iterator[lang.Cmp]:
    if isinstance(expr, lang.Cmp):
        yield expr
    elif isinstance(expr, lang.And | lang.Or):
        for item in expr.items:
            yield from comparisons(item)
    elif isinstance(expr, lang.Not):
        yield from comparisons(expr.item)


# ----------------------------------------------------------------------- the shipped knowledge base


def test_shipped_knowledge_base_has_no_problems() -> None:
    assert kb.check() == []


def test_an_unchanged_copy_has_no_problems(data: Path) -> None:
    assert kb.check(data) == []


def test_version(shipped: KnowledgeBase) -> None:
    assert shipped.version == "2026.1"
    assert tomllib.loads((DATA_DIR / "meta.toml").read_text("utf-8"))["version"] == "2026.1"


def test_content_hash_is_a_sha256_of_the_data(shipped: KnowledgeBase) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", shipped.content_hash)
    assert shipped.content_hash == content_hash(DATA_DIR)


def test_content_hash_changes_with_one_threshold_value(data: Path, shipped: KnowledgeBase) -> None:
    same = load_from(data)
    assert same.content_hash == shipped.content_hash

    edit(data / "thresholds.toml", "value = 13.5", "value = 14.0")
    changed = load_from(data)

    assert changed.knowledge.thresholds["tug_fall_risk_s"].value == 14.0
    assert re.fullmatch(r"[0-9a-f]{64}", changed.content_hash)
    assert changed.content_hash != shipped.content_hash
    assert changed.version == shipped.version


# ----------------------------------------------------------------------------- content requirements


def test_every_threshold_has_unit_evidence_and_known_sources(shipped: KnowledgeBase) -> None:
    sources = set(shipped.raw["sources"])
    thresholds = shipped.raw["thresholds"]
    assert thresholds
    for tid, entry in thresholds.items():
        assert isinstance(entry.get("unit"), str), tid
        assert entry["unit"].strip(), tid
        assert entry.get("evidence") in EVIDENCE_TAGS, tid
        assert isinstance(entry.get("sources"), list), tid
        assert entry["sources"], tid
        assert set(entry["sources"]) <= sources, (tid, set(entry["sources"]) - sources)
    assert set(shipped.knowledge.thresholds) == set(thresholds)


def test_named_thresholds_have_the_spec_values(shipped: KnowledgeBase) -> None:
    actual = {tid: shipped.knowledge.thresholds[tid].value for tid in SPEC_VALUES}
    assert actual == pytest.approx(SPEC_VALUES)


def test_threshold_units(shipped: KnowledgeBase) -> None:
    units = {tid: t.unit for tid, t in shipped.knowledge.thresholds.items()}
    assert units["acute_phase_earliest_end_weeks"] == "weeks"
    assert units["training_active_min_days_per_week"] == "days/week"
    assert units["training_active_min_months"] == "months"
    assert units["tug_fall_risk_s"] == units["tug_low_performance_s"] == "s"
    assert units["gait_low_performance_m_s"] == "m/s"
    assert units["t_osteoporosis"] == units["t_very_low"] == units["t_severe"] == "T-score"


def test_rules_compare_with_thresholds_the_spec_way(shipped: KnowledgeBase) -> None:
    uses: dict[str, set[tuple[str, str]]] = {}
    for _, source in rule_expressions(shipped.raw):
        for cmp in comparisons(lang.parse(source)):
            if cmp.threshold:
                uses.setdefault(cmp.threshold, set()).add((cmp.field, cmp.op))
    assert {t: uses.get(t) for t in THRESHOLD_USE} == THRESHOLD_USE


def test_risk_factors_rf1_to_rf18_with_labels(shipped: KnowledgeBase) -> None:
    factors = shipped.raw["risk_factors"]["factor"]
    ids = [f["id"] for f in factors]
    assert len(ids) == len(set(ids))
    assert set(ids) == RISK_FACTOR_IDS
    for factor in factors:
        assert is_text(factor.get("label")), factor["id"]
    assert {f.id for f in shipped.knowledge.risk_factors} == RISK_FACTOR_IDS


def test_strong_risk_factors_follow_p11(shipped: KnowledgeBase) -> None:
    factors = {f.id: f for f in shipped.knowledge.risk_factors}
    assert {fid for fid, f in factors.items() if f.strong} == STRONG_FACTORS
    raw = {f["id"]: f for f in shipped.raw["risk_factors"]["factor"]}
    assert {fid for fid, f in raw.items() if f["grade"] == "strong"} == STRONG_FACTORS
    # RF6 is ordinary but strong above 7 cm, and no other factor has a strong rule.
    assert {fid for fid, f in factors.items() if f.strong_rule is not None} == {"RF6"}
    assert not factors["RF6"].strong
    assert lang.parse(raw["RF6"]["strong_when"]) == lang.Cmp(
        "height_loss_cm", "gt", threshold="height_loss_strong_cm"
    )
    assert factors["RF17"].strong is False


def test_source_register(shipped: KnowledgeBase) -> None:
    sources = shipped.raw["sources"]
    for sid in SOURCE_IDS:
        assert sid in sources, sid
        entry = sources[sid]
        if entry.get("retired"):  # S36, S37, S42 (tests/kb/test_sources.py)
            continue
        assert re.match(r"https?://\S+$", entry["url"]), (sid, entry["url"])
        assert entry["title"].strip(), sid
        assert entry["publisher"].strip(), sid


def test_at_least_40_exercises(shipped: KnowledgeBase) -> None:
    assert len(shipped.knowledge.exercises) >= 40
    files = sorted((DATA_DIR / "exercises").glob("*.toml"))
    assert len(files) == len(shipped.knowledge.exercises)


def test_every_category_has_home_exercises_in_every_domain(shipped: KnowledgeBase) -> None:
    for category in Category:
        for domain in Domain:
            found = [
                e
                for e in shipped.knowledge.exercises
                if category.value in e.categories and e.domain == domain and not e.supervised_only
            ]
            assert len(found) >= 2, (category.value, domain.value)


def test_every_component_occurs(shipped: KnowledgeBase) -> None:
    present = {e.component for e in shipped.knowledge.exercises}
    wanted = {
        Component.RESISTANCE,
        Component.IMPACT,
        Component.BALANCE,
        Component.BACK_EXTENSION,
        Component.POSTURE,
        Component.SAFE_MOVEMENT,
    }
    assert wanted <= present


def test_hip_hinge_and_log_roll_exercises_exist(shipped: KnowledgeBase) -> None:
    names = {eid: e["name"]["en"].lower() for eid, e in shipped.exercises.items()}
    assert any("hip_hinge" in eid and "hinge" in name for eid, name in names.items())
    assert any("log_roll" in eid and "log-roll" in name for eid, name in names.items())
    log_roll = next(e for e in shipped.knowledge.exercises if "log_roll" in e.id)
    assert log_roll.component == Component.SAFE_MOVEMENT


def test_every_hirit_exercise_is_supervised_only(shipped: KnowledgeBase) -> None:
    hirit = [e for e in shipped.knowledge.exercises if e.hirit]
    assert hirit
    assert all(e.supervised_only for e in hirit)
    raw_hirit = [e for e in shipped.exercises.values() if e["hirit"]]
    assert len(raw_hirit) == len(hirit)
    assert all(e["supervised_only"] is True for e in raw_hirit)


def test_acute_advice_a1_to_a16_in_danish_and_english(shipped: KnowledgeBase) -> None:
    advice = shipped.raw["acute_phase"]["advice"]
    assert [a["id"] for a in advice] == [f"A{i}" for i in range(1, 17)]
    for entry in advice:
        assert is_text(entry.get("clinician")), entry["id"]
        assert is_text(entry.get("patient")), entry["id"]


def test_acute_advice_is_given_by_fracture_site(shipped: KnowledgeBase) -> None:
    """Issue 15 item 7: the brace and bracing the lower back (A5, A9) after a vertebral fracture
    only; after a hip fracture the rehabilitation plan, the surgeon's loading, strength, falls."""
    sites = shipped.texts.acute_sites
    assert set(sites) == {"vertebra", "hip", "other"}
    ids = {site: [a.id for a in sites[site].advice] for site in sites}
    assert ids["vertebra"][:1] == ["A1"]
    assert {"A5", "A9"} <= set(ids["vertebra"])
    assert {"A11", "A12", "A13", "A14"} <= set(ids["hip"])
    assert not {"A3", "A5", "A9"} & (set(ids["hip"]) | set(ids["other"]))
    assert "A10" in ids["vertebra"]
    assert "A10" in ids["hip"]
    assert "A10" in ids["other"]
    hip = " ".join(a.patient("da") for a in sites["hip"].advice)
    assert "genoptræningsplan" in hip
    assert "korset" not in hip
    assert "lænden" not in hip
    # An unknown or missing site reads as a vertebral one (results stored before sites).
    assert shipped.texts.acute_site(None) is sites["vertebra"]


def test_safety_messages_m1_to_m8_in_danish_and_english(shipped: KnowledgeBase) -> None:
    messages = shipped.raw["safety_messages"]["message"]
    assert sorted(m["id"] for m in messages) == sorted(f"M{i}" for i in range(1, 9))
    for entry in messages:
        assert is_text(entry.get("text")), entry["id"]
    # The seed's take-home message leads (issue 15 item 12).
    lead = shipped.texts.safety_lead
    assert lead is not None
    assert lead("da").startswith("Træning øger ikke risikoen for knoglebrud")
    assert next(m["id"] for m in messages) == "M8"


def test_fall_advice_in_danish_and_english(shipped: KnowledgeBase) -> None:
    falls = shipped.texts.fall_advice
    assert [f.id for f in falls] == [f"F{i}" for i in range(1, 6)]
    assert [f.id for f in falls if f.when == "hip_protectors"] == ["F5"]
    text = " ".join(f.text("da") for f in falls)
    for word in ("faldforebyggelse", "faldklinik", "tæpper", "natlys", "Hoftebeskyttere"):
        assert word in text, word


def test_category_names_are_danish(shipped: KnowledgeBase) -> None:
    categories = shipped.raw["categories"]
    assert {c.value for c in Category} <= set(categories)
    for slug, expected in CATEGORY_NAMES_DA.items():
        name = categories[slug]["name"]
        assert is_text(name), slug
        assert name["da"] == expected or name["da"].startswith(f"{expected}/"), (slug, name)
        assert "ae" not in name["da"].lower(), name["da"]
        assert name["en"] != name["da"], slug
    assert "æ" in categories["traeningsaktiv"]["name"]["da"]
    assert "æ" in categories["funktionsbegraenset"]["name"]["da"]


# ---------------------------------------------------------------- the checker catches broken data


def test_rule_with_numeric_literal(data: Path) -> None:
    edit(data / "rules.toml", "tug_s >= tug_fall_risk_s", "tug_s >= 13.5")
    problems_at(kb.check(data), Code.RULE_SYNTAX, "rules.criterion P8", "13.5")


def test_rule_reading_unknown_finding(data: Path) -> None:
    edit(
        data / "rules.toml",
        'when = "new_sudden_back_pain or neurological_symptoms"',
        'when = "new_sudden_back_ache or neurological_symptoms"',
    )
    problems_at(kb.check(data), Code.UNKNOWN_FINDING, "rules.criterion P4", "new_sudden_back_ache")


def test_rule_comparing_with_unknown_threshold(data: Path) -> None:
    edit(data / "risk_factors.toml", 'when = "bmi < bmi_low"', 'when = "bmi < bmi_very_low"')
    found = problems_at(kb.check(data), Code.UNKNOWN_THRESHOLD, "risk_factors[", "bmi_very_low")
    assert all(p.where.endswith(" RF4") for p in found)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "__import__('os').getcwd()",
        "kyphosis.__class__",
        "eval('kyphosis')",
        "kyphosis if kyphosis else kyphosis",
    ],
)
def test_rule_using_python(data: Path, expression: str) -> None:
    edit(data / "risk_factors.toml", 'when = "kyphosis"', f'when = "{expression}"')
    found = problems_at(kb.check(data), Code.RULE_SYNTAX, "risk_factors[")
    assert [p.where.split()[-1] for p in found] == ["RF7"]


def test_unknown_source_id(data: Path) -> None:
    edit(
        data / "thresholds.toml",
        'unit = "s"\nevidence = "SRC"\nsources = ["S48"]',
        'unit = "s"\nevidence = "SRC"\nsources = ["S48", "S99"]',
    )
    problems_at(kb.check(data), Code.UNKNOWN_SOURCE, "thresholds.tug_fall_risk_s", "S99")


def test_threshold_without_unit(data: Path) -> None:
    edit(data / "thresholds.toml", 'value = 13.5\nunit = "s"\n', "value = 13.5\n")
    problems_at(kb.check(data), Code.UNIT_MISSING, "thresholds.tug_fall_risk_s")


def test_text_without_english(data: Path) -> None:
    edit(
        data / "texts.toml",
        '[domains.stabil]\nda = "Stabil"\nen = "Steady"\n',
        '[domains.stabil]\nda = "Stabil"\n',
    )
    problems_at(kb.check(data), Code.TEXT_MISSING, "texts.domains.stabil", "'en'")


@pytest.mark.parametrize("empty", ["", "   "])
def test_empty_danish_text(data: Path, empty: str) -> None:
    edit(
        data / "exercises" / "log_roll.toml",
        'da = "Ind og ud af sengen via siden (log-roll)"',
        f'da = "{empty}"',
    )
    problems_at(kb.check(data), Code.TEXT_MISSING, "exercises/log_roll.name", "'da'")


@pytest.mark.parametrize(
    ("exercise", "old"),
    [
        ("stamping", 'impact = "moderate"'),  # a home-programme exercise
        ("hirit_jumping_chin_up", 'impact = "high"'),  # a supervised-only exercise
    ],
)
def test_exercise_with_unknown_impact(data: Path, exercise: str, old: str) -> None:
    edit(data / "exercises" / f"{exercise}.toml", old, 'impact = "extreme"')
    problems_at(kb.check(data), Code.EXERCISE_TAG, f"exercises/{exercise}", "impact", "extreme")


def test_exercise_id_differs_from_file_name(data: Path) -> None:
    edit(data / "exercises" / "log_roll.toml", 'id = "log_roll"', 'id = "log_rolling"')
    problems_at(kb.check(data), Code.EXERCISE_FILE_NAME, "exercises/log_roll", "log_rolling")


def test_exercise_with_unknown_category(data: Path) -> None:
    edit(
        data / "exercises" / "log_roll.toml", 'categories = ["', 'categories = ["sengeliggende", "'
    )
    problems_at(kb.check(data), Code.EXERCISE_CATEGORIES, "exercises/log_roll", "sengeliggende")


def test_hirit_exercise_not_supervised_only(data: Path) -> None:
    edit(
        data / "exercises" / "hirit_deadlift.toml",
        "supervised_only = true",
        "supervised_only = false",
    )
    problems_at(kb.check(data), Code.HIRIT_UNSUPERVISED, "exercises/hirit_deadlift")


def test_missing_input_range(data: Path) -> None:
    edit(
        data / "input_ranges.toml",
        '[ranges."tests.tug_s"]\nmin = 3\nmax = 120\nunit = "s"\nsources = ["CASEFMT"]\n',
        "",
    )
    problems_at(kb.check(data), Code.RANGE_MISSING, "input_ranges", "tests.tug_s")


def test_decision_row_outcome_not_a_category(data: Path) -> None:
    edit(
        data / "decision.toml",
        'id = "D2"\noutcome = "funktionsbegraenset"',
        'id = "D2"\noutcome = "sengeliggende"',
    )
    problems_at(kb.check(data), Code.TABLE_OUTCOME, "decision.row[1]", "sengeliggende")


def test_rule_without_explanation_text(data: Path) -> None:
    edit(data / "texts.toml", "[rules.P4]\n", "[unused.P4]\n")
    problems_at(kb.check(data), Code.RULE_TEXT_MISSING, "texts.rules", "P4")


def test_literal_that_can_never_match(data: Path) -> None:
    edit(
        data / "decision.toml",
        "walking_aid in ['stick', 'rollator', 'wheelchair']",
        "walking_aid == 'crutch'",
    )
    problems_at(kb.check(data), Code.LITERAL_NEVER, "decision.row[0] D1", "walking_aid", "crutch")


def test_dose_with_reversed_range(data: Path) -> None:
    edit(
        data / "exercises" / "sit_to_stand.toml",
        "[dose.default]\nsets = 2\nreps = [8, 12]",
        "[dose.default]\nsets = 2\nreps = [12, 8]",
    )
    problems_at(kb.check(data), Code.DOSE_RANGE, "exercises/sit_to_stand.dose.default", "reps")


def test_too_few_safe_exercises_in_a_domain(data: Path) -> None:
    # families.toml owns each exercise's pattern and so its domain (Stabil: balance, aerobic).
    families = tomllib.loads((data / "families.toml").read_text("utf-8"))["family"]
    stabil_patterns = {"static_balance", "dynamic_balance", "floor_recovery", "aerobic"}
    stabil = {eid for f in families if f["pattern"] in stabil_patterns for eid in f["levels"]}
    fb_balance = [
        path
        for path in sorted((data / "exercises").glob("*.toml"))
        if path.stem in stabil
        and "funktionsbegraenset" in tomllib.loads(path.read_text("utf-8"))["categories"]
    ]
    assert len(fb_balance) >= 2
    for path in fb_balance:
        path.unlink()
        assert not path.exists()
    found = problems_at(kb.check(data), Code.COVERAGE, "exercises", "stabil", "funktionsbegraenset")
    counts = [int(m.group(1)) for p in found if (m := re.search(r"(\d+)", p.detail))]
    assert counts
    assert all(n < 2 for n in counts)


def test_load_from_raises_knowledge_error(data: Path) -> None:
    edit(data / "thresholds.toml", 'value = 13.5\nunit = "s"\n', "value = 13.5\n")
    with pytest.raises(KnowledgeError) as info:
        load_from(data)
    assert info.value.problems == kb.check(data)
    problems_at(info.value.problems, Code.UNIT_MISSING, "thresholds.tug_fall_risk_s")
    assert "thresholds.tug_fall_risk_s" in str(info.value)
    assert kb.KnowledgeError is KnowledgeError
