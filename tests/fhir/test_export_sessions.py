"""FHIR export of the training (issue 16): supervised sessions as Procedures, the plan's progress.

Each session is a Procedure (SNOMED CT 229065009 exercise therapy) with its exercises in the
`session-exercise` extension and the journal as notes; the highest pain ratings are Observations
(LOINC 72514-3) part of it; the CarePlan's activities carry family, level and the accepted
progression decisions. Everything validates with the R4B models and `osteofys.fhir.check`.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from osteofys.fhir import (
    CarePlanActivity,
    Progress,
    SessionEvent,
    SessionExercise,
    SupervisedSession,
    check,
)
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.model import Dose
from tests.conftest import BASE_CASE
from tests.fhir.conftest import Export, one, resources

SNOMED, LOINC = "http://snomed.info/sct", "http://loinc.org"
CANONICAL = "https://osteofys.dk/fhir"

SQUAT = CarePlanActivity(
    "sit_to_stand",
    "Rejse-sætte-sig",
    "staerk",
    Dose(sets=3, reps=(8, 12), days_per_week=(2, 3)),
    family="squat",
    level=2,
    progress=(
        Progress(
            when=datetime(2026, 11, 20, 10, 30, tzinfo=UTC),
            step="more_load",
            rule="double_progression",
            from_exercise="sit_to_stand",
            to_exercise="sit_to_stand",
            from_level=2,
            to_level=2,
            from_dose=Dose(sets=2, reps=(8, 12)),
            to_dose=Dose(sets=3, reps=(8, 12)),
            reason="Alle sæt i toppen to gange.",
        ),
    ),
)
WALK = CarePlanActivity("brisk_walking", "Rask gang", "stabil", None, True)


def _session(**changes: Any) -> SupervisedSession:
    values: dict[str, Any] = {
        "key": "session-1",
        "date": date(2026, 11, 24),
        "note": "Godt fremmøde, lidt træt.",
        "next_time": "Prøv 4 kg.",
        "exercises": (
            SessionExercise(
                "sit_to_stand",
                "Rejse-sætte-sig",
                sets=3,
                reps=10,
                load_kg=4.5,
                effort=6,
                pain_during=2,
                pain_next_day=1,
                technique_ok=True,
            ),
            SessionExercise("brisk_walking", "Rask gang", minutes=20, pain_during=3),
            SessionExercise("tandem_walk", "Tandemgang", done=False, note="Svimmel."),
        ),
    }
    return SupervisedSession(**{**values, **changes})


def _export(export: Export, *sessions: SupervisedSession, **options: Any) -> dict[str, Any]:
    return export(BASE_CASE, activities=[SQUAT, WALK], sessions=list(sessions), **options)


def _procedures(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return resources(doc, "Procedure")


def _url_of(doc: dict[str, Any], resource: dict[str, Any]) -> str:
    (url,) = [e["fullUrl"] for e in doc["entry"] if e["resource"] is resource]
    return str(url)


def test_a_bundle_with_sessions_is_sound(export: Export, base: KnowledgeBase) -> None:
    absent = _session(key="session-2", date=date(2026, 11, 27), attendance="absent")
    fell = _session(
        key="session-3",
        date=date(2026, 12, 1),
        events=(SessionEvent("fall", "Snublede i døren.", "Tjekket, ingen smerter."),),
    )
    doc = _export(export, _session(), absent, fell)
    for entry in doc["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert check(doc, base) == []
    assert len(_procedures(doc)) == 3


def test_a_session_attended_is_a_completed_exercise_therapy_procedure(export: Export) -> None:
    doc = _export(export, _session())
    procedure = one(doc, "Procedure")
    assert procedure["status"] == "completed"
    assert "statusReason" not in procedure
    assert procedure["code"]["coding"] == [
        {"system": SNOMED, "code": "229065009", "display": "Exercise therapy (regime/therapy)"}
    ]
    assert procedure["performedDateTime"] == "2026-11-24"
    assert procedure["subject"] == {"reference": doc["entry"][0]["fullUrl"]}
    plan_url = _url_of(doc, one(doc, "CarePlan"))
    assert procedure["basedOn"] == [{"reference": plan_url}]
    # No Practitioner in the export, so no performer (a display-only actor would name nobody).
    assert "performer" not in procedure


def test_the_journal_is_in_the_notes(export: Export) -> None:
    notes = [n["text"] for n in one(_export(export, _session()), "Procedure")["note"]]
    assert notes[0] == "Godt fremmøde, lidt træt."
    assert notes[1] == "Plan for næste gang: Prøv 4 kg."
    assert notes[2] == (
        "Rejse-sætte-sig: 3 × 10 gentagelser, 4,5 kg, anstrengelse 6/10, smerte under 2/10,"
        " smerte dagen efter 1/10, teknik god"
    )
    assert notes[3] == "Rask gang: 20 min., smerte under 3/10"
    assert notes[4] == "Tandemgang: ikke udført. Svimmel."


def test_english_notes(export: Export) -> None:
    doc = _export(export, _session(), lang="en")
    notes = [n["text"] for n in one(doc, "Procedure")["note"]]
    assert notes[1] == "Plan for next time: Prøv 4 kg."
    assert notes[4] == "Tandemgang: not done. Svimmel."
    assert one(doc, "Procedure")["code"]["text"] == "Supervised exercise therapy"


def _parts(extension: dict[str, Any]) -> dict[str, Any]:
    assert extension["url"] == f"{CANONICAL}/StructureDefinition/session-exercise"
    return {
        p["url"]: next(v for k, v in p.items() if k.startswith("value"))
        for p in extension["extension"]
    }


def test_each_exercise_is_machine_readable_in_the_extension(export: Export) -> None:
    procedure = one(_export(export, _session()), "Procedure")
    squat, walk, tandem = (_parts(e) for e in procedure["extension"])
    assert squat["exercise"]["code"] == "sit_to_stand"
    assert squat["exercise"]["system"] == f"{CANONICAL}/CodeSystem/exercise"
    assert (squat["sets"], squat["reps"], squat["effort"]) == (3, 10, 6)
    assert (squat["painDuring"], squat["painNextDay"], squat["techniqueOk"]) == (2, 1, True)
    assert squat["load"] == {
        "value": 4.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }
    assert walk["minutes"]["value"] == 20
    assert tandem == {"exercise": tandem["exercise"], "done": False}


def test_the_highest_pain_ratings_are_observations_part_of_the_procedure(
    export: Export,
) -> None:
    doc = _export(export, _session())
    procedure_url = _url_of(doc, one(doc, "Procedure"))
    pains = [
        o for o in resources(doc, "Observation") if o["code"]["coding"][0]["code"] == "72514-3"
    ]
    assert [(p["valueInteger"], p["effectiveDateTime"]) for p in pains] == [
        (3, "2026-11-24"),
        (1, "2026-11-25"),
    ]
    for pain in pains:
        assert pain["code"]["coding"][0]["system"] == LOINC
        assert pain["partOf"] == [{"reference": procedure_url}]
        assert pain["category"][0]["coding"][0]["code"] == "survey"
    assert "Rask gang" in pains[0]["note"][0]["text"]
    assert "Rejse-sætte-sig" in pains[1]["note"][0]["text"]


def test_no_ratings_no_pain_observations(export: Export) -> None:
    quiet = _session(exercises=(SessionExercise("brisk_walking", "Rask gang", minutes=20),))
    doc = _export(export, quiet)
    assert all(o["code"]["coding"][0]["code"] != "72514-3" for o in resources(doc, "Observation"))


@pytest.mark.parametrize(
    ("attendance", "code", "text"),
    [("excused", "excused", "Meldt afbud"), ("absent", "absent", "Udeblevet")],
)
def test_a_session_not_attended_is_not_done_with_the_reason(
    attendance: str, code: str, text: str, export: Export, base: KnowledgeBase
) -> None:
    doc = _export(export, _session(attendance=attendance))
    procedure = one(doc, "Procedure")
    assert procedure["status"] == "not-done"
    reason = procedure["statusReason"]
    assert reason["coding"][0]["code"] == "416237000"
    assert reason["coding"][1] == {
        "system": f"{CANONICAL}/CodeSystem/attendance",
        "code": code,
        "display": text,
    }
    assert reason["text"] == text
    # Nothing was done, so neither exercises nor pain ratings; the journal note stays.
    assert "extension" not in procedure
    assert [n["text"] for n in procedure["note"]][:1] == ["Godt fremmøde, lidt træt."]
    assert len(resources(doc, "Observation")) == len(resources(export(BASE_CASE), "Observation"))
    # A CarePlan none of whose sessions was attended has not started.
    activities = one(doc, "CarePlan")["activity"]
    assert {a["detail"]["status"] for a in activities} == {"not-started"}
    assert check(doc, base) == []


def test_adverse_events_are_complications_with_what_was_done(export: Export) -> None:
    fell = _session(
        events=(
            SessionEvent("fall", "Snublede i døren.", "Tjekket, ingen smerter."),
            SessionEvent("new_back_pain"),
        )
    )
    procedure = one(_export(export, fell), "Procedure")
    complications = procedure["complication"]
    assert [c["coding"][0]["code"] for c in complications] == ["fall", "new-back-pain"]
    assert complications[0]["coding"][0]["system"] == f"{CANONICAL}/CodeSystem/adverse-event"
    assert complications[0]["text"] == "Fald: Snublede i døren."
    assert complications[1]["text"] == "Ny rygsmerte"
    notes = [n["text"] for n in procedure["note"]]
    assert "Fald: Snublede i døren. Hvad blev gjort: Tjekket, ingen smerter." in notes
    assert "Ny rygsmerte" in notes


def test_a_session_of_an_earlier_plan_is_not_based_on_the_care_plan(
    export: Export, base: KnowledgeBase
) -> None:
    earlier = _session(follows_care_plan=False)
    doc = _export(export, earlier)
    assert "basedOn" not in one(doc, "Procedure")
    assert {a["detail"]["status"] for a in one(doc, "CarePlan")["activity"]} == {"not-started"}
    # Without any CarePlan in the Bundle there is nothing to be based on either.
    alone = export(BASE_CASE, activities=[], sessions=[_session()])
    assert "basedOn" not in one(alone, "Procedure")
    assert check(alone, base) == []


def test_session_ids_are_stable_and_do_not_follow_the_assessment(export: Export) -> None:
    first = _export(export, _session())
    assert _export(export, _session()) == first
    later_case = copy.deepcopy(BASE_CASE)
    later_case["assessment_date"] = "2026-12-01"
    later = export(later_case, activities=[SQUAT, WALK], sessions=[_session()])
    assert one(later, "Procedure")["id"] == one(first, "Procedure")["id"]
    other = _export(export, _session(key="session-9"))
    assert one(other, "Procedure")["id"] != one(first, "Procedure")["id"]


def test_two_sessions_with_one_key_are_refused(export: Export) -> None:
    with pytest.raises(ValueError, match="key"):
        _export(export, _session(), _session(date=date(2026, 11, 30)))


def _plan_part(detail: dict[str, Any], url: str) -> Any:
    (item,) = detail["extension"]
    for part in item["extension"]:
        if part["url"] == url:
            return next(v for k, v in part.items() if k.startswith("value"))
    return None


def test_the_care_plan_shows_family_level_and_accepted_progressions(export: Export) -> None:
    doc = _export(export, _session())
    squat, walk = one(doc, "CarePlan")["activity"]
    assert (_plan_part(squat["detail"], "family"), _plan_part(squat["detail"], "level")) == (
        "squat",
        2,
    )
    assert _plan_part(walk["detail"], "family") is None
    assert squat["detail"]["status"] == walk["detail"]["status"] == "in-progress"
    (progress,) = squat["progress"]
    assert progress["time"] == "2026-11-20T10:30:00+00:00"
    assert progress["text"].startswith("Mere belastning (double_progression): ")
    assert "trin 2, 2 × 8–12 gentagelser → " in progress["text"]
    assert "3 × 8–12 gentagelser" in progress["text"]
    assert progress["text"].endswith("Begrundelse: Alle sæt i toppen to gange.")
    assert "progress" not in walk


def test_without_sessions_the_export_is_as_before(export: Export) -> None:
    plain = export(BASE_CASE, activities=[WALK])
    assert resources(plain, "Procedure") == []
    assert one(plain, "CarePlan")["activity"][0]["detail"]["status"] == "not-started"


# --- the checks know the new resources -------------------------------------------------------


def _broken(doc: dict[str, Any], change: Any) -> dict[str, Any]:
    broken = copy.deepcopy(doc)
    change(broken)
    return broken


def _first(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == kind)


def _pain(doc: dict[str, Any]) -> dict[str, Any]:
    return next(
        o for o in resources(doc, "Observation") if o["code"]["coding"][0]["code"] == "72514-3"
    )


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda d: _first(d, "Procedure").update(status="in-progress"), "status"),
        (lambda d: _first(d, "Procedure").update(status="not-done"), "statusReason"),
        (lambda d: _first(d, "Procedure").pop("performedDateTime"), "performedDateTime"),
        (
            lambda d: _first(d, "Procedure")["code"]["coding"][0].update(code="91251008"),
            "229065009",
        ),
        (
            lambda d: _first(d, "Procedure").update(basedOn=[{"reference": "urn:uuid:x"}]),
            "basedOn[0]",
        ),
        (
            lambda d: _pain(d).update(partOf=[{"reference": d["entry"][0]["fullUrl"]}]),
            "partOf[0]",
        ),
        (lambda d: _pain(d).update(valueInteger=11), "pain score"),
        (
            lambda d: _first(d, "CarePlan")["activity"][0]["detail"].update(status="completed"),
            "detail.status",
        ),
    ],
)
def test_check_finds_what_is_wrong_with_a_session(
    change: Any, found: str, export: Export, base: KnowledgeBase
) -> None:
    doc = _export(export, _session())
    assert check(doc, base) == []
    problems = check(_broken(doc, change), base)
    assert any(found in p for p in problems), problems
