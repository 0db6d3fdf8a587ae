"""Fuzz: generated form input (wrong types, huge strings, unicode, missing and unknown fields) is
never a server error on any page that takes a POST or a query, and the form's own fields are
filled with everything but what they expect."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteofys.web.accounts import tokens
from osteofys.web.accounts.models import Clinic
from osteofys.web.records.forms import AssessmentForm, PatientForm, RetestForm
from osteofys.web.records.models import Plan
from tests.web.conftest import make_assessment, make_patient
from tests.web.test_api import call, make_session, operations, valid_body
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

# What a browser, a script or a confused paste can send in one field.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "nan",
            "inf",
            "-0",
            "9" * 400,
            "1,5",
            "1.5.5",
            "2026-02-30",
            "30-02-2026",
            "9999-12-31",
            "0001-01-01",
            "true",
            "on",
            "null",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "\ud7ff",
            "Æblegrød ø å",
            "010190-1234",
        ]
    ),
    st.just("x" * 100_000),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _form_data(field_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the form's fields (possibly none), each with a nasty value or several, plus junk."""
    known = st.dictionaries(
        st.sampled_from(field_names),
        st.one_of(nasty_text, st.lists(nasty_text, min_size=2, max_size=3)),
        max_size=len(field_names),
    )
    unknown = st.dictionaries(st.text(min_size=1, max_size=12), nasty_text, max_size=3)
    return st.tuples(known, unknown).map(lambda pair: {**pair[1], **pair[0]})


def _names(form: Any) -> list[str]:
    return list(form.fields)


FRACTURE_FIELDS = ["TOTAL_FORMS", "INITIAL_FORMS", "0-site", "0-date", "0-low_energy", "0-DELETE"]
ASSESSMENT_FIELDS = [*_names(AssessmentForm()), *(f"brud-{f}" for f in FRACTURE_FIELDS)]


def _assert_no_server_error(response: Any, url: str, data: Any) -> None:
    assert response.status_code < 500, (url, data)


@pytest.fixture
def targets(logged_in: Client, clinic: Clinic, user: Any) -> dict[str, tuple[str, list[str]]]:
    patient = make_patient(clinic)
    assessment = make_assessment(patient, user)
    plan = Plan.objects.filter(assessment=assessment).first()
    found = {
        "patient_create": (reverse("records:patient_create"), _names(PatientForm())),
        "patient_edit": (
            reverse("records:patient_edit", args=[patient.pk]),
            [*_names(PatientForm()), "version"],
        ),
        "assessment_create": (
            reverse("records:assessment_create", args=[patient.pk]),
            ASSESSMENT_FIELDS,
        ),
        "assessment_live": (
            reverse("records:assessment_live", args=[patient.pk]),
            ASSESSMENT_FIELDS,
        ),
        "retest_create": (
            reverse("records:retest_create", args=[patient.pk]),
            _names(RetestForm()),
        ),
    }
    if plan is not None:
        item = plan.items.first()
        found["plan_item_add"] = (
            reverse("records:plan_item_add", args=[plan.pk]),
            ["exercise", "confirm", "note", "version"],
        )
        if item is not None:
            found["plan_item_dose"] = (
                reverse("records:plan_item_dose", args=[plan.pk, item.pk]),
                ["sets", "reps", "hold_s", "minutes", "per_week", "note", "version"],
            )
    return found


@pytest.mark.parametrize(
    "name",
    [
        "patient_create",
        "patient_edit",
        "assessment_create",
        "assessment_live",
        "retest_create",
        "plan_item_add",
        "plan_item_dose",
    ],
)
def test_no_form_input_makes_a_server_error(
    name: str, logged_in: Client, targets: dict[str, tuple[str, list[str]]]
) -> None:
    if name not in targets:
        pytest.fail(f"{name}: the fixture made no object to post to")
    url, fields = targets[name]

    @FUZZ
    @given(data=_form_data(fields))
    def check(data: dict[str, Any]) -> None:
        response = logged_in.post(url, data, HTTP_HX_REQUEST="true")
        _assert_no_server_error(response, url, data)

    check()


def _query_fuzz(logged_in: Client, url_for: Callable[[], str]) -> None:
    @FUZZ
    @given(q=nasty_text, side=nasty_text)
    def check(q: str, side: str) -> None:
        url = url_for()
        response = logged_in.get(url, {"q": q, "side": side})
        _assert_no_server_error(response, url, (q, side))

    check()


def test_no_search_or_paging_input_makes_a_server_error(logged_in: Client, clinic: Clinic) -> None:
    for i in range(3):
        make_patient(clinic, name=f"Søren {i}")
    _query_fuzz(logged_in, lambda: reverse("records:patient_list"))
    _query_fuzz(logged_in, lambda: reverse("library:exercise_list"))


def test_no_login_input_makes_a_server_error(client: Client, db: Any) -> None:
    @FUZZ
    @given(data=_form_data(["username", "password", "next"]))
    def check(data: dict[str, Any]) -> None:
        response = client.post(reverse("accounts:login"), data)
        _assert_no_server_error(response, "login", data)

    check()


