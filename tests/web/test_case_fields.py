"""The assessment form, the API's case schema and the library's tag words derive from the case
fields and value lists declared in the core (issue 14, item 5)."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from django import forms
from django.utils import translation

from osteofys import kb
from osteofys.kb.loader import EQUIPMENT
from osteofys.rules.case import (
    DECISION,
    DECISION_FIELDS,
    FRACTURE_FIELDS,
    REQUIRED,
    FieldKind,
    Sex,
    case_fields,
)
from osteofys.rules.model import FALL_RISK_LEVELS, FLEXION_LEVELS, IMPACT_LEVELS, Component
from osteofys.web.records import models
from osteofys.web.records.api_schemas import PatientIn, case_schema
from osteofys.web.records.forms import FROM_PATIENT, AssessmentForm, FractureForm

FORM_FIELD = {
    FieldKind.NUMBER: forms.FloatField,
    FieldKind.NUMBER_OR_UNABLE: forms.FloatField,
    FieldKind.INTEGER: forms.IntegerField,
    FieldKind.BOOLEAN: forms.TypedChoiceField,
    FieldKind.CHOICE: forms.ChoiceField,
    FieldKind.DATE: forms.DateField,
    FieldKind.CONDITIONS: forms.MultipleChoiceField,
}


def _values(choices: Any) -> list[str]:
    return [value for value, _ in choices if value]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_assessment_form_has_one_field_per_declared_case_field(lang: str) -> None:
    with translation.override(lang):
        form = AssessmentForm()
    declared = {p for p in case_fields() if p not in FROM_PATIENT}
    # Named `section__field`; two more boxes say "unable" and "none of these diseases".
    from_case = {n.replace("__", ".", 1) for n in form.fields if "__" in n}
    # The clinician's acute-phase decision is not facts about the person: its own fields.
    decision = {f"{DECISION}.{n}" for n in DECISION_FIELDS}
    assert from_case - {"tests.sts_unable", "risk_factors.conditions_none"} - decision == declared
    for name, spec in DECISION_FIELDS.items():
        field = form.fields[f"{DECISION}__{name}"]
        if spec.kind is FieldKind.CHOICE:
            assert _values(field.choices) == list(spec.values), name
    for path in declared:
        spec = case_fields()[path]
        field = form.fields[path.replace(".", "__")]
        assert isinstance(field, FORM_FIELD[spec.kind]), path
        if spec.kind is FieldKind.CHOICE:
            assert _values(field.choices) == list(spec.values), path
            assert all(str(label) for _, label in field.choices), path


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_fracture_form_offers_the_declared_sites(lang: str) -> None:
    with translation.override(lang):
        site = FractureForm().fields["site"]
        assert isinstance(site, forms.ChoiceField)
        assert _values(site.choices) == list(FRACTURE_FIELDS["site"].values)


def test_the_api_case_schema_has_exactly_the_declared_fields_and_values() -> None:
    schema = case_schema()
    sections: dict[str, set[str]] = {}
    for path in case_fields():
        section, name = path.split(".", 1)
        sections.setdefault(section, set()).add(name)
    for section, names in sections.items():
        body = schema["properties"][section]
        body = body if "properties" in body else body["anyOf"][0]
        assert set(body["properties"]) == names, section
        assert body.get("required", []) == [
            p.split(".", 1)[1] for p in REQUIRED if p.startswith(f"{section}.")
        ]
    for path, spec in case_fields().items():
        if spec.kind is not FieldKind.CHOICE:
            continue
        section, name = path.split(".", 1)
        body = schema["properties"][section]
        body = body if "properties" in body else body["anyOf"][0]
        prop = body["properties"][name]
        prop = prop if "enum" in prop else prop["anyOf"][0]
        assert prop["enum"] == list(spec.values), path
    fracture = schema["properties"]["fractures"]["anyOf"][0]["items"]
    assert set(fracture["properties"]) == set(FRACTURE_FIELDS)
    assert fracture["properties"]["site"]["enum"] == list(FRACTURE_FIELDS["site"].values)


def test_the_patient_record_and_the_api_know_the_same_sexes_as_the_case() -> None:
    sexes = [s.value for s in Sex]
    assert [c.value for c in models.Sex] == sexes
    assert list(typing.get_args(PatientIn.model_fields["sex"].annotation)) == sexes


def test_the_library_has_words_for_exactly_the_tag_vocabularies() -> None:
    # The library's tag words are the knowledge base's (texts.toml [tags], issue 14 item 6).
    tags = kb.load().texts.tags
    assert set(tags.impact) == set(IMPACT_LEVELS)
    assert set(tags.spinal_flexion) == set(FLEXION_LEVELS)
    assert set(tags.fall_risk) == set(FALL_RISK_LEVELS)
    assert set(tags.component) == {c.value for c in Component}
    assert set(tags.equipment) == EQUIPMENT
