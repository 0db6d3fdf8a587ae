"""FHIR R4 import of DXA T-scores: what is used, what is ignored and why; nothing else raises."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osteofys.fhir import DxaImport, FhirImportError, Subject, dxa_from_bundle
from osteofys.kb.loader import KnowledgeBase
from tests.conftest import BASE_CASE, vary
from tests.fhir.conftest import VIGNETTE_FILES, Export, vignette

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def dxa_entry(
    code: str = "38267-1",
    value: Any = -2.7,
    *,
    when: Any = "2026-03-10",
    status: Any = "final",
    url: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "valueQuantity": {
            "value": value,
            "system": "http://unitsofmeasure.org",
            "code": "{T-score}",
        },
        **more,
    }
    if when is not None:
        resource["effectiveDateTime"] = when
    entry: dict[str, Any] = {"resource": resource}
    if url:
        entry["fullUrl"] = url
    return entry


def a_bundle(*entries: Any) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}


def test_an_exported_bundle_gives_back_its_dxa(export: Export, base: KnowledgeBase) -> None:
    doc = export(vary(dxa__forearm=-2.2))
    result = dxa_from_bundle(doc, base)
    assert result.dxa == {
        "date": "2026-03-10",
        "lumbar_spine": -1.8,
        "femoral_neck": -1.5,
        "total_hip": -1.2,
        "forearm": -2.2,
    }
    assert len(result.used) == 4
    assert any("38267-1" in u and "dxa.lumbar_spine" in u for u in result.used)
    # Everything else in the Bundle (Patient, tests, category, ...) is reported, not dropped.
    assert len(result.used) + len(result.ignored) == len(doc["entry"])
    assert any("ressourcetype 'Patient'" in i.reason for i in result.ignored)
    assert all(i.reference.startswith("urn:uuid:") for i in result.ignored)


def test_unmeasured_regions_stay_null(base: KnowledgeBase) -> None:
    result = dxa_from_bundle(a_bundle(dxa_entry("38264-8", -1.1, when=None)), base)
    assert result.dxa == {
        "date": None,
        "lumbar_spine": None,
        "femoral_neck": None,
        "total_hip": -1.1,
        "forearm": None,
    }
    assert result.ignored == []


def test_a_date_time_gives_the_date(base: KnowledgeBase) -> None:
    result = dxa_from_bundle(a_bundle(dxa_entry(when="2026-03-10T09:30:00+01:00")), base)
    assert result.dxa["date"] == "2026-03-10"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"resource": {"resourceType": "Patient", "id": "x"}}, "forkert ressourcetype"),
        ("not an entry", "ingen resource"),
        ({"fullUrl": "urn:uuid:1"}, "ingen resource"),
        (dxa_entry("24701-5"), "ukendt kode"),
        (
            {**dxa_entry(), "resource": {**dxa_entry()["resource"], "code": {"text": "DXA"}}},
            "ingen coding",
        ),
        (dxa_entry(value=None), "ikke et tal"),
        (dxa_entry(value="-2,7"), "ikke et tal"),
        (dxa_entry(value=True), "ikke et tal"),
        (dxa_entry(value=float("nan")), "endeligt"),
        (dxa_entry(value=-7.5), "uden for det tilladte område -7 til 5"),
        (dxa_entry(value=5.1), "uden for det tilladte område"),
        (dxa_entry(status="preliminary"), "status 'preliminary'"),
        (dxa_entry(status=None), "status None"),
        (dxa_entry(when="10-03-2026"), "ikke en dato"),
        (dxa_entry(when="2026-02-30"), "ikke en dato"),
        (
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": LOINC, "code": "38267-1"}]},
                    "valueString": "-2.7",
                }
            },
            "valueString",
        ),
        (
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": LOINC, "code": "38267-1"}]},
                }
            },
            "mangler værdi",
        ),
        (
            {
                "resource": {
                    **dxa_entry()["resource"],
                    "valueQuantity": {"value": 0.9, "unit": "g/cm2", "code": "g/cm2"},
                }
            },
            "er ikke en T-score",
        ),
        (
            {
                "resource": {
                    **dxa_entry()["resource"],
                    "valueQuantity": {"value": -2.0, "comparator": "<"},
                }
            },
            "komparator",
        ),
        (
            dxa_entry(
                "38263-0",
                bodySite={"coding": [{"system": SNOMED, "code": "71341001"}]},
            ),
            "bodySite er ikke lårbenshals",
        ),
    ],
    ids=[
        "wrong-type",
        "entry-not-object",
        "no-resource",
        "unknown-code",
        "no-coding",
        "missing-value",
        "string-value",
        "bool-value",
        "nan-value",
        "below-range",
        "above-range",
        "preliminary",
        "no-status",
        "bad-date-format",
        "impossible-date",
        "value-string",
        "no-value",
        "wrong-unit",
        "comparator",
        "femur-not-neck",
    ],
)
def test_each_bad_entry_is_ignored_with_its_reason(
    base: KnowledgeBase, entry: Any, reason: str
) -> None:
    good = dxa_entry("38264-8", -1.0, url="urn:uuid:good")
    result = dxa_from_bundle(a_bundle(good, entry), base)
    assert result.used == ["entry[0]: LOINC 38264-8 → dxa.total_hip = -1"]
    assert [i.index for i in result.ignored] == [1]
    assert reason in result.ignored[0].reason, result.ignored[0].reason


def test_a_duplicate_code_keeps_the_first(base: KnowledgeBase) -> None:
    result = dxa_from_bundle(
        a_bundle(dxa_entry(value=-2.7), dxa_entry(value=-3.1, url="urn:uuid:second")), base
    )
    assert result.dxa["lumbar_spine"] == -2.7
    (ignored,) = result.ignored
    assert (ignored.index, ignored.reference) == (1, "urn:uuid:second")
    assert "dublet" in ignored.reason
    assert "entry[0]" in ignored.reason


def test_a_measurement_of_another_day_is_not_mixed_in(base: KnowledgeBase) -> None:
    result = dxa_from_bundle(
        a_bundle(dxa_entry(), dxa_entry("38264-8", -1.0, when="2025-01-01")), base
    )
    assert result.dxa["total_hip"] is None
    assert "afviger" in result.ignored[0].reason


def test_a_femur_result_without_body_site_counts_as_femoral_neck(base: KnowledgeBase) -> None:
    result = dxa_from_bundle(a_bundle(dxa_entry("38263-0", -2.6)), base)
    assert result.dxa["femoral_neck"] == -2.6


def test_a_reference_falls_back_to_type_and_id(base: KnowledgeBase) -> None:
    entry = {"resource": {"resourceType": "Patient", "id": "p-9"}}
    result = dxa_from_bundle(a_bundle(dxa_entry(), entry), base)
    assert result.ignored[0].reference == "Patient/p-9"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "Forventede et JSON-objekt"),
        ("Bundle", "Forventede et JSON-objekt"),
        (None, "Forventede et JSON-objekt"),
        ({"resourceType": "Observation"}, "resourceType skal være 'Bundle'"),
        ({"entry": []}, "resourceType skal være 'Bundle'"),
        ({"resourceType": "Bundle", "entry": {"resource": {}}}, "Bundle.entry skal være en liste"),
        ({"resourceType": "Bundle"}, "ingen brugbar DXA-observation"),
        (a_bundle(dxa_entry(value=-9)), "ingen brugbar DXA-observation"),
    ],
)
def test_malformed_documents_raise_fhir_import_error(
    base: KnowledgeBase, doc: Any, message: str
) -> None:
    with pytest.raises(FhirImportError) as raised:
        dxa_from_bundle(doc, base)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_the_error_for_no_usable_entry_lists_what_was_ignored(base: KnowledgeBase) -> None:
    with pytest.raises(FhirImportError) as raised:
        dxa_from_bundle(a_bundle(dxa_entry(value=-9), dxa_entry("1-8")), base)
    assert [i.index for i in raised.value.ignored] == [0, 1]


# --- Round trip ------------------------------------------------------------------------------


def _dxa_observations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The DXA observations without ids and references, which follow the patient."""
    found = []
    for entry in doc["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Observation":
            continue
        if any(c["system"] == LOINC for c in resource["code"]["coding"]):
            found.append({k: v for k, v in resource.items() if k not in ("id", "subject")})
    return found


WITH_DXA = [
    p.stem
    for p in VIGNETTE_FILES
    if any(v is not None for k, v in (vignette(p.stem).get("dxa") or {}).items() if k != "date")
]


def test_most_vignettes_have_a_dxa_to_round_trip() -> None:
    assert len(WITH_DXA) >= 5


@pytest.mark.parametrize("name", WITH_DXA)
def test_round_trip_into_another_patient_keeps_the_dxa(
    export: Export, base: KnowledgeBase, name: str
) -> None:
    first = export(vignette(name), Subject("patient-1"))
    imported = dxa_from_bundle(first, base)
    other = copy.deepcopy(BASE_CASE)
    other["dxa"] = imported.dxa
    second = export(other, Subject("patient-2", cpr="0101501234"))
    assert _dxa_observations(second) == _dxa_observations(first)
    assert len(_dxa_observations(first)) == len(imported.used) > 0
    assert dxa_from_bundle(second, base).dxa == imported.dxa


# --- Fuzz ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["Bundle", "Observation", "final", LOINC, "38267-1", "valueQuantity"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceType",
                    "entry",
                    "resource",
                    "fullUrl",
                    "status",
                    "code",
                    "coding",
                    "system",
                    "valueQuantity",
                    "value",
                    "effectiveDateTime",
                    "bodySite",
                    "id",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


def _shaped(draw: Any) -> dict[str, Any]:
    """A Bundle of DXA-like entries with random JSON in random places."""
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        entry = dxa_entry(
            draw(st.sampled_from(["38267-1", "38263-0", "38264-8", "38265-5", "0-0"])),
            draw(st.floats(-10, 10) | json_values),
            when=draw(st.sampled_from(["2026-03-10", "2026-13-01", None]) | json_values),
            status=draw(st.sampled_from(["final", "amended", "preliminary"]) | json_values),
        )
        resource = entry["resource"]
        for key in draw(st.lists(st.sampled_from(list(resource)), max_size=2)):
            resource[key] = draw(json_values)
        entries.append(entry if draw(st.booleans()) else draw(json_values))
    return a_bundle(*entries)


@given(doc=json_values)
def test_any_json_gives_an_import_or_an_import_error(base: KnowledgeBase, doc: Any) -> None:
    _only_import_or_error(doc, base)


@given(data=st.data())
def test_any_bundle_shaped_json_gives_an_import_or_an_import_error(
    base: KnowledgeBase, data: st.DataObject
) -> None:
    _only_import_or_error(_shaped(data.draw), base)


def _only_import_or_error(doc: Any, base: KnowledgeBase) -> None:
    outcome: DxaImport | FhirImportError
    try:
        outcome = dxa_from_bundle(doc, base)
    except FhirImportError as exc:
        outcome = exc
    if isinstance(outcome, FhirImportError):
        assert outcome.message
    else:
        _sane(outcome, base)


def _sane(result: DxaImport, base: KnowledgeBase) -> None:
    assert isinstance(result, DxaImport)
    assert result.used
    low, high = base.knowledge.input_ranges["dxa.lumbar_spine"]
    for key in ("lumbar_spine", "femoral_neck", "total_hip", "forearm"):
        value = result.dxa[key]
        assert value is None or (isinstance(value, float) and low <= value <= high)
