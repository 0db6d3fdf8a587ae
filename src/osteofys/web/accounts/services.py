"""Writes for clinics and users, each in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from osteofys.web.accounts.models import Clinic, Profile, Role


@transaction.atomic
def clinic_setup(*, clinic_name: str, username: str, password: str, full_name: str = "") -> User:
    """Create the clinic and its first user, a clinic admin. Only allowed while no clinic exists."""
    if Clinic.objects.select_for_update().exists():
        raise PermissionError("setup already done")
    clinic = Clinic.objects.create(name=clinic_name)
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    Profile.objects.create(user=user, clinic=clinic, role=Role.ADMIN)
    return user


@transaction.atomic
def user_create(*, clinic: Clinic, username: str, password: str, full_name: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    Profile.objects.create(user=user, clinic=clinic, role=role)
    return user


@transaction.atomic
def user_update(*, user: User, full_name: str, role: str, active: bool) -> User:
    user.first_name = full_name
    user.is_active = active
    user.save(update_fields=["first_name", "is_active"])
    user.profile.role = role
    user.profile.save(update_fields=["role"])
    return user
