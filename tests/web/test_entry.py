"""Data entry records only what the clinician said (issue 13): nothing pre-answered on a first
assessment, a follow-up says what it carried over, Enter cannot save, unsaved forms are guarded,
drafts survive a lost tab (per user, per clinic, without CPR), numbers show as typed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.models import AuditEntry
from osteofys.web.records.forms import AssessmentForm, MeasureField, PatientForm, RetestForm
from osteofys.web.records.models import Assessment, AssessmentDraft, Patient
from tests.web.conftest import make_assessment, make_clinic, make_patient, make_user, signed_in
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.django_db


def _post(**changes: str) -> dict[str, str]:
    """A complete first assessment as the browser posts it: no fracture box, an empty fracture
    row, and of the tests only TUG."""
    data = _assessment_post(**{"brud-0-site": "", "brud-0-date": "", "brud-0-low_energy": ""})
    for untouched in ("fractures_recorded", "tests__sit_to_stand_5x_s", "tests__tandem_stance_s"):
        del data[untouched]
    data.update(changes)
    return data


def _url(name: str, patient: Patient) -> str:
    return reverse(f"records:{name}", kwargs={"patient_id": patient.pk})


def _form_tag(html: str, form_id: str = "assessment-form") -> str:
    match = re.search(rf'<form id="{form_id}"[^>]*>', html)
    assert match, "no assessment form"
    return match.group(0)


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, name
    return match.group(0)


def _label_of(html: str, field_id: str) -> str:
    match = re.search(rf'<label for="{field_id}">(.*?)</label>', html, re.S)
    assert match, field_id
    return match.group(1)


# --- 1. nothing pre-answered on a first assessment --------------------------------------------


def test_first_assessment_answers_nothing_in_advance(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    html = logged_in.get(_url("assessment_create", patient)).content.decode()
    box = _input(html, "fractures_recorded")
    assert "checked" not in box
    assert "Udfyldt fra vurderingen" not in html
    # Every tri-state question starts on "Ikke angivet".
    for select in re.findall(
        r'<select name="(?:risk_factors|function)__[^"]+".*?</select>', html, re.S
    ):
        assert "selected" not in select.replace('value="" selected', "")
    # Height and weight come from the patient record, shown as typed and marked as such.
    assert 'value="165"' in _input(html, "patient__height_cm")
    assert "fra stamdata" in _label_of(html, "id_patient__height_cm")
    assert "fra stamdata" in _label_of(html, "id_patient__weight_kg")


def test_skipped_fracture_section_is_recorded_as_missing(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    response = logged_in.post(_url("assessment_create", patient), _post())
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.inputs["fractures"] is None
    assert "fractures" in assessment.result["missing"]


def test_ticked_box_without_rows_is_reviewed_no_fractures(
    logged_in: Client, clinic: Clinic
) -> None:
    patient = make_patient(clinic)
    logged_in.post(_url("assessment_create", patient), _post(fractures_recorded="on"))
    assert Assessment.objects.get().inputs["fractures"] == []


def test_filled_fracture_row_without_the_box_is_kept(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    rows = {"brud-0-site": "vertebra", "brud-0-date": "2026-09-20", "brud-0-low_energy": "true"}
    logged_in.post(_url("assessment_create", patient), _post(**rows))
    assessment = Assessment.objects.get()
    assert assessment.inputs["fractures"] == [
        {"site": "vertebra", "date": "2026-09-20", "low_energy": True}
    ]
    assert assessment.result["acute_phase"]["active"] is True


def test_unticked_diseases_are_not_recorded_as_none(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    url = _url("assessment_create", patient)
    logged_in.post(url, _post())
    assert Assessment.objects.get().inputs["risk_factors"]["conditions"] is None
    logged_in.post(url, _post(risk_factors__conditions_none="on"))
    assert Assessment.objects.order_by("-id")[0].inputs["risk_factors"]["conditions"] == []
    both = _post(risk_factors__conditions_none="on", risk_factors__conditions="coeliac_disease")
    html = logged_in.post(url, both).content.decode()
    assert "Ingen af disse sygdomme" in html
    assert "Sæt enten flueben ved sygdommene" in html
    assert Assessment.objects.count() == 2


# --- a follow-up starts from the previous assessment, and says so ------------------------------


def test_follow_up_says_where_its_values_came_from(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    fracture = {"site": "wrist", "date": "2020-05-01", "low_energy": True}
    make_assessment(patient, user, fractures=[fracture], tests__tug_s=9.0)
    html = logged_in.get(_url("assessment_create", patient)).content.decode()
    assert "Udfyldt fra vurderingen 26.11.2026 – ret det, der har ændret sig" in html
    # Carried: risk factors, DXA, function and the fracture history, each marked in its label.
    for field in ("risk_factors__smoking", "dxa__lumbar_spine", "function__walking_aid"):
        assert "fra vurderingen" in _label_of(html, f"id_{field}"), field
    assert "fra vurderingen" in _label_of(html, "id_fractures_recorded")
    assert "checked" in _input(html, "fractures_recorded")
    # "No diseases" last time is carried as its own ticked, marked box.
    assert "checked" in _input(html, "risk_factors__conditions_none")
    assert "fra vurderingen" in _label_of(html, "id_risk_factors__conditions_none")
    assert 'value="2020-05-01"' in _input(html, "brud-0-date")
    assert "hentet fra vurderingen 26.11.2026" in html
    # Numbers as typed: -1,8 not -1,80; 51 not 51,0.
    assert 'value="-1,8"' in _input(html, "dxa__lumbar_spine")
    assert 'value="51"' in _input(html, "risk_factors__menopause_age")
    # Tests are measured anew: not carried, not marked.
    assert "value=" not in _input(html, "tests__tug_s")
    assert "fra vurderingen" not in _label_of(html, "id_tests__tug_s")
    # The mark is words and a symbol hidden from screen readers, not colour alone.
    assert '<span class="mark" data-mark><span aria-hidden="true">↺</span> fra vurderingen' in html


def test_a_changed_carried_value_loses_its_mark_when_the_form_is_shown_again(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    make_assessment(patient, user)
    post = _post(
        risk_factors__smoking="current",  # changed
        risk_factors__menopause_age="51",  # as carried
        tests__tug_s="500",  # out of range: the form comes back
    )
    html = logged_in.post(_url("assessment_create", patient), post).content.decode()
    assert "fra vurderingen" not in _label_of(html, "id_risk_factors__smoking")
    assert "fra vurderingen" in _label_of(html, "id_risk_factors__menopause_age")
    assert 'data-guard="dirty"' in _form_tag(html)  # unsaved input: leaving asks


# --- 2. Enter never submits ----------------------------------------------------------------------


def test_enter_posts_through_a_hidden_first_button_that_saves_nothing(
    logged_in: Client, clinic: Clinic
) -> None:
    """Implicit submission (Enter) clicks the form's first submit button (HTML spec 4.10.21.2);
    here that is a hidden one the view refuses to save with. The Chromium test presses Enter."""
    patient = make_patient(clinic)
    html = logged_in.get(_url("assessment_create", patient)).content.decode()
    form = html[html.index('<form id="assessment-form"') :]
    form = form[: form.index("</form>")]
    submits = [b for b in re.findall(r"<button[^>]*>", form) if 'type="submit"' in b]
    assert 'name="enter_pressed"' in submits[0]
    assert "hidden" in submits[0]
    assert "data-save" in submits[1]
    assert "name=" not in submits[1]
    response = logged_in.post(_url("assessment_create", patient), _post(enter_pressed="1"))
    assert response.status_code == 200
    assert not Assessment.objects.exists()
    html = response.content.decode()
    assert "Enter gemmer ikke vurderingen" in html
    assert 'value="8,5"' in _input(html, "tests__tug_s")  # nothing typed is lost
    assert "Foreslået funktionskategori" in html  # the result is shown for what was typed
    assert logged_in.post(_url("assessment_create", patient), _post()).status_code == 302


# --- 3. guarded forms and drafts -----------------------------------------------------------------


def test_the_three_forms_opt_in_to_the_guard(logged_in: Client, clinic: Clinic, user: User) -> None:
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user)
    pages = [
        _url("assessment_create", patient),
        reverse("records:patient_create"),
        _url("patient_edit", patient),
        reverse("records:assessment_decide", kwargs={"assessment_id": assessment.pk}),
    ]
    for url in pages:
        html = logged_in.get(url).content.decode()
        assert re.search(r"<form[^>]*data-guard[ >]", html), url
        assert "/static/osteofys/guard.js" in html
    # Shown again with an error: what is typed is not saved, so it counts as changed already.
    html = logged_in.post(reverse("records:patient_create"), {"name": "X"}).content.decode()
    assert 'data-guard="dirty"' in html


def _live(client: Client, patient: Patient, **changes: str) -> Any:
    post = _post(draft_touched="1", draft_started=timezone.now().isoformat(), **changes)
    return client.post(_url("assessment_live", patient), post, HTTP_HX_REQUEST="true")


def test_the_live_result_keeps_a_bounded_draft_without_token_or_cpr(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    reason = "Pt. 030260-1234 ønsker let start. " + "x" * 5000
    response = _live(
        logged_in,
        patient,
        csrfmiddlewaretoken="token-value",
        cpr="0302601234",
        something_else="y",
        override_reason=reason,
        **{"brud-0-site": "hip"},
    )
    assert response.status_code == 200
    draft = AssessmentDraft.objects.get()
    assert (draft.clinic_id, draft.user_id, draft.patient_id) == (clinic.pk, user.pk, patient.pk)
    assert draft.fields["tests__tug_s"] == ["8,5"]
    assert draft.fields["brud-0-site"] == ["hip"]
    for name in ("csrfmiddlewaretoken", "cpr", "something_else", "draft_touched"):
        assert name not in draft.fields
    stored = str(draft.fields)
    assert "030260-1234" not in stored
    assert "0302601234" not in stored
    assert "030260-****" in stored
    assert len(draft.fields["override_reason"][0]) == 2000
    assert not Assessment.objects.exists()


def test_an_untouched_form_is_no_draft(logged_in: Client, clinic: Clinic) -> None:
    """The panel's first request on load posts the fresh form: it must not become (or replace)
    a draft."""
    patient = make_patient(clinic)
    logged_in.post(_url("assessment_live", patient), _post(), HTTP_HX_REQUEST="true")
    assert not AssessmentDraft.objects.exists()


def test_keeping_a_draft_is_cheap_and_not_logged(
    logged_in: Client, clinic: Clinic, django_assert_max_num_queries: Any
) -> None:
    patient = make_patient(clinic)
    _live(logged_in, patient)
    entries = AuditEntry.objects.count()
    # Session, user, clinic, patient, "saved since?" and one upsert.
    with django_assert_max_num_queries(6):
        _live(logged_in, patient, tests__tug_s="9")
    assert AssessmentDraft.objects.get().fields["tests__tug_s"] == ["9"]
    assert AuditEntry.objects.count() == entries


def test_the_draft_is_offered_back_and_continued(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    _live(logged_in, patient, tests__tug_s="12,5", function__walking_aid="stick")
    html = logged_in.get(_url("assessment_create", patient)).content.decode()
    assert "Fortsæt med kladden" in html
    assert "Kassér kladden" in html
    assert 'value="12,5"' not in html  # offered, not yet put in the form
    entries = AuditEntry.objects.count()
    html = logged_in.get(_url("assessment_create", patient) + "?kladde=fortsaet").content.decode()
    assert AuditEntry.objects.count() == entries + 1  # restoring is a logged read of the patient
    assert "Fortsæt med kladden" not in html
    assert "er hentet" in html
    assert 'value="12,5"' in _input(html, "tests__tug_s")
    assert re.search(r'<option value="stick" selected>', html)
    assert 'data-guard="dirty"' in _form_tag(html)


def test_discarding_the_draft(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    _live(logged_in, patient)
    url = _url("assessment_draft_discard", patient)
    assert logged_in.get(url).status_code == 405
    assert AssessmentDraft.objects.exists()
    entries = AuditEntry.objects.count()
    response = logged_in.post(url)
    assert response.status_code == 302
    assert response["Location"] == _url("assessment_create", patient)
    assert not AssessmentDraft.objects.exists()
    assert AuditEntry.objects.count() == entries + 1
    html = logged_in.get(_url("assessment_create", patient)).content.decode()
    assert "Fortsæt med kladden" not in html


def test_saving_the_assessment_deletes_the_draft(logged_in: Client, clinic: Clinic) -> None:
    patient = make_patient(clinic)
    _live(logged_in, patient)
    assert AssessmentDraft.objects.exists()
    assert logged_in.post(_url("assessment_create", patient), _post()).status_code == 302
    assert not AssessmentDraft.objects.exists()


def test_a_live_request_after_the_save_does_not_bring_the_draft_back(
    logged_in: Client, clinic: Clinic
) -> None:
    patient = make_patient(clinic)
    started = (timezone.now() - timedelta(seconds=5)).isoformat()
    logged_in.post(_url("assessment_create", patient), _post())
    late = _post(draft_touched="1", draft_started=started)
    logged_in.post(_url("assessment_live", patient), late, HTTP_HX_REQUEST="true")
    assert not AssessmentDraft.objects.exists()


def test_a_draft_is_only_ever_its_own_users(
    logged_in: Client, clinic: Clinic, other_clinic_client: Client
) -> None:
    patient = make_patient(clinic)
    _live(logged_in, patient, tests__tug_s="12,5")
    # A colleague in the same clinic sees the patient, not the draft.
    colleague = signed_in(Client(), make_user(clinic, "lis"))
    html = colleague.get(_url("assessment_create", patient)).content.decode()
    assert "Fortsæt med kladden" not in html
    html = colleague.get(_url("assessment_create", patient) + "?kladde=fortsaet").content.decode()
    assert "12,5" not in html
    assert colleague.post(_url("assessment_draft_discard", patient)).status_code == 302
    assert AssessmentDraft.objects.count() == 1  # the colleague's discard touched nothing
    # Another clinic: the patient does not exist for it, nor its draft.
    for name in ("assessment_create", "assessment_draft_discard"):
        assert other_clinic_client.get(_url(name, patient)).status_code == 404
        assert other_clinic_client.post(_url(name, patient)).status_code == 404
    assert other_clinic_client.post(_url("assessment_live", patient), _post()).status_code == 404
    assert AssessmentDraft.objects.count() == 1


def test_a_draft_from_another_clinic_is_not_shown_even_with_the_same_user_row(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    """Belt and braces: a draft row whose clinic is not the user's is never offered."""
    patient = make_patient(clinic)
    other = make_clinic("Klinik C")
    AssessmentDraft.objects.create(
        clinic=other, patient=patient, user=user, fields={"tests__tug_s": ["77"]}
    )
    html = logged_in.get(_url("assessment_create", patient) + "?kladde=fortsaet").content.decode()
    assert "Fortsæt med kladden" not in html
    assert 'value="77"' not in html


