"""Schemathesis against the API's own OpenAPI document: no server errors, no schema violations.

Each operation gets a bounded, derandomized run of generated requests (valid ones and invalid
ones), with a token, in-process through the WSGI app and inside the test's database transaction.
Half the valid requests use the id of a real object of the token's clinic, so that the success
answers are checked against the schema too, not only the 404s of random ids.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from osteofys.web.accounts import tokens
from osteofys.web.accounts.models import Clinic
from osteofys.web.wsgi import application
from tests.web.conftest import make_assessment, make_patient
from tests.web.test_api import API, make_session, operations

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
# A body's rules that span fields (dates against the assessment and birth dates, a reason when
# the chosen category is not the suggestion, a birth date not in the future, a Bundle that holds
# a DXA observation) cannot be said in JSON Schema: such a schema-valid body gets a 422 that names
# the field, and test_api.py checks those answers. Everything else schemathesis checks still runs
# on bodies, and all checks run on the operations without one.
CROSS_FIELD_RULES = {"POST", "PUT"}
RUNS: dict[str, Counter[int]] = {}


@pytest.fixture(autouse=True)
def _one_connection() -> Any:
    """Keep the test's database connection open across requests, as Django's test client does:
    the WSGI handler would close it at the end of each request (it is inside the test's
    transaction, so not in autocommit), losing the transaction on PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def ids(clinic: Clinic, user: Any) -> dict[str, int]:
    patient = make_patient(clinic, cpr="0204581234")
    assessment = make_assessment(patient, user)
    plan = assessment.plans.get()
    return {
        "patients": patient.pk,
        "assessments": assessment.pk,
        "plans": plan.pk,
        "sessions": make_session(patient, plan, user).pk,
    }


def _strategy(operation: Any, mode: GenerationMode, ids: dict[str, int]) -> Any:
    generated = operation.as_strategy(generation_mode=mode)
    if "{id}" not in operation.path or mode is GenerationMode.NEGATIVE:
        return generated
    kind = operation.path.removeprefix(f"{API}/").split("/")[0]
    real = operation.as_strategy(generation_mode=mode, path_parameters={"id": ids[kind]})
    return st.one_of(generated, real)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), operations())
def test_the_api_keeps_its_schema(
    method: str, path: str, mode: GenerationMode, ids: dict[str, int], user: Any
) -> None:
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {tokens.api_token_create(user=user, name='st').secret}"}
    label = f"{method} {path} {mode}"
    RUNS[label] = Counter()

    @given(case=_strategy(operation, mode, ids))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        RUNS[label][response.status_code] += 1

    excluded = [positive_data_acceptance] if method in CROSS_FIELD_RULES else []

    run()
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(RUNS[label].items()))
    print(f"{label}: {RUNS[label].total()} examples ({statuses})")  # the figures, `pytest -s`
    assert RUNS[label].total() > 0
