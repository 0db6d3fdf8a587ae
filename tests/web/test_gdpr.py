"""GDPR: everything about one patient as a ZIP, and deleting a patient, both for clinic admins."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic, Role
from osteofys.web.audit.models import AuditEntry
from osteofys.web.audit.selectors import chain_verify
from osteofys.web.records import services
from osteofys.web.records.models import Assessment, Patient, Plan, PlanItem, Retest
from tests.documents.helpers import all_text
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user

pytestmark = pytest.mark.django_db

NAME = "Ærlig Østergård"


@pytest.fixture
def history(clinic: Clinic, user: User) -> Patient:
    """A patient with two assessments (one advising referral), their plans and a re-test."""
    patient = make_patient(
        clinic,
        name=NAME,
        cpr="0204581234",
        phone="22 33 44 55",
        email="aerlig@example.dk",
        gp_name="Læge Hanne Bo",
        gp_clinic="Lægehuset Nord",
        gp_address="Nørregade 1, 8000 Aarhus C",
        gp_phone="86 12 34 56",
    )
    make_assessment(patient, user)
    make_assessment(
        patient, user, risk_factors__smoking="current", patient__osteoporosis_diagnosed=False
    )
    services.retest_record(
        patient=patient, user=user, test="tug_s", when=date(2026, 12, 1), value=9.5, unable=False
    )
    return patient


@pytest.fixture
def admin(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def test_export_holds_all_data_and_the_documents(admin: Client, history: Patient) -> None:
    response = admin.get(reverse("records:patient_export", args=[history.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert re.fullmatch(rf'attachment; filename="patient-{history.pk}-[0-9-]+\.zip"', disposition)

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["format"] == "osteofys.gdpr-export/1"
    assert data["patient"]["name"] == NAME
    assert data["patient"]["cpr"] == "0204581234"  # their own number, in full, to them
    stored = list(history.assessments.order_by("assessment_date", "id"))
    assert [a["id"] for a in data["assessments"]] == [a.pk for a in stored]
    assert data["assessments"][1]["inputs"]["risk_factors"]["smoking"] == "current"
    assert data["assessments"][0]["result"]["category"] == stored[0].suggested_category
    assert data["assessments"][0]["final_category"] == stored[0].final_category
    plans = list(Plan.objects.filter(patient=history))
    assert len(data["plans"]) == len(plans) == 2
    assert len(data["plans"][0]["items"]) == plans[0].items.count()
    assert data["retests"] == [
        {
            "id": history.retests.get().pk,
            "test": "tug_s",
            "date": "2026-12-01",
            "value": 9.5,
            "unable": False,
            "created_at": data["retests"][0]["created_at"],
        }
    ]

    referred = [a for a in stored if a.referral_recommended]
    assert referred, "the fixture needs an assessment that advises referral"
    pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert sorted(data["documents"]) == pdfs
    assert len([n for n in pdfs if "traeningsprogram" in n]) == len(plans)
    # One GP letter per assessment, named by its id: any of them may have been handed out.
    letters = [n for n in pdfs if "laegebrev" in n]
    assert len(letters) == len(stored) == 2
    for a in stored:
        letter = next(n for n in letters if f"laegebrev-{a.pk}-" in n)
        text = all_text(archive.read(letter))
        assert "egen læge" in text
        assert "Læge Hanne Bo" in text  # addressed to the patient's GP
    # The patient's contact details and their GP are theirs too.
    assert data["patient"]["phone"] == "22 33 44 55"
    assert data["patient"]["email"] == "aerlig@example.dk"
    assert data["patient"]["gp"] == {
        "name": "Læge Hanne Bo",
        "clinic": "Lægehuset Nord",
        "address": "Nørregade 1, 8000 Aarhus C",
        "phone": "86 12 34 56",
    }
    assert all(NAME not in n for n in archive.namelist())


def test_delete_needs_the_name_typed_then_removes_everything_but_the_log(
    admin: Client, history: Patient, admin_user: User
) -> None:
    url = reverse("records:patient_delete", args=[history.pk])
    page = admin.get(url)
    assert page.status_code == 200
    assert "2 vurderinger" in page.content.decode()
    wrong = admin.post(url, {"confirm_name": "Inger Hansen"})
    assert wrong.status_code == 400
    assert "Navnet stemmer ikke" in wrong.content.decode()
    assert Patient.objects.filter(pk=history.pk).exists()

    entries_before = AuditEntry.objects.filter(patient_id=history.pk).count()
    done = admin.post(url, {"confirm_name": "  ærlig   østergård "})
    assert done.status_code == 302
    assert done["Location"] == reverse("records:patient_list")
    for model in (Patient, Assessment, Plan, Retest):
        assert not model.objects.exists(), model
    assert not PlanItem.objects.exists()
    # The trail stays (ids only), longer by the look before and the delete, and still intact.
    trail = AuditEntry.objects.filter(patient_id=history.pk).order_by("-seq")
    assert trail.count() == entries_before + 2
    assert [(e.action, e.user_id) for e in trail[:2]] == [
        ("delete", admin_user.pk),
        ("view", admin_user.pk),
    ]
    assert chain_verify().intact
    assert admin.get(reverse("records:patient_detail", args=[history.pk])).status_code == 404


def test_clinicians_and_other_clinics_cannot_export_or_delete(
    client: Client, clinic: Clinic, user: User, history: Patient
) -> None:
    client.force_login(user)
    detail = client.get(reverse("records:patient_detail", args=[history.pk])).content.decode()
    export = reverse("records:patient_export", args=[history.pk])
    delete = reverse("records:patient_delete", args=[history.pk])
    assert export not in detail
    assert delete not in detail
    assert client.get(export).status_code == 404
    assert client.post(delete, {"confirm_name": NAME}).status_code == 404
    client.force_login(make_user(make_clinic("Klinik B"), "b-admin", Role.ADMIN))
    assert client.get(export).status_code == 404
    assert client.post(delete, {"confirm_name": NAME}).status_code == 404
    assert Patient.objects.filter(pk=history.pk).exists()


def test_admin_sees_the_buttons(admin: Client, history: Patient) -> None:
    html = admin.get(reverse("records:patient_detail", args=[history.pk])).content.decode()
    assert reverse("records:patient_export", args=[history.pk]) in html
    assert reverse("records:patient_delete", args=[history.pk]) in html
