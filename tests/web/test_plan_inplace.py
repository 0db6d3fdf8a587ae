"""The plan page edits in place with htmx (dose, remove, add; conflicts and errors too), and the
assessment page says which of its plans is the current one after an override."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic
from osteofys.web.records import services
from osteofys.web.records.models import Plan
from tests.web.conftest import make_assessment, make_patient

pytestmark = pytest.mark.django_db


def test_after_an_override_the_assessment_page_marks_the_current_plan(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user)
    first = assessment.plans.get()
    other = next(
        c for c in ("hverdagsaktiv", "funktionsbegraenset") if c != assessment.suggested_category
    )
    new = services.assessment_decide(
        assessment=assessment, user=user, final_category=other, override_reason="Skrøbelig"
    )
    assert new is not None
    assert new.pk != first.pk
    url = reverse("records:assessment_detail", args=[assessment.pk])
    html = logged_in.get(url).content.decode()
    items = re.findall(r'<li( aria-current="true")?><a href="/planer/(\d+)/".*?</li>', html, re.S)
    marks = {int(pk): bool(current) for current, pk in items}
    assert marks == {new.pk: True, first.pk: False}
    current = re.search(rf'href="/planer/{new.pk}/".*?</li>', html, re.S)[0]
    earlier = re.search(rf'href="/planer/{first.pk}/".*?</li>', html, re.S)[0]
    assert "Aktuel plan" in current
    assert "Tidligere plan" not in current
    assert "Tidligere plan" in earlier
    assert "Aktuel plan" not in earlier


HX = {"HTTP_HX_REQUEST": "true"}
DOSE = {"sets": "3", "reps_min": "6", "reps_max": "8", "days_min": "2", "days_max": "3"}


def _plan(clinic: Clinic, user: User) -> Plan:
    patient = make_patient(clinic)
    return make_assessment(patient, user).plans.get()


def _version_event(response: Any) -> int:
    return int(json.loads(response["HX-Trigger"])["osteofys:plan-version"]["version"])


def test_a_dose_change_in_place_answers_with_its_row_the_message_and_the_new_version(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = _plan(clinic, user)
    item = plan.items.filter(supervised=False).first()
    url = reverse("records:plan_item_dose", args=[plan.pk, item.pk])
    response = logged_in.post(url, {**DOSE, "version": plan.version}, **HX)
    assert response.status_code == 200  # no redirect: nothing reloads
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="item-{item.pk}">')
    assert "<html" not in html
    assert '<div id="plan-status" hx-swap-oob="innerHTML">' in html
    assert "Dosis er gemt." in html
    plan.refresh_from_db()
    assert _version_event(response) == plan.version
    assert f'name="version" value="{plan.version}"' in html
    item.refresh_from_db()
    assert item.dose["sets"] == 3
    # The next edit with the refreshed version is not a conflict with itself.
    again = logged_in.post(url, {**DOSE, "sets": "2", "version": _version_event(response)}, **HX)
    assert again.status_code == 200
    # No message waits for the next full page: it was said in place.
    page = logged_in.get(reverse("records:plan_detail", args=[plan.pk])).content.decode()
    assert "Dosis er gemt." not in page


def test_a_refused_dose_in_place_keeps_what_was_typed_with_the_error(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = _plan(clinic, user)
    item = plan.items.filter(supervised=False).first()
    url = reverse("records:plan_item_dose", args=[plan.pk, item.pk])
    response = logged_in.post(url, {**DOSE, "sets": "99", "version": plan.version}, **HX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="item-{item.pk}">')
    assert "Dosis blev ikke gemt" in html
    assert 'value="99"' in html
    assert '<details class="dose-edit no-print" open>' in html


def test_a_conflict_in_place_replaces_the_plan_part_with_the_banner(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = _plan(clinic, user)
    item = plan.items.filter(supervised=False).first()
    stale = plan.version
    services.plan_item_dose(plan=plan, item_id=item.pk, dose=item.dose, version=stale)
    url = reverse("records:plan_item_dose", args=[plan.pk, item.pk])
    response = logged_in.post(url, {**DOSE, "version": stale}, **HX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#plan-body"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="plan-body" data-plan>')
    assert "En anden har gemt en ændring" in html


def test_a_removal_in_place_empties_the_row_and_offers_the_exercise_again(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = _plan(clinic, user)
    item = plan.items.filter(supervised=False).first()
    url = reverse("records:plan_item_remove", args=[plan.pk, item.pk])
    response = logged_in.post(url, {"version": plan.version, "precaution_note": "skrevet"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="item-{item.pk}"' not in html  # the row is replaced by nothing
    assert 'id="plan-add" hx-swap-oob="true"' in html
    assert f'<option value="{item.exercise}"' in html
    assert "skrevet</textarea>" in html  # what was typed in the add form stays
    assert "Øvelsen er fjernet fra planen." in html
    assert not plan.items.filter(pk=item.pk).exists()
    plan.refresh_from_db()
    assert _version_event(response) == plan.version


def test_an_addition_in_place_swaps_its_domain_and_the_add_form(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = _plan(clinic, user)
    page = logged_in.get(reverse("records:plan_detail", args=[plan.pk])).content.decode()
    exercise = re.search(r'<option value="([a-z_0-9]+)"(?! data-unsafe)', page)[1]
    url = reverse("records:plan_item_add", args=[plan.pk])
    response = logged_in.post(url, {"exercise": exercise, "version": plan.version}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    added = plan.items.get(exercise=exercise)
    assert html.lstrip().startswith("{}".format("<section")), html[:80]
    assert f'id="domain-{added.domain}" hx-swap-oob="true"' in html
    assert f'id="item-{added.pk}"' in html
    assert "Øvelsen er tilføjet." in html
    refused = logged_in.post(url, {"exercise": "nope", "version": _version_event(response)}, **HX)
    assert refused.status_code == 400
    assert refused.content.decode().lstrip().startswith('<section class="card no-print"')
    assert "Vælg en øvelse fra listen." in refused.content.decode()


def test_without_htmx_the_plan_edits_still_redirect(
    logged_in: Client, clinic: Clinic, user: User
) -> None:
    plan = _plan(clinic, user)
    item = plan.items.filter(supervised=False).first()
    url = reverse("records:plan_item_dose", args=[plan.pk, item.pk])
    response = logged_in.post(url, {**DOSE, "version": plan.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("records:plan_detail", args=[plan.pk])
    page = logged_in.get(response["Location"]).content.decode()
    assert "Dosis er gemt." in page
    assert 'hx-post="' in page  # the same forms, enhanced when JavaScript runs
