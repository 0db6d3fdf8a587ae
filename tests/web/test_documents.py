"""PDF downloads: the handout of a plan and the GP letter of an assessment, from stored data."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic
from tests.documents.helpers import all_text, figures_by_page
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db

VERTEBRA = [{"site": "vertebra", "date": "2024-01-10", "low_energy": True}]
FILENAME = re.compile(r'^attachment; filename="[a-z0-9-]+\.pdf"$')


def _download(client: Client, name: str, **kwargs: int) -> bytes:
    response = client.get(reverse(f"records:{name}", kwargs=kwargs))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert FILENAME.match(response["Content-Disposition"]), response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    return response.content


def test_handout_download_from_the_plan_page(logged_in: Client, clinic: Clinic, user: User) -> None:
    patient = make_patient(clinic, name="Ærlig Østergård", cpr="0204581234")
    assessment = make_assessment(patient, user, fractures=VERTEBRA)
    plan = assessment.plans.get()
    page = logged_in.get(reverse("records:plan_detail", kwargs={"plan_id": plan.pk}))
    url = reverse("records:plan_handout", kwargs={"plan_id": plan.pk})
    assert url in page.content.decode()
    assert url.endswith(f"/planer/{plan.pk}/handout.pdf")

    response = logged_in.get(url)
    disposition = response["Content-Disposition"]
    assert "0204581234" not in disposition
    assert "020458" not in disposition
    assert "rlig" not in disposition  # no name either: ids and a date only
    pdf = _download(logged_in, "plan_handout", plan_id=plan.pk)
    text = all_text(pdf)
    assert clinic.name in text
    assert "Ærlig Østergård" in text
    assert "Din gruppe: Hverdagsaktiv med hensyn" in text
    assert "0204581234" not in text
    home = [i for i in plan.items.all() if not i.supervised]
    assert sum(len(a) for a in figures_by_page(pdf).values()) == len(home)


def test_handout_follows_the_edited_plan_and_can_be_english(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    assessment = make_assessment(make_patient(clinic), user)
    plan = assessment.plans.get()
    first = plan.items.order_by("domain", "position").first()
    assert first is not None
    first.dose = {"sets": 3, "reps": [6, 8], "days_per_week": [2, 2]}
    first.save()
    text = all_text(_download(logged_in, "plan_handout", plan_id=plan.pk))
    assert "3 × 6–8 gentagelser, 2 dage/uge" in text
    response = logged_in.get(
        reverse("records:plan_handout", kwargs={"plan_id": plan.pk}), {"sprog": "en"}
    )
    assert "Your exercise programme" in all_text(response.content)


def test_gp_letter_download_from_the_assessment_page(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic, name="Inger Hansen", cpr="0204581234")
    assessment = make_assessment(patient, user, risk_factors__smoking="current")
    page = logged_in.get(
        reverse("records:assessment_detail", kwargs={"assessment_id": assessment.pk})
    )
    url = reverse("records:gp_letter_pdf", kwargs={"assessment_id": assessment.pk})
    assert url in page.content.decode()
    assert url.endswith(f"/vurderinger/{assessment.pk}/laegebrev.pdf")
    pdf = _download(logged_in, "gp_letter_pdf", assessment_id=assessment.pk)
    text = all_text(pdf)
    assert "Til egen læge" in text
    # On paper to the patient's own doctor the full CPR number is printed; never in the filename.
    assert "Inger Hansen, født 2. april 1958, kvinde, CPR-nr. 020458-1234" in text
    assert "Rygning" in text
    assert "Kim Fysio" in text  # the clinician who made the assessment signs


def test_gp_letter_without_a_recorded_cpr_prints_none(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    assessment = make_assessment(make_patient(clinic), user)
    text = all_text(_download(logged_in, "gp_letter_pdf", assessment_id=assessment.pk))
    assert "CPR" not in text


def test_documents_of_another_clinic_are_404(
    clinic: Clinic, user: User, other_clinic_client: Client
) -> None:
    assessment = make_assessment(make_patient(clinic), user)
    plan = assessment.plans.get()
    for name, kwargs in (
        ("plan_handout", {"plan_id": plan.pk}),
        ("gp_letter_pdf", {"assessment_id": assessment.pk}),
    ):
        response = other_clinic_client.get(reverse(f"records:{name}", kwargs=kwargs))
        assert response.status_code == 404
        assert response.get("Content-Type", "").startswith("text/html")


def test_documents_need_a_login(client: Client, clinic: Clinic, user: User) -> None:
    assessment = make_assessment(make_patient(clinic), user)
    url = reverse("records:gp_letter_pdf", kwargs={"assessment_id": assessment.pk})
    assert client.get(url).status_code == 302


def test_documents_are_rendered_from_the_stored_result(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    """Nothing in the knowledge base changed, yet the PDFs print what was stored that day: the
    category and referral of the stored result, never a recomputation from the inputs."""
    assessment = make_assessment(make_patient(clinic), user)
    assert assessment.result["category"] == "hverdagsaktiv"
    assessment.result["category"] = "traeningsaktiv"
    assessment.result["referral"].update(
        recommended=True, basis="risk_factors", reasons=["RF5"], modifiable=[]
    )
    assessment.suggested_category = assessment.final_category = "traeningsaktiv"
    assessment.save()
    plan = assessment.plans.get()

    handout = all_text(_download(logged_in, "plan_handout", plan_id=plan.pk))
    assert "Din gruppe: Træningsaktiv" in handout
    assert "Din gruppe: Hverdagsaktiv" not in handout
    letter = all_text(_download(logged_in, "gp_letter_pdf", assessment_id=assessment.pk))
    assert "Funktionskategori Træningsaktiv" in letter
    assert "Anbefaling om udredning for osteoporose" in letter
    assert "Arvelig disposition" in letter


def test_post_is_not_allowed(logged_in: Client, clinic: Clinic, user: User) -> None:
    assessment = make_assessment(make_patient(clinic), user)
    url = reverse("records:gp_letter_pdf", kwargs={"assessment_id": assessment.pk})
    assert logged_in.post(url).status_code == 405
