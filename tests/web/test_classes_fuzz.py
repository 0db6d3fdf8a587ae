"""Fuzz the class screens: generated input to every form (wrong types, huge strings, unicode,
lists, unknown fields) is never a server error, and nothing is written for another clinic."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from hypothesis import given

from osteofys.web.accounts.models import Clinic
from osteofys.web.classes import selectors, services
from osteofys.web.classes.forms import TEST_DAY_TESTS, ClassForm, retest_prefix
from tests.web.test_classes import make_class, planned_patient
from tests.web.test_fuzz import FUZZ, _form_data, nasty_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]


@pytest.fixture
def targets(logged_in: Client, clinic: Clinic, user: User) -> dict[str, tuple[str, list[str]]]:
    training_class = make_class(clinic, user)
    a, b = planned_patient(clinic, user, "Anne"), planned_patient(clinic, user, "Bent")
    for p in (a, b):
        services.enrolment_create(training_class=training_class, patient=p)
    today = timezone.localdate().isoformat()
    first = selectors.class_dates(training_class)[0].isoformat()
    class_fields = [*ClassForm(clinic_id=clinic.pk).fields]
    log = [
        f"p{a.pk}-{f}" for f in ("date", "version", "attendance", "note", "next_time", "h0-kind")
    ]
    items = [i.pk for i in selectors.current_plans([a.pk])[a.pk].items.all()]
    log += [f"p{a.pk}-e{items[0]}-{f}" for f in ("status", "sets", "reps", "load_kg", "effort")]
    return {
        "create": (reverse("classes:class_create"), class_fields),
        "edit": (reverse("classes:class_edit", args=[training_class.pk]), class_fields),
        "enrol": (reverse("classes:enrol", args=[training_class.pk]), ["patient"]),
        "attendance": (
            reverse("classes:attendance", args=[training_class.pk, today]),
            [f"fremmoede-{a.pk}", f"fremmoede-{b.pk}", "fremmoede-0", "alle"],
        ),
        "test_day": (
            reverse("classes:test_day", args=[training_class.pk, first]),
            [
                f"{retest_prefix(p.pk, str(t))}-{part}"
                for p in (a, b)
                for t in TEST_DAY_TESTS
                for part in ("value", "unable")
            ],
        ),
        "participant_log": (
            reverse("classes:participant_log", args=[training_class.pk, today, a.pk]),
            log,
        ),
    }


@pytest.mark.parametrize(
    "name", ["create", "edit", "enrol", "attendance", "test_day", "participant_log"]
)
def test_class_forms_never_fail_on_generated_input(
    name: str, logged_in: Client, targets: dict[str, tuple[str, list[str]]]
) -> None:
    url, fields = targets[name]

    @FUZZ
    @given(data=_form_data(fields))
    def run(data: dict[str, Any]) -> None:
        response = logged_in.post(url, data)
        assert response.status_code < 500, (url, data)

    run()


@FUZZ
@given(day=nasty_text, q=nasty_text)
def test_day_and_search_never_fail(
    logged_in: Client, clinic: Clinic, user: User, day: str, q: str
) -> None:
    training_class = make_class(clinic, user, start=timezone.localdate() - timedelta(days=3))
    for route in ("classes:day", "classes:test_day", "classes:attendance"):
        try:
            url = reverse(route, args=[training_class.pk, day])
        except NoReverseMatch:  # a day the URL cannot even hold ("/" in it)
            continue
        assert logged_in.get(url).status_code < 500
    page = logged_in.get(reverse("classes:class_detail", args=[training_class.pk]), {"q": q})
    assert page.status_code < 500
