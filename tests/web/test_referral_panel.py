"""The result panel's referral box and the GP letter page word the referral as the data say.

Issue 15, items 8 and 10: the neurological red flag asks for the GP today and names the signs
that need 1813 or 112 at once; a DXA that already shows osteoporosis asks for treatment, not for
"udredning, evt. DXA".
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic
from tests.web.conftest import make_assessment, make_patient
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.django_db


def _live(client: Client, clinic: Clinic, **changes: str) -> str:
    patient = make_patient(clinic)
    url = reverse("records:assessment_live", kwargs={"patient_id": patient.pk})
    return client.post(url, _assessment_post(**changes), HTTP_HX_REQUEST="true").content.decode()


def test_the_neurological_flag_asks_for_the_gp_today_and_names_the_signs(
    logged_in: Client, clinic: Clinic
) -> None:
    html = _live(logged_in, clinic, function__neurological_symptoms="true")
    assert "Kontakt egen læge i dag" in html
    assert html.count("1813 (Akuttelefonen, Region Hovedstaden) eller 112") == 2  # banner, box
    for sign in ("lade vandet", "afføring", "følelsesløshed i skridtet", "kraftnedsættelse"):
        assert sign in html, sign
    # Not the advice for a suspected new vertebral fracture: no exercises at all.
    assert "Kun rolige øvelser, indtil det er afklaret" not in html
    back_pain = _live(logged_in, clinic, function__new_sudden_back_pain="true")
    assert "Kun rolige øvelser, indtil det er afklaret" in back_pain
    assert "1813" not in back_pain


def test_a_dxa_that_shows_osteoporosis_asks_for_treatment_in_the_panel_and_the_letter(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    undiagnosed = {"patient__osteoporosis_diagnosed": "false", "fractures_recorded": "on"}
    html = _live(logged_in, clinic, **undiagnosed, **{"brud-TOTAL_FORMS": "0"})
    assert "DXA-skanningen viser osteoporose, men diagnosen er ikke stillet" in html
    assert "udredning for osteoporose (evt. DXA-skanning)" not in html
    assert "røntgen" not in html
    signs = {"risk_factors__height_loss_cm": "6", "risk_factors__unexplained_back_pain": "true"}
    html = _live(logged_in, clinic, **undiagnosed, **signs, **{"brud-TOTAL_FORMS": "0"})
    assert "DXA-skanningen viser osteoporose" in html
    assert "foreslå også røntgen af ryggen" in html  # R-OPS-3, whatever the basis

    patient = make_patient(clinic)
    assessment = make_assessment(
        patient, user, patient__osteoporosis_diagnosed=False, dxa__lumbar_spine=-2.9
    )
    letter = logged_in.get(
        reverse("records:gp_letter", kwargs={"assessment_id": assessment.pk})
    ).content.decode()
    assert "DXA viser osteoporose – henvisning til vurdering af behandling" in letter
    assert "laveste T-score −2,9" in letter
    assert "evt. med en DXA-skanning" not in letter
