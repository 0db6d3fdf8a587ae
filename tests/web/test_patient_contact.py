"""The patient's phone, e-mail and own doctor (GP): the form, its checks, the patient page and
the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts import tokens
from osteofys.web.accounts.models import Clinic
from osteofys.web.records.cpr import digest
from osteofys.web.records.models import Patient
from tests.web.conftest import make_patient

pytestmark = pytest.mark.django_db

BASE = {"name": "Inger Hansen", "birth_date": "1958-04-02", "sex": "female"}
CONTACT = {
    "phone": "+45 20 30 40 50",
    "email": "inger@example.dk",
    "gp_name": "Læge Åse Møller",
    "gp_clinic": "Lægehuset Ågade",
    "gp_address": "Ågade 3, 4000 Roskilde",
    "gp_phone": "46 00 11 22",
}


def _create(client: Client, **data: Any) -> Any:
    return client.post(reverse("records:patient_create"), {**BASE, **data})


def test_form_groups_the_gp_fields_in_their_own_fieldset(logged_in: Client) -> None:
    html = logged_in.get(reverse("records:patient_create")).content.decode()
    gp = html[html.index("<legend>Egen læge</legend>") :]
    gp = gp[: gp.index("</fieldset>")]
    for name in ("gp_name", "gp_clinic", "gp_address", "gp_phone"):
        assert f'name="{name}"' in gp
    assert 'name="phone"' in html
    assert 'name="email"' in html


def test_contact_and_gp_are_saved_and_shown_on_the_patient_page(
    logged_in: Client, clinic: Clinic
) -> None:
    response = _create(logged_in, cpr="020458-1234", **CONTACT)
    assert response.status_code == 302
    patient = Patient.objects.get(clinic=clinic)
    assert {k: getattr(patient, k) for k in CONTACT} == CONTACT
    assert patient.cpr_digest == digest("0204581234")
    page = logged_in.get(response["Location"]).content.decode()
    header = page[: page.index("summary-grid")]
    for text in ("+45 20 30 40 50", "inger@example.dk", "Læge Åse Møller", "46 00 11 22"):
        assert text in header


def test_everything_is_optional(logged_in: Client, clinic: Clinic) -> None:
    assert _create(logged_in).status_code == 302
    patient = Patient.objects.get(clinic=clinic)
    assert (patient.phone, patient.email, patient.gp_name, patient.cpr_digest) == ("", "", "", "")
    page = logged_in.get(reverse("records:patient_detail", args=[patient.pk])).content.decode()
    assert "Egen læge ikke registreret" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "inger@", "E-mail: skriv en gyldig adresse"),
        ("phone", "ring mig", "Telefon: kun cifre, mellemrum, + og -"),
        ("phone", "12 34", "Telefon: kun cifre, mellemrum, + og -, mindst 6 cifre"),
        ("gp_phone", "abc", "Lægens telefon: kun cifre"),
    ],
)
def test_bad_contact_names_the_field_and_keeps_what_was_typed(
    logged_in: Client, clinic: Clinic, field: str, value: str, message: str
) -> None:
    response = _create(logged_in, **{**CONTACT, field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="Lægehuset Ågade"' in html  # nothing lost
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_a_gp_needs_an_address_or_a_phone(logged_in: Client, clinic: Clinic) -> None:
    response = _create(logged_in, gp_name="Læge Åse Møller")
    assert "skriv lægens adresse eller telefon" in response.content.decode()
    assert not Patient.objects.filter(clinic=clinic).exists()
    assert _create(logged_in, gp_name="Læge Åse Møller", gp_phone="46001122").status_code == 302


def test_edit_keeps_the_cpr_and_its_digest_when_left_blank(
    logged_in: Client, clinic: Clinic
) -> None:
    patient = make_patient(clinic, cpr="0204581234")
    data = {**BASE, **CONTACT, "cpr": "", "version": patient.version}
    assert (
        logged_in.post(reverse("records:patient_edit", args=[patient.pk]), data).status_code == 302
    )
    patient.refresh_from_db()
    assert patient.cpr == "0204581234"
    assert patient.cpr_digest == digest("0204581234")
    assert patient.gp_clinic == "Lægehuset Ågade"


def test_api_reads_and_writes_the_new_fields(client: Client, clinic: Clinic, user: User) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.api_token_create(user=user, name='t').secret}"}
    body = {**BASE, **CONTACT, "cpr": "020458-1234"}
    created = client.post(
        "/api/v1/patients", json.dumps(body), content_type="application/json", **auth
    )
    assert created.status_code == 201, created.content
    out = created.json()
    assert {k: out[k] for k in CONTACT} == CONTACT
    assert "0204581234" not in created.content.decode()
    patient = Patient.objects.get(pk=out["id"])
    assert patient.cpr_digest == digest("0204581234")
    bad = client.post(
        "/api/v1/patients",
        json.dumps({**body, "email": "nope"}),
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    assert "email" in bad.content.decode()


def test_fhir_patient_carries_phone_and_email_and_validates(
    client: Client, clinic: Clinic, user: User
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from tests.web.conftest import make_assessment

    patient = make_patient(clinic, phone="20 30 40 50", email="inger@example.dk")
    make_assessment(patient, user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.api_token_create(user=user, name='t').secret}"}
    doc = client.get(f"/api/v1/patients/{patient.pk}/fhir", **auth).json()
    resource = next(
        e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert resource["telecom"] == [
        {"system": "phone", "value": "20 30 40 50"},
        {"system": "email", "value": "inger@example.dk"},
    ]
    assert Bundle.model_validate(doc).type == "collection"
