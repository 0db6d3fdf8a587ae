"""Writes for clinics and users, each in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def two_factor_needed(user: User) -> bool:
    """A code is asked for when the user has set up an authenticator or the clinic requires one."""
    profile = getattr(user, "profile", None)
    return user_has_device(user) or bool(profile and profile.clinic.require_two_factor)


def totp_device_pending(user: User) -> TOTPDevice:
    """The user's authenticator being set up (unconfirmed until the first correct code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="OsteoFys", confirmed=False)


@transaction.atomic
def totp_device_confirm(device: TOTPDevice) -> None:
    """Make `device` the user's one authenticator (an earlier one stops working)."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])


@transaction.atomic
def totp_device_remove(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def clinic_two_factor_set(clinic: Clinic, *, required: bool) -> None:
    """Takes effect at each user's next login (and sessions end after the idle timeout)."""
    Clinic.objects.filter(pk=clinic.pk).update(require_two_factor=required)
