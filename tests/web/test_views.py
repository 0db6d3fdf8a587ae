"""Views and htmx partials, with the number of queries each page makes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic, Role
from osteofys.web.records.models import Assessment, Patient, Retest
from tests.web.conftest import PASSWORD, make_assessment, make_patient, make_user

pytestmark = pytest.mark.django_db


def _assessment_post(**changes: str) -> dict[str, str]:
    """A complete assessment form as a browser posts it (Danish decimal commas included)."""
    data = {
        "assessment_date": "2026-11-26",
        "patient__height_cm": "165",
        "patient__weight_kg": "65",
        "patient__osteoporosis_diagnosed": "true",
        "risk_factors__falls_last_12_months": "0",
        "dxa__date": "2026-03-10",
        "dxa__lumbar_spine": "-2,7",
        "function__walking_aid": "none",
        "function__needs_help_daily_activities": "false",
        "function__training_days_per_week": "3",
        "function__training_months": "24",
        "function__everyday_activity": "active",
        "function__sedentary_due_to_disease": "false",
        "function__new_sudden_back_pain": "false",
        "function__neurological_symptoms": "false",
        "tests__tug_s": "8,5",
        "tests__sit_to_stand_5x_s": "10,5",
        "tests__tandem_stance_s": "30",
        "fractures_recorded": "on",
        "brud-TOTAL_FORMS": "1",
        "brud-INITIAL_FORMS": "0",
        "brud-MIN_NUM_FORMS": "0",
        "brud-MAX_NUM_FORMS": "20",
        "brud-0-site": "vertebra",
        "brud-0-date": "2026-09-20",
        "brud-0-low_energy": "true",
    }
    data.update(changes)
    return data


# --- setup and login ------------------------------------------------------------------------


def test_fresh_install_sends_everything_to_setup(client: Client, db: Any) -> None:
    response = client.get("/patienter/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:setup")


def test_setup_refuses_requests_that_are_not_from_localhost(client: Client, db: Any) -> None:
    form = {
        "clinic_name": "K",
        "full_name": "A",
        "username": "a",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    for address in ("192.168.1.20", "10.0.0.5", "2001:db8::1"):
        response = client.post(reverse("accounts:setup"), form, REMOTE_ADDR=address)
        assert response.status_code == 403
    assert not Clinic.objects.exists()


def test_setup_from_localhost_creates_clinic_and_admin_then_disappears(
    client: Client, db: Any
) -> None:
    form = {
        "clinic_name": "Fysio Syd",
        "full_name": "Åse",
        "username": "aase",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post(reverse("accounts:setup"), form, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 302
    user = User.objects.get(username="aase")
    assert user.profile.role == Role.ADMIN
    assert user.profile.clinic.name == "Fysio Syd"
    assert client.get(reverse("accounts:setup"), REMOTE_ADDR="127.0.0.1").status_code == 404


def test_setup_rejects_a_weak_password_in_danish(client: Client, db: Any) -> None:
    form = {
        "clinic_name": "K",
        "full_name": "A",
        "username": "a",
        "password1": "123",
        "password2": "123",
    }
    response = client.post(reverse("accounts:setup"), form, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert "for kort" in response.content.decode()
    assert not Clinic.objects.exists()


def test_passwords_are_hashed_with_argon2(settings: Any, clinic: Clinic) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = make_user(clinic, "argon")
    assert user.password.startswith("argon2")


def test_login_page(client: Client, user: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "kim", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("records:patient_list")


# --- patients -------------------------------------------------------------------------------


def test_patient_list_search_partial_and_query_count(
    logged_in: Client, clinic: Clinic, user: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(40):
        make_assessment(make_patient(clinic, name=f"Patient {i:02d}"), user)
    with django_assert_max_num_queries(10):  # +3 for the access-log entry
        page = logged_in.get(reverse("records:patient_list"))
    assert page.status_code == 200
    assert "Patient 24" in page.content.decode()
    assert "Patient 25" not in page.content.decode()  # 25 per page
    with django_assert_max_num_queries(10):  # +3 for the access-log entry
        rows = logged_in.get(
            reverse("records:patient_list"), {"q": "patient 3"}, HTTP_HX_REQUEST="true"
        )
    html = rows.content.decode()
    assert "<html" not in html
    assert "Patient 31" in html
    assert "Patient 21" not in html
    assert "HX-Request" in rows["Vary"]


def test_patient_list_escapes_what_users_typed(logged_in: Client, clinic: Clinic) -> None:
    make_patient(clinic, name='Eva <b onclick="x()">&</b> Ørsted')
    html = logged_in.get(reverse("records:patient_list")).content.decode()
    assert "Eva &lt;b onclick=&quot;x()&quot;&gt;&amp;&lt;/b&gt; Ørsted" in html
    assert "<b onclick" not in html
    assert "Ingen vurdering" in html  # the fixed markup around it is still markup
    assert '<span class="muted">' in html


def test_create_patient_validates_cpr_and_never_shows_it_in_full(
    logged_in: Client, clinic: Clinic
) -> None:
    base = {
        "name": "Ellen Ørsted",
        "birth_date": "1950-05-17",
        "sex": "female",
        "height_cm": "160",
        "weight_kg": "58",
    }
    bad = logged_in.post(reverse("records:patient_create"), {**base, "cpr": "320550-1234"})
    assert bad.status_code == 200
    assert "DDMMÅÅ-XXXX" in bad.content.decode()
    assert 'value="Ellen Ørsted"' in bad.content.decode()  # nothing typed is lost
    ok = logged_in.post(reverse("records:patient_create"), {**base, "cpr": "170550-1234"})
    patient = Patient.objects.get(name="Ellen Ørsted")
    assert ok["Location"] == reverse("records:patient_detail", kwargs={"patient_id": patient.pk})
    assert patient.cpr == "1705501234"
    detail = logged_in.get(ok["Location"]).content.decode()
    assert "170550-****" in detail
    assert "1705501234" not in detail
    assert "170550-1234" not in detail
    edit = logged_in.get(
        reverse("records:patient_edit", kwargs={"patient_id": patient.pk})
    ).content.decode()
    assert "1705501234" not in edit


def test_patient_page_query_count_does_not_grow_with_history(
    logged_in: Client, clinic: Clinic, user: User, django_assert_max_num_queries: Any
) -> None:
    from datetime import date

    patient = make_patient(clinic)
    for _ in range(6):
        make_assessment(patient, user)
    for day in range(1, 9):
        Retest.objects.create(
            clinic=clinic,
            patient=patient,
            test="tug_s",
            date=date(2026, 11, day),
            value=9 + day / 10,
            created_by=user,
        )
    # 16 before issue 16 (+3 of them for the access-log entry); the training block adds 6 (the
    # patient's flags, the classes, the weeks' sessions, 3 for its own access-log entry) and the
    # session list 1.
    with django_assert_max_num_queries(23):
        response = logged_in.get(
            reverse("records:patient_detail", kwargs={"patient_id": patient.pk})
        )
    assert response.status_code == 200
    assert "Timed Up and Go" in response.content.decode()


# --- assessment -----------------------------------------------------------------------------


def test_live_result_partial(
    logged_in: Client, clinic: Clinic, django_assert_max_num_queries: Any
) -> None:
    patient = make_patient(clinic)
    url = reverse("records:assessment_live", kwargs={"patient_id": patient.pk})
    # No access-log entry: the form page that sends these was logged when it was opened.
    with django_assert_max_num_queries(5):
        response = logged_in.post(url, _assessment_post(), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Træningsaktiv med hensyn" in html
    assert "20. marts 2027" in html  # acute phase until
    assert not Assessment.objects.exists()  # live result saves nothing


def test_live_result_names_the_field_and_range_in_danish(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    url = reverse("records:assessment_live", kwargs={"patient_id": patient.pk})
    html = logged_in.post(url, _assessment_post(tests__tug_s="500")).content.decode()
    assert "Timed Up and Go" in html
    assert "3–120" in html
    html = logged_in.post(url, _assessment_post(**{"brud-0-date": "2027-01-01"})).content.decode()
    assert "efter undersøgelsesdatoen" in html
    html = logged_in.post(url, _assessment_post(tests__tug_s="otte")).content.decode()
    assert "Timed Up and Go" in html


def test_save_requires_a_reason_to_override_and_keeps_what_was_typed(
    logged_in: Client, clinic: Clinic
) -> None:
    patient = make_patient(clinic)
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    response = logged_in.post(url, _assessment_post(final_category="traeningsaktiv"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Skriv en begrundelse" in html
    assert 'value="24"' in html
    assert not Assessment.objects.exists()
    response = logged_in.post(
        url, _assessment_post(final_category="traeningsaktiv", override_reason="Erfaren")
    )
    stored = Assessment.objects.get()
    assert response["Location"] == reverse(
        "records:assessment_detail", kwargs={"assessment_id": stored.pk}
    )
    assert stored.suggested_category == "traeningsaktiv_med_hensyn"
    assert stored.final_category == "traeningsaktiv"
    assert stored.override_reason == "Erfaren"
    detail = logged_in.get(response["Location"]).content.decode()
    assert "Erfaren" in detail
    assert stored.kb_hash[:12] in detail


def test_gp_letter_has_findings_and_no_full_cpr(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic, cpr="0204581234")
    assessment = make_assessment(
        patient, user, risk_factors__smoking="current", patient__osteoporosis_diagnosed=False
    )
    html = logged_in.get(
        reverse("records:gp_letter", kwargs={"assessment_id": assessment.pk})
    ).content.decode()
    assert "Rygning" in html
    assert "0204581234" not in html
    assert "020458-1234" not in html


# --- plan -----------------------------------------------------------------------------------


def test_plan_edit_remove_dose_and_add_with_precaution_confirmation(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    assessment = make_assessment(
        patient, user, fractures=[{"site": "vertebra", "date": "2020-01-01", "low_energy": True}]
    )
    plan = assessment.plans.get()
    assert plan.caps["impact"] == "walking"
    item = plan.items.first()
    kwargs = {"plan_id": plan.pk, "item_id": item.pk}
    logged_in.post(
        reverse("records:plan_item_dose", kwargs=kwargs),
        {"sets": "3", "reps_min": "6", "reps_max": "8", "days_min": "2", "days_max": "3"},
    )
    before = dict(item.dose)
    item.refresh_from_db()
    numbers = {k: item.dose[k] for k in ("sets", "reps", "days_per_week")}
    assert numbers == {"sets": 3, "reps": [6, 8], "days_per_week": [2, 3]}
    # The form edits the numbers; the intensity and progression from the KB stay with the item.
    assert item.dose.get("intensity") == before.get("intensity")
    assert item.dose.get("progression") == before.get("progression")
    logged_in.post(reverse("records:plan_item_remove", kwargs=kwargs))
    assert not plan.items.filter(pk=item.pk).exists()
    add = reverse("records:plan_item_add", kwargs={"plan_id": plan.pk})
    refused = logged_in.post(add, {"exercise": "low_jumps", "precaution_note": "Løber"})
    assert refused.status_code == 400  # moderate impact after a vertebral fracture
    assert "bryder et hensyn" in refused.content.decode()
    assert "Løber</textarea>" in refused.content.decode()  # what was typed is kept
    assert not plan.items.filter(exercise="low_jumps").exists()
    logged_in.post(
        add,
        {"exercise": "low_jumps", "confirm": "on", "precaution_note": "Tidligere løber, smertefri"},
    )
    added = plan.items.get(exercise="low_jumps")
    assert added.precaution_confirmed
    assert added.precaution_note == "Tidligere løber, smertefri"
    logged_in.post(add, {"exercise": "hirit_deadlift", "confirm": "on", "precaution_note": "x"})
    assert not plan.items.filter(exercise="hirit_deadlift").exists()  # never in a home programme
    page = logged_in.get(
        reverse("records:plan_detail", kwargs={"plan_id": plan.pk})
    ).content.decode()
    assert "Tidligere løber" in page


def test_in_the_acute_phase_a_heavy_exercise_needs_the_recorded_confirmation(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    """Issue 15 item 4: the load cap holds like impact, flexion and fall risk."""
    patient = make_patient(clinic)
    recent = (date.today() - timedelta(weeks=6)).isoformat()
    assessment = make_assessment(
        patient, user, fractures=[{"site": "vertebra", "date": recent, "low_energy": True}]
    )
    plan = assessment.plans.get()
    assert plan.caps["load"] == "light"
    add = reverse("records:plan_item_add", kwargs={"plan_id": plan.pk})
    refused = logged_in.post(add, {"exercise": "goblet_squat", "precaution_note": ""})
    assert refused.status_code == 400
    assert not plan.items.filter(exercise="goblet_squat").exists()
    logged_in.post(
        add, {"exercise": "goblet_squat", "confirm": "on", "precaution_note": "Vant til vægte"}
    )
    added = plan.items.get(exercise="goblet_squat")
    assert added.precaution_confirmed
    page = logged_in.get(reverse("records:plan_detail", kwargs={"plan_id": plan.pk}))
    assert "Planens opbygning" in page.content.decode()


def test_at_fall_risk_the_plan_page_gives_the_balance_dose_and_the_floor_exercise(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    """Issue 15 items 3 and 9: about 3 hours of balance a week, and getting up from the floor."""
    patient = make_patient(clinic)
    plan = make_assessment(patient, user, risk_factors__falls_last_12_months=2).plans.get()
    assert "fall_risk_balance" in plan.notes
    assert any(s["pattern"] == "floor_recovery" for s in plan.slots)
    page = logged_in.get(reverse("records:plan_detail", kwargs={"plan_id": plan.pk}))
    assert "3 timer om ugen" in page.content.decode()


def test_retest_is_stored_and_moves_the_suggestion(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    make_assessment(patient, user)
    url = reverse("records:retest_create", kwargs={"patient_id": patient.pk})
    bad = logged_in.post(url, {"test": "tug_s", "date": "2026-11-26", "value": "500"})
    assert bad.status_code == 400
    logged_in.post(url, {"test": "tug_s", "date": "2026-11-26", "value": "14,8"})
    assert Retest.objects.get().value == 14.8
    page = logged_in.get(
        reverse("records:patient_detail", kwargs={"patient_id": patient.pk})
    ).content.decode()
    assert "Forslag om ændring" in page


# --- admin ----------------------------------------------------------------------------------


def test_only_admins_manage_users_of_their_own_clinic(
    client: Client, clinic: Clinic, user: User, admin_user: User
) -> None:
    client.force_login(user)
    assert client.get(reverse("accounts:user_list")).status_code == 404
    client.force_login(admin_user)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    client.post(
        reverse("accounts:user_create"),
        {
            "full_name": "Ny",
            "username": "ny",
            "role": "clinician",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert User.objects.get(username="ny").profile.clinic == clinic
    from tests.web.conftest import make_clinic

    outsider = make_user(make_clinic("B"), "outsider")
    assert (
        client.get(reverse("accounts:user_edit", kwargs={"user_id": outsider.pk})).status_code
        == 404
    )


def test_language_switch_to_english(logged_in: Client, clinic: Clinic) -> None:
    logged_in.post(reverse("set_language"), {"language": "en", "next": "/patienter/"})
    html = logged_in.get(reverse("records:patient_list")).content.decode()
    assert 'lang="en"' in html
    assert "New patient" in html
    assert "Ny patient" not in html


def test_a_field_error_next_to_the_field_is_the_knowledge_bases_inline_text(
    logged_in: Client, clinic: Clinic
) -> None:
    """The form says a field's problem in the knowledge base's words (texts.errors_inline), the
    same owner as the sentences of the API and the CLI, without repeating the label."""
    patient = make_patient(clinic)
    url = reverse("records:assessment_create", kwargs={"patient_id": patient.pk})
    html = logged_in.post(url, _assessment_post(tests__tug_s="500")).content.decode()
    assert "500 er uden for det tilladte interval 3–120." in html
    assert not Assessment.objects.exists()
    html = logged_in.post(url, _assessment_post(tests__gait_speed_m_s="9,5")).content.decode()
    assert "9,5 er uden for det tilladte interval 0,05–3." in html
