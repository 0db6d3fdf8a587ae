"""Factories for web tests: clinics, users, patients and assessments, made through the services."""

from __future__ import annotations

import copy
import time
from datetime import date
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from osteofys.web.accounts import services as account_services
from osteofys.web.accounts.middleware import SEEN_KEY
from osteofys.web.accounts.models import Clinic, Profile, Role
from osteofys.web.config import prepare_data_dir
from osteofys.web.records import clinical, services
from osteofys.web.records.models import Assessment, Patient
from tests.conftest import BASE_CASE

PASSWORD = "Knogle-sund-2026!"


def pytest_configure(config: pytest.Config) -> None:
    """The test run's data directory (OSTEOFYS_DATA_DIR), prepared as `osteofys serve` would
    prepare its own: the settings only read it (its secret key signs the test sessions)."""
    prepare_data_dir(django_settings.CONFIG)


def make_clinic(name: str = "Fysio Nord") -> Clinic:
    return Clinic.objects.create(name=name)


def make_user(clinic: Clinic, username: str = "kim", role: str = Role.CLINICIAN) -> User:
    return account_services.user_create(
        clinic=clinic, username=username, password=PASSWORD, full_name="Kim Fysio", role=role
    )


def make_patient(clinic: Clinic, name: str = "Inger Hansen", **extra: Any) -> Patient:
    data = {
        "name": name,
        "birth_date": date(1958, 4, 2),
        "sex": "female",
        "height_cm": 165,
        "weight_kg": 65,
    }
    return services.patient_create(clinic=clinic, data={**data, **extra})


def case_for(patient: Patient, **changes: Any) -> dict[str, Any]:
    case = copy.deepcopy(BASE_CASE)
    case["patient"]["birth_date"] = patient.birth_date.isoformat()
    case["patient"]["sex"] = patient.sex
    for key, value in changes.items():
        section, field = key.split("__", 1) if "__" in key else (key, None)
        if field is None:
            case[section] = value
        else:
            case[section][field] = value
    return case


def make_assessment(patient: Patient, user: User, **changes: Any) -> Assessment:
    case = case_for(patient, **changes)
    evaluated = clinical.evaluate(case)
    suggested = evaluated.document["category"] if evaluated.document else ""
    return services.assessment_record(
        patient=patient,
        user=user,
        case=case,
        evaluated=evaluated,
        final_category=suggested or "",
        override_reason="",
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 is slow by design; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db: Any) -> Clinic:
    return make_clinic()


@pytest.fixture
def user(clinic: Clinic) -> User:
    return make_user(clinic)


@pytest.fixture
def admin_user(clinic: Clinic) -> User:
    return make_user(clinic, "admin", Role.ADMIN)


@pytest.fixture
def logged_in(client: Client, user: User) -> Client:
    return signed_in(client, user)


def signed_in(client: Client, user: User) -> Client:
    """A client in the middle of a working session: its idle timer was renewed just now, so
    the first request does not also renew it (query counts stay those of the page)."""
    client.force_login(user)
    session = client.session
    session[SEEN_KEY] = int(time.time())
    session.save()
    return client


@pytest.fixture
def other_clinic_client(db: Any) -> Client:
    other = make_clinic("Klinik B")
    intruder = make_user(other, "bo")
    c = Client()
    signed_in(c, intruder)
    return c


__all__ = ["PASSWORD", "Profile", "make_assessment", "make_clinic", "make_patient", "make_user"]
