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
    assert "Til patientens egen læge" in text  # no GP recorded: where to write it
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


# --- issue 13: the clinic's letterhead, the patient's GP, the English file name --------------

# A 2×1 PNG (made for the test): the logo must reach the PDF as an image.
LOGO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000020000000108020000007b40e8dd"
    "0000000d49444154789c63f8cf0004ff01070001ffe2239e590000000049454e44ae426082"
)
GP = {
    "gp_name": "Læge Åse Møller",
    "gp_clinic": "Lægehuset Ågade",
    "gp_address": "Ågade 3, 4000 Roskilde",
    "gp_phone": "46 00 11 22",
}


def _letterhead(clinic: Clinic, *, logo: bool = True) -> None:
    clinic.address = "Skolevej 7, 4000 Roskilde"
    clinic.phone = "46 35 12 12"
    clinic.email = "kontakt@fysionord.dk"
    if logo:
        clinic.logo, clinic.logo_type = LOGO_PNG, "image/png"
    clinic.save()


def _images(pdf: bytes) -> int:
    """How many raster images the PDF's pages draw (the exercise drawings are vector SVG)."""
    from tests.documents.helpers import reader

    count = 0
    for page in reader(pdf).pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        count += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    return count


def test_gp_letter_is_addressed_to_the_patients_gp_with_the_clinics_contact(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    _letterhead(clinic)
    patient = make_patient(clinic, "Ærlig Østergård", **GP)
    assessment = make_assessment(patient, user, fractures=VERTEBRA)
    pdf = _download(logged_in, "gp_letter_pdf", assessment_id=assessment.pk)
    text = all_text(pdf)
    for expected in (
        "Til egen læge Læge Åse Møller Lægehuset Ågade Ågade 3, 4000 Roskilde Tlf. 46 00 11 22",
        "Skolevej 7, 4000 Roskilde",
        "Tlf. 46 35 12 12",
        "E-mail: kontakt@fysionord.dk",
        "Du er velkommen til at kontakte os, hvis du har spørgsmål. Tlf. 46 35 12 12 · E-mail:",
        "Ærlig Østergård",
    ):
        assert expected in text, expected
    assert "Til patientens egen læge" not in text
    assert _images(pdf) >= 1  # the logo


def test_gp_letter_page_shows_gp_logo_and_contact(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    _letterhead(clinic)
    assessment = make_assessment(make_patient(clinic, **GP), user, fractures=VERTEBRA)
    html = logged_in.get(reverse("records:gp_letter", args=[assessment.pk])).content.decode()
    assert "Lægehuset Ågade" in html
    assert "Ågade 3, 4000 Roskilde" in html
    assert reverse("accounts:clinic_logo") in html
    assert "kontakt@fysionord.dk" in html
    assert "46 35 12 12" in html
    assert "ikke registreret" not in html


def test_gp_letter_page_without_gp_says_so_and_links_to_the_patient_form(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    assessment = make_assessment(make_patient(clinic), user, fractures=VERTEBRA)
    html = logged_in.get(reverse("records:gp_letter", args=[assessment.pk])).content.decode()
    assert "Patientens egen læge er ikke registreret" in html
    assert reverse("records:patient_edit", args=[assessment.patient_id]) in html
    assert "Til patientens egen læge" in html
    assert reverse("accounts:clinic_logo") not in html  # no logo uploaded


def test_handout_has_the_logo_and_the_clinics_contact(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = make_assessment(make_patient(clinic), user).plans.get()
    without = _download(logged_in, "plan_handout", plan_id=plan.pk)
    assert _images(without) == 0
    _letterhead(clinic)
    pdf = _download(logged_in, "plan_handout", plan_id=plan.pk)
    text = all_text(pdf)
    assert "Skolevej 7, 4000 Roskilde" in text
    assert "kontakt din fysioterapeut. Tlf. 46 35 12 12 · E-mail: kontakt@fysionord.dk" in text
    assert _images(pdf) >= 1


def test_a_logo_that_is_not_png_or_jpeg_is_left_out_not_a_crash(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    _letterhead(clinic, logo=False)
    clinic.logo, clinic.logo_type = b"<svg/>", "image/svg+xml"
    clinic.save()
    plan = make_assessment(make_patient(clinic), user).plans.get()
    assert _images(_download(logged_in, "plan_handout", plan_id=plan.pk)) == 0


def test_english_handout_has_an_english_file_name(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = make_assessment(make_patient(clinic), user).plans.get()
    url = reverse("records:plan_handout", kwargs={"plan_id": plan.pk})
    danish = logged_in.get(url, {"sprog": "da"})["Content-Disposition"]
    english = logged_in.get(url, {"sprog": "en"})["Content-Disposition"]
    assert re.search(rf'filename="traeningsprogram-{plan.pk}-\d{{4}}-\d\d-\d\d\.pdf"', danish)
    assert re.search(rf'filename="training-programme-{plan.pk}-\d{{4}}-\d\d-\d\d\.pdf"', english)


def test_a_damaged_stored_logo_is_left_out_and_the_pdfs_are_still_made(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    _letterhead(clinic, logo=False)
    clinic.logo, clinic.logo_type = LOGO_PNG[:30], "image/png"
    clinic.save()
    assessment = make_assessment(make_patient(clinic), user, fractures=VERTEBRA)
    letter = _download(logged_in, "gp_letter_pdf", assessment_id=assessment.pk)
    assert _images(letter) == 0
    assert "Skolevej 7, 4000 Roskilde" in all_text(letter)
    handout = _download(logged_in, "plan_handout", plan_id=assessment.plans.get().pk)
    assert _images(handout) == 0
