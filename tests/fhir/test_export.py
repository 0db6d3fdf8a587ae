"""FHIR R4 export: every resource validates, and each one appears exactly when it should."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from osteofys.fhir import CarePlanActivity, Subject, activities_from, bundle, check
from osteofys.kb.explain import words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules import assess, parse_case
from osteofys.rules.model import Dose
from osteofys.rules.result import write_result
from tests.conftest import BASE_CASE, vary
from tests.fhir.conftest import (
    VIGNETTE_FILES,
    Export,
    observation,
    one,
    resources,
    vignette,
    vignette_path_ids,
)

LOINC, SNOMED, ICD10 = (
    "http://loinc.org",
    "http://snomed.info/sct",
    "http://hl7.org/fhir/sid/icd-10",
)
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
CANONICAL = "https://osteofys.dk/fhir"


def test_the_vignettes_are_there() -> None:
    assert len(VIGNETTE_FILES) >= 10


@pytest.mark.parametrize("path", VIGNETTE_FILES, ids=vignette_path_ids(VIGNETTE_FILES))
def test_every_vignette_exports_a_valid_bundle(
    path: Path, export: Export, base: KnowledgeBase
) -> None:
    doc = export(json.loads(path.read_text("utf-8"))["case"], Subject("p-1", cpr="0101401234"))
    Bundle.model_validate(doc)
    for entry in doc["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert check(doc, base) == []
    assert doc["type"] == "collection"
    assert one(doc, "Patient")["id"] == "p-1"


def test_observations_refer_to_the_patient(export: Export) -> None:
    doc = export(vignette("E03"))
    patient_url = doc["entry"][0]["fullUrl"]
    assert doc["entry"][0]["resource"]["resourceType"] == "Patient"
    for kind in ("Observation", "Flag", "Condition", "CarePlan"):
        for resource in resources(doc, kind):
            assert resource["subject"] == {"reference": patient_url}


def test_repeated_exports_are_identical_and_urls_follow_the_subject(export: Export) -> None:
    first = export(vignette("E03"), Subject("patient-17"))
    assert export(vignette("E03"), Subject("patient-17")) == first
    other = export(vignette("E03"), Subject("patient-18"))
    assert {e["fullUrl"] for e in first["entry"]}.isdisjoint({e["fullUrl"] for e in other["entry"]})
    urls = [e["fullUrl"] for e in first["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(u.startswith("urn:uuid:") for u in urls)


def test_two_assessments_of_one_person_share_only_the_patient(export: Export) -> None:
    earlier = export(vary(assessment_date="2026-06-01"), Subject("patient-17"))
    later = export(BASE_CASE, Subject("patient-17"))
    assert earlier["entry"][0]["fullUrl"] == later["entry"][0]["fullUrl"]
    rest = {e["fullUrl"] for e in earlier["entry"][1:]}
    assert rest.isdisjoint(e["fullUrl"] for e in later["entry"][1:])
    assert earlier["id"] != later["id"]


def test_an_invalid_subject_id_is_refused(export: Export) -> None:
    with pytest.raises(ValueError, match="FHIR id"):
        export(vignette("E01"), Subject("patient 17/x"))


# --- Patient ---------------------------------------------------------------------------------


def test_cpr_identifier_only_when_recorded(export: Export) -> None:
    with_cpr = one(export(BASE_CASE, Subject("p", name="Anne Test", cpr="020458-1234")), "Patient")
    assert with_cpr["identifier"] == [{"system": CPR_SYSTEM, "value": "0204581234"}]
    assert with_cpr["name"] == [{"text": "Anne Test"}]
    without = one(export(BASE_CASE, Subject("p")), "Patient")
    assert "identifier" not in without
    assert "name" not in without
    assert without["gender"] == "female"
    assert without["birthDate"] == "1958-04-02"


def test_a_malformed_cpr_is_reported_by_check(export: Export, base: KnowledgeBase) -> None:
    doc = export(BASE_CASE, Subject("p", cpr="3213581234"))
    assert any("CPR" in p for p in check(doc, base))


# --- Observations ----------------------------------------------------------------------------


def test_dxa_observations_carry_loinc_codes_and_the_scan_date(export: Export) -> None:
    doc = export(vary(dxa__forearm=-2.0))
    expected = {"38267-1": -1.8, "38263-0": -1.5, "38264-8": -1.2, "38265-5": -2.0}
    for code, value in expected.items():
        o = observation(doc, LOINC, code)
        assert o is not None, code
        assert o["valueQuantity"]["value"] == value
        assert o["effectiveDateTime"] == "2026-03-10"
        assert o["status"] == "final"
        assert o["category"][0]["coding"][0]["code"] == "imaging"
    neck = observation(doc, LOINC, "38263-0")
    assert neck is not None
    assert neck["bodySite"]["coding"][0] == {
        "system": SNOMED,
        "code": "29627003",
        "display": "Structure of neck of femur (body structure)",
    }


def test_no_dxa_gives_no_dxa_observations(export: Export) -> None:
    doc = export(vary(dxa=None))
    assert not any(
        c["system"] == LOINC for o in resources(doc, "Observation") for c in o["code"]["coding"]
    )


def test_tests_use_snomed_for_tug_and_the_local_system_for_the_rest(export: Export) -> None:
    doc = export(vary(tests__sit_to_stand_5x_s="unable"))
    tug = observation(doc, SNOMED, "444680009")
    assert tug is not None
    assert tug["valueQuantity"] == {
        "value": 8.5,
        "unit": "s",
        "system": "http://unitsofmeasure.org",
        "code": "s",
    }
    assert tug["effectiveDateTime"] == "2026-11-26"
    local = f"{CANONICAL}/CodeSystem/function-test"
    for code in (
        "tandem-stance",
        "chair-stand-30s",
        "one-leg-stance",
        "gait-speed",
        "grip-strength",
    ):
        assert observation(doc, local, code) is not None, code
    sts = observation(doc, local, "sit-to-stand-5x")
    assert sts is not None
    assert sts["valueCodeableConcept"]["coding"][0]["code"] == "unable"
    assert "valueQuantity" not in sts


def test_tests_not_recorded_give_no_observation(export: Export) -> None:
    doc = export(vary(tests={"tug_s": 9.0}))
    codes = {c["code"] for o in resources(doc, "Observation") for c in o["code"]["coding"]}
    assert "444680009" in codes
    assert not codes & {"tandem-stance", "sit-to-stand-5x", "grip-strength"}


def test_category_observation_carries_the_knowledge_base_version(
    export: Export, base: KnowledgeBase
) -> None:
    doc = export(vignette("E01"))
    o = observation(doc, f"{CANONICAL}/CodeSystem/assessment", "function-category")
    assert o is not None
    value = o["valueCodeableConcept"]["coding"][0]
    assert value == {
        "system": f"{CANONICAL}/CodeSystem/function-category",
        "code": "traeningsaktiv",
        "display": "Træningsaktiv",
    }
    assert o["meta"]["tag"] == [
        {"system": f"{CANONICAL}/CodeSystem/knowledge-base", "code": base.version}
    ]
    assert base.version in o["note"][0]["text"]
    assert base.content_hash in o["note"][0]["text"]


def test_category_observation_shows_an_override_and_a_provisional_category(
    export: Export,
) -> None:
    doc = export(
        vary(dxa=None),
        confirmed="funktionsbegraenset",
        final_category="funktionsbegraenset",
    )
    o = observation(doc, f"{CANONICAL}/CodeSystem/assessment", "function-category")
    assert o is not None
    assert o["valueCodeableConcept"]["coding"][0]["code"] == "funktionsbegraenset"
    notes = " ".join(n["text"] for n in o["note"])
    assert "Hverdagsaktiv" in notes
    assert "Funktionsbegrænset" in notes
    assert "Foreløbig" in notes


def test_no_category_gives_no_category_observation(export: Export) -> None:
    doc = export(vignette("E08"))
    assert observation(doc, f"{CANONICAL}/CodeSystem/assessment", "function-category") is None


# --- Flag, Condition, ServiceRequest ---------------------------------------------------------


def test_flag_only_with_an_active_acute_phase(export: Export) -> None:
    flag = one(export(vignette("E03")), "Flag")
    assert flag["status"] == "active"
    assert flag["period"] == {"start": "2026-09-20", "end": "2027-03-20"}
    assert flag["code"]["coding"][0]["code"] == "acute-phase"
    assert resources(export(vignette("E02")), "Flag") == []
    assert resources(export(vignette("E01")), "Flag") == []


def test_precautionary_acute_phase_after_a_red_flag_has_an_open_flag(export: Export) -> None:
    flag = one(export(vignette("E08")), "Flag")
    assert flag["period"] == {"start": vignette("E08")["assessment_date"]}


def _condition_codes(doc: dict[str, Any]) -> dict[str, list[str]]:
    codings = one(doc, "Condition")["code"]["coding"]
    return {s: [c["code"] for c in codings if c["system"] == s] for s in (SNOMED, ICD10)}


@pytest.mark.parametrize(
    ("fractures", "icd10"),
    [
        ([], ["M81"]),
        ([{"site": "wrist", "date": "2020-05-01", "low_energy": True}], ["M80"]),
        ([{"site": "wrist", "date": "2020-05-01", "low_energy": None}], ["M80"]),
        ([{"site": "ankle", "date": "2020-05-01", "low_energy": False}], ["M81"]),
        (None, []),
    ],
    ids=["no-fracture", "low-energy", "unknown-energy", "high-energy-only", "not-recorded"],
)
def test_condition_m80_with_fracture_and_m81_without(
    export: Export, fractures: list[dict[str, Any]] | None, icd10: list[str]
) -> None:
    doc = export(vary(dxa__lumbar_spine=-2.8, fractures=fractures))
    assert _condition_codes(doc) == {SNOMED: ["64859006"], ICD10: icd10}
    condition = one(doc, "Condition")
    assert condition["verificationStatus"]["coding"][0]["code"] == "provisional"


def test_condition_by_definition_from_a_diagnostic_fracture(export: Export) -> None:
    doc = export(vignette("E02"))
    assert _condition_codes(doc) == {SNOMED: ["64859006"], ICD10: ["M80"]}
    assert one(doc, "Condition")["verificationStatus"]["coding"][0]["code"] == "confirmed"


def test_condition_when_diagnosed_even_with_osteopenia(export: Export) -> None:
    doc = export(vary(patient__osteoporosis_diagnosed=True))
    assert one(doc, "Condition")["verificationStatus"]["coding"][0]["code"] == "confirmed"


def test_no_condition_without_osteoporosis(export: Export) -> None:
    assert resources(export(BASE_CASE), "Condition") == []
    assert resources(export(vignette("E07")), "Condition") == []


def test_service_request_only_with_a_recommended_referral(export: Export) -> None:
    request = one(export(vignette("E09")), "ServiceRequest")
    assert request["intent"] == "proposal"
    assert request["status"] == "active"
    assert request["priority"] == "routine"
    assert request["code"]["coding"][0]["code"] == "gp-osteoporosis-assessment"
    reasons = [c["code"] for r in request["reasonCode"] for c in r.get("coding", [])]
    assert reasons == ["RF3", "RF5"]
    assert all(
        c["system"] == f"{CANONICAL}/CodeSystem/risk-factor"
        for r in request["reasonCode"]
        for c in r["coding"]
    )
    for name in ("E01", "E02", "E10"):
        assert resources(export(vignette(name)), "ServiceRequest") == [], name
    # Issue 15 item 10: diagnosed, with a new low-energy fracture (E03, vertebral 2 months ago): the
    # GP is asked to review the treatment, so there is a request.
    assert len(resources(export(vignette("E03")), "ServiceRequest")) == 1


def test_a_red_flag_referral_is_urgent_and_names_the_flag(export: Export) -> None:
    request = one(export(vignette("E08")), "ServiceRequest")
    assert request["priority"] == "urgent"
    assert request["reasonCode"]
    assert all("text" in r for r in request["reasonCode"])


# --- CarePlan --------------------------------------------------------------------------------


def _part(detail: dict[str, Any], url: str) -> Any:
    (item,) = detail["extension"]
    assert item["url"] == f"{CANONICAL}/StructureDefinition/plan-item"
    for part in item["extension"]:
        if part["url"] == url:
            return next(v for k, v in part.items() if k.startswith("value"))
    return None


def test_care_plan_holds_every_plan_item_with_its_dose(export: Export, base: KnowledgeBase) -> None:
    k = base.knowledge
    case = parse_case(vignette("E01"), k.input_ranges, k.conditions)
    result = assess(case, k)
    assert result.plan is not None
    expected = [i for d in result.plan.domains for i in d.items] + list(result.plan.supervised)
    plan = one(export(vignette("E01")), "CarePlan")
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    details = [a["detail"] for a in plan["activity"]]
    assert [d["code"]["coding"][0]["code"] for d in details] == [i.exercise for i in expected]
    assert sum(_part(d, "supervised") for d in details) == len(result.plan.supervised) > 0
    for detail, item in zip(details, expected, strict=True):
        dose = item.dose
        assert detail["status"] == "not-started"
        assert _part(detail, "domain")["system"] == f"{CANONICAL}/CodeSystem/training-domain"
        assert _part(detail, "sets") == dose.sets
        if dose.reps:
            assert _part(detail, "reps") == {
                "low": {"value": dose.reps[0]},
                "high": {"value": dose.reps[1]},
            }
        if dose.hold_s:
            assert _part(detail, "hold")["low"]["value"] == dose.hold_s[0]
        if dose.days_per_week:
            repeat = detail["scheduledTiming"]["repeat"]
            assert repeat["frequency"] == dose.days_per_week[0]
            assert repeat.get("frequencyMax", repeat["frequency"]) == dose.days_per_week[1]
            assert (repeat["period"], repeat["periodUnit"]) == (1, "wk")
        if dose.minutes:
            repeat = detail["scheduledTiming"]["repeat"]
            assert (repeat["duration"], repeat["durationUnit"]) == (dose.minutes[0], "min")


def test_edited_plan_items_replace_the_suggested_plan(export: Export) -> None:
    edited = [
        CarePlanActivity(
            "sit_to_stand",
            "Rejse-sætte-sig",
            "staerk",
            Dose(sets=3, reps=(10, 10), days_per_week=(2, 2)),
            False,
        ),
        CarePlanActivity("brisk_walking", "Rask gang", "stabil", None, True),
    ]
    plan = one(export(vignette("E01"), activities=edited), "CarePlan")
    details = [a["detail"] for a in plan["activity"]]
    assert [d["code"]["coding"][0]["code"] for d in details] == ["sit_to_stand", "brisk_walking"]
    assert details[0]["scheduledTiming"]["repeat"] == {
        "frequency": 2,
        "period": 1,
        "periodUnit": "wk",
    }
    assert "3 × 10 gentagelser" in details[0]["description"]
    assert details[1]["description"] == "Rask gang"
    assert _part(details[1], "supervised") is True


def test_an_empty_plan_gives_no_care_plan(export: Export) -> None:
    assert resources(export(vignette("E01"), activities=[]), "CarePlan") == []


def test_activities_from_follows_the_plan_order(base: KnowledgeBase) -> None:
    k = base.knowledge
    result = assess(parse_case(vignette("E01"), k.input_ranges, k.conditions), k)
    activities = activities_from(result, base, "en")
    assert result.plan is not None
    assert [a.domain for a in activities[: len(result.plan.domains[0].items)]] == [
        result.plan.domains[0].domain.value
    ] * len(result.plan.domains[0].items)
    assert [a.supervised for a in activities].count(True) == len(result.plan.supervised)
    assert activities[0].name == base.exercises[activities[0].exercise]["name"]["en"]


# --- Language and the stored result document --------------------------------------------------


def test_english_changes_texts_not_codes(export: Export) -> None:
    da, en = export(vignette("E03")), export(vignette("E03"), lang="en")
    assert one(en, "Flag")["code"]["text"].startswith("Acute phase")
    assert one(da, "Flag")["code"]["text"].startswith("Akut fase")
    assert one(en, "Flag")["code"]["coding"] == one(da, "Flag")["code"]["coding"]


def test_the_stored_result_document_gives_the_same_bundle(base: KnowledgeBase) -> None:
    k = base.knowledge
    case = parse_case(vignette("E03"), k.input_ranges, k.conditions)
    result = assess(case, k)
    stored = json.loads(json.dumps(write_result(result, words(base, "da"))))
    subject = Subject("patient-3", name="Test", cpr="0101401234")
    assert bundle(subject, case, stored, base) == bundle(subject, case, result, base)


# --- check(): what the R4B models do not see ---------------------------------------------------


def _broken(doc: dict[str, Any], kind: str, change: Any) -> dict[str, Any]:
    broken = copy.deepcopy(doc)
    change(next(e["resource"] for e in broken["entry"] if e["resource"]["resourceType"] == kind))
    return broken


@pytest.mark.parametrize(
    ("kind", "change", "words"),
    [
        (
            "Observation",
            lambda r: r["code"]["coding"][0].update(system="http://loinc.org/"),
            "system",
        ),
        (
            "Observation",
            lambda r: r["code"]["coding"][0].update(code="99999-9"),
            "not in fhir.toml",
        ),
        ("Observation", lambda r: r.update(status="preliminary"), "status"),
        (
            "Observation",
            lambda r: r["category"][0]["coding"][0].update(code="laboratory"),
            "category",
        ),
        ("Condition", lambda r: r["code"]["coding"][1].update(code="M82"), "not in fhir.toml"),
        (
            "Condition",
            lambda r: r["code"]["coding"][0].update(system="http://snomed.info/"),
            "system",
        ),
        ("Flag", lambda r: r.update(status="inactive"), "status"),
        ("Flag", lambda r: r.update(subject={"reference": "urn:uuid:x"}), "Patient"),
        ("CarePlan", lambda r: r.update(intent="order"), "intent"),
        (
            "Patient",
            lambda r: r.update(identifier=[{"system": "urn:oid:1.2.3", "value": "1"}]),
            "CPR",
        ),
    ],
)
def test_check_finds_what_the_models_accept(
    export: Export, base: KnowledgeBase, kind: str, change: Any, words: str
) -> None:
    doc = export(vignette("E03"), Subject("p", cpr="0101401234"))
    assert check(doc, base) == []
    problems = check(_broken(doc, kind, change), base)
    assert any(words in p for p in problems), problems


def test_check_finds_a_function_category_outside_the_five(
    export: Export, base: KnowledgeBase
) -> None:
    doc = export(vignette("E01"))

    def change(r: dict[str, Any]) -> None:
        if "valueCodeableConcept" in r and r["code"]["coding"][0]["code"] == "function-category":
            r["valueCodeableConcept"]["coding"][0]["code"] = "sengeliggende"

    broken = copy.deepcopy(doc)
    for entry in broken["entry"]:
        change(entry["resource"])
    assert any("one of the five" in p for p in check(broken, base))


def test_check_reports_what_the_models_refuse(export: Export, base: KnowledgeBase) -> None:
    doc = _broken(export(vignette("E03")), "Flag", lambda r: r.update(status=17))
    assert any("R4B model" in p for p in check(doc, base))
