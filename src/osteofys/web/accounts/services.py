"""Writes for clinics and users, each in one transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from osteofys.web.accounts.models import Clinic, Profile, Role, SetupDone
from osteofys.web.audit.models import Action, Detail, ObjectType
from osteofys.web.audit.services import record_event


class SetupAlreadyDoneError(Exception):
    """First-run setup was done already (perhaps by a request a moment earlier)."""


@transaction.atomic
def clinic_setup(*, clinic_name: str, username: str, password: str, full_name: str = "") -> User:
    """Create the clinic and its first user, a clinic admin. Only allowed while no clinic exists.

    Raises:
        SetupAlreadyDoneError: A clinic exists, or a concurrent setup won the SetupDone row.
    """
    if Clinic.objects.exists():
        raise SetupAlreadyDoneError
    clinic = Clinic.objects.create(name=clinic_name)
    try:
        # The database, not this check, decides: a second concurrent setup waits here for the
        # first one's commit and then fails on the primary key.
        with transaction.atomic():
            SetupDone.objects.create(id=1, clinic=clinic)
    except IntegrityError:
        raise SetupAlreadyDoneError from None
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    Profile.objects.create(user=user, clinic=clinic, role=Role.ADMIN)
    record_event(
        Action.CREATE, clinic_id=clinic.pk, object_type=ObjectType.CLINIC, object_id=clinic.pk
    )
    record_event(Action.CREATE, clinic_id=clinic.pk, object_type=ObjectType.USER, object_id=user.pk)
    return user


@dataclass(frozen=True)
class NewClinic:
    clinic: Clinic
    admin: User
    temporary_password: str  # shown once; the admin must choose their own at the first login


@transaction.atomic
def clinic_create(*, name: str, admin_username: str, admin_full_name: str = "") -> NewClinic:
    """Another clinic in this installation (`osteofys clinic create`), with its first admin.

    The admin gets a random temporary password and must change it at the first login.
    """
    clinic = Clinic.objects.create(name=name)
    # An installation whose first clinic came from the command line is set up too.
    SetupDone.objects.get_or_create(id=1, defaults={"clinic": clinic})
    password = temporary_password()
    admin = User.objects.create_user(
        username=admin_username, password=password, first_name=admin_full_name
    )
    Profile.objects.create(user=admin, clinic=clinic, role=Role.ADMIN, must_change_password=True)
    record_event(
        Action.CREATE, clinic_id=clinic.pk, object_type=ObjectType.CLINIC, object_id=clinic.pk
    )
    record_event(
        Action.CREATE, clinic_id=clinic.pk, object_type=ObjectType.USER, object_id=admin.pk
    )
    record_event(
        Action.UPDATE,
        clinic_id=clinic.pk,
        object_type=ObjectType.USER,
        object_id=admin.pk,
        detail=Detail.PASSWORD_TEMPORARY,
    )
    return NewClinic(clinic, admin, password)


@transaction.atomic
def clinic_set_active(clinic: Clinic, *, active: bool) -> None:
    """Deactivate (or reactivate) a clinic: its users cannot log in and its tokens stop working.

    Every session of its users ends now, and does not come back on reactivation.
    """
    Clinic.objects.filter(pk=clinic.pk).update(active=active)
    if not active:
        Profile.objects.filter(clinic=clinic).update(session_epoch=F("session_epoch") + 1)
    record_event(
        Action.UPDATE,
        clinic_id=clinic.pk,
        object_type=ObjectType.CLINIC,
        object_id=clinic.pk,
        detail=Detail.ACTIVATED if active else Detail.DEACTIVATED,
    )


def temporary_password() -> str:
    """A random password to hand over once (about 80 bits, no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


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
