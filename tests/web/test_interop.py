"""The FHIR service raises domain errors; the API alone turns them into HTTP answers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from osteofys.web.accounts import tokens
from osteofys.web.accounts.models import Clinic
from osteofys.web.records import interop, services
from osteofys.web.records.models import Assessment
from tests.web.conftest import make_assessment, make_patient
from tests.web.test_api import API, bearer, call, dxa_bundle

NOTHING = "Patienten har ingen vurdering endnu: der er intet at eksportere."


@pytest.fixture
def auth(user: User) -> dict[str, str]:
    return bearer(tokens.api_token_create(user=user, name="test").secret)


def test_exporting_a_patient_without_an_assessment_is_a_domain_error(clinic: Clinic) -> None:
    with pytest.raises(interop.NothingToExportError, match=NOTHING):
        interop.fhir_bundle(make_patient(clinic), lang="da")


def test_the_api_answers_nothing_to_export_as_a_conflict_with_its_sentence(
    clinic: Clinic, client: Client, auth: dict[str, str]
) -> None:
    response = client.get(f"{API}/patients/{make_patient(clinic).pk}/fhir", **auth)
    assert response.status_code == 409
    assert response.json()["detail"] == NOTHING


def test_a_dxa_import_the_core_refuses_is_the_services_own_error(
    clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    make_assessment(patient, user)
    future = (date.today() + timedelta(days=30)).isoformat()
    before = Assessment.objects.count()
    with pytest.raises(services.CaseRejectedError) as rejected:
        interop.dxa_record(patient, user, dxa_bundle(future))
    assert [i.field for i in rejected.value.issues] == ["dxa.date"]
    assert Assessment.objects.count() == before


def test_the_api_answers_the_refused_dxa_import_field_by_field(
    clinic: Clinic, user: User, client: Client, auth: dict[str, str]
) -> None:
    patient = make_patient(clinic)
    make_assessment(patient, user)
    future = (date.today() + timedelta(days=30)).isoformat()
    response = call(client, "POST", f"{API}/patients/{patient.pk}/fhir", dxa_bundle(future), **auth)
    assert response.status_code == 422
    body: dict[str, Any] = response.json()
    assert [e["field"] for e in body["errors"]] == ["dxa.date"]
    assert body["errors"][0]["message"]