# --- 4. numbers as typed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "danish", "english"),
    [
        (50.0, "50", "50"),
        (6.0, "6", "6"),
        (8.5, "8,5", "8.5"),
        (-2.7, "-2,7", "-2.7"),
        (0.1, "0,1", "0.1"),
        (165, "165", "165"),
        (1e-05, "0,00001", "0.00001"),
    ],
)
def test_a_measurement_shows_as_typed(value: float, danish: str, english: str) -> None:
    widget = MeasureField().widget
    with translation.override("da"):
        assert widget.format_value(value) == danish
    with translation.override("en"):
        assert widget.format_value(value) == english
    # What is typed is shown back unchanged, and read with either separator.
    assert widget.format_value("8,50") == "8,50"
    with translation.override("da"):
        assert MeasureField().clean("8,5") == 8.5
        assert MeasureField().clean("8.5") == 8.5


def test_assessment_retest_and_patient_forms_show_numbers_as_typed(clinic: Clinic) -> None:
    with translation.override("da"):
        form = AssessmentForm(initial={"tests__tug_s": 6.0, "patient__weight_kg": 50.0})
        assert 'value="6"' in str(form["tests__tug_s"])
        assert 'value="50"' in str(form["patient__weight_kg"])
        assert 'inputmode="decimal"' in str(form["tests__tug_s"])
        retest = RetestForm(initial={"value": 6.0, "date": date(2026, 11, 26)})
        assert 'value="6"' in str(retest["value"])
        patient = Patient.objects.get(pk=make_patient(clinic, height_cm=170.0, weight_kg=62.5).pk)
        form_p = PatientForm(instance=patient)
        assert 'value="170"' in str(form_p["height_cm"])
        assert 'value="62,5"' in str(form_p["weight_kg"])
        bound = PatientForm({"weight_kg": "62,50"}, instance=patient)
        assert 'value="62,50"' in str(bound["weight_kg"])