def test_a_search_longer_than_any_name_finds_nothing_instead_of_failing(
    logged_in: Client, clinic: Clinic
) -> None:
    # Found by the fuzz above: SQLite refuses LIKE patterns over 50,000 bytes (was a 500).
    make_patient(clinic, name="Søren Kierkegaard")
    response = logged_in.get(reverse("records:patient_list"), {"q": "ø" * 30_000})
    assert response.status_code == 200
    assert "Søren Kierkegaard" not in response.content.decode()
    found = logged_in.get(reverse("records:patient_list"), {"q": "søren"})
    assert "Søren Kierkegaard" in found.content.decode()


# --- the calendar's edges and deep nesting (issue 12, item 7) --------------------------------

EDGE_DATES = st.sampled_from(
    [
        "0001-01-01",
        "1899-12-31",
        "1900-01-01",
        "2026-02-29",
        "9999-12-30",
        "9999-12-31",
        "10000-01-01",
        "-0001-01-01",
    ]
)


def _date_fields(form: Any) -> list[str]:
    return [n for n, f in form.fields.items() if isinstance(f, forms.DateField)]


@pytest.mark.parametrize(
    "name", ["patient_create", "patient_edit", "assessment_create", "assessment_live", "retest"]
)
def test_dates_at_the_calendars_edges_in_every_form_are_never_a_server_error(
    name: str, logged_in: Client, targets: dict[str, tuple[str, list[str]]]
) -> None:
    key = "retest_create" if name == "retest" else name
    url, _fields = targets[key]
    base: dict[str, str] = {
        "patient_create": {"name": "A", "birth_date": "1950-01-01", "sex": "female"},
        "patient_edit": {"name": "A", "birth_date": "1950-01-01", "sex": "female", "version": "1"},
        "assessment_create": _assessment_post(),
        "assessment_live": _assessment_post(),
        "retest": {"test": "sit_to_stand_5x_s", "date": "2026-11-26", "unable": "on"},
    }[name]
    form = {"patient_create": PatientForm, "patient_edit": PatientForm, "retest": RetestForm}.get(
        name, AssessmentForm
    )()
    dated = [*_date_fields(form), *(["brud-0-date"] if "assessment" in name else [])]

    @FUZZ
    @given(dates=st.fixed_dictionaries(dict.fromkeys(dated, EDGE_DATES)))
    def check(dates: dict[str, str]) -> None:
        data = {**base, **dates}
        response = logged_in.post(url, data, HTTP_HX_REQUEST="true")
        _assert_no_server_error(response, url, data)

    check()


def test_access_log_dates_at_the_calendars_edges_are_never_a_server_error(
    client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)

    @FUZZ
    @given(start=st.one_of(st.none(), EDGE_DATES), end=st.one_of(st.none(), EDGE_DATES))
    def check(start: str | None, end: str | None) -> None:
        query = {k: v for k, v in {"date_from": start, "date_to": end}.items() if v}
        for view in ("audit:entry_list", "audit:entry_export"):
            response = client.get(reverse(view), query)
            _assert_no_server_error(response, view, query)

    check()


def _dates_replaced(doc: Any, draw: Callable[[], str]) -> Any:
    """`doc` with every string that looks like a date (or a dateTime) replaced by `draw()`."""
    if isinstance(doc, dict):
        return {k: _dates_replaced(v, draw) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_dates_replaced(v, draw) for v in doc]
    if isinstance(doc, str) and len(doc) >= 10 and doc[4] == "-" and doc[7] == "-":
        return draw()
    return doc


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p in operations() if m in {"POST", "PUT"}]
)
def test_every_api_operation_at_the_calendars_edges_and_deeply_nested(
    method: str, path: str, clinic: Clinic, user: Any
) -> None:
    """Every operation with a body, from the OpenAPI document: a value nested 40, 600 or 900
    deep (5,000 is in test_api.py), and each date of a valid body at the calendar's edges: a 4xx
    in JSON, never a 500."""
    patient = make_patient(clinic)
    plan = make_assessment(patient, user).plans.get()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.api_token_create(user=user, name='f').secret}"}
    client = Client()
    # A session's operations get a real session of the patient; the others the patient's id.
    session = make_session(patient, plan, user)
    url = path.replace("{id}", str(session.pk if "/sessions/{id}" in path else patient.pk))

    def send(body: Any) -> None:
        response = call(client, method, url, body, **auth)
        _assert_no_server_error(response, path, body)
        if response.status_code >= 400:
            assert response.json()["detail"]

    for depth in (40, 600, 900):
        body = copy.deepcopy(valid_body(method, path, patient))  # it may share BASE_CASE
        # Inside the case where there is one: that is what gets copied and validated.
        (body.get("case") or body)["nested"] = _nested(depth)
        send(body)

    @FUZZ
    @given(dates=st.lists(EDGE_DATES, min_size=1, max_size=8))
    def check(dates: list[str]) -> None:
        supply = iter(dates * 8)
        send(_dates_replaced(valid_body(method, path, patient), lambda: next(supply)))

    check()
