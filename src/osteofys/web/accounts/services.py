"""Writes for clinics and users, each in one transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from osteofys.web.accounts import tokens
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
    _clinic_event(clinic, Action.CREATE)
    _event(user, action=Action.CREATE)
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
    _clinic_event(clinic, Action.CREATE)
    _event(admin, action=Action.CREATE)
    _event(admin, Detail.PASSWORD_TEMPORARY)
    return NewClinic(clinic, admin, password)


@transaction.atomic
def clinic_set_active(clinic: Clinic, *, active: bool) -> None:
    """Deactivate (or reactivate) a clinic: its users cannot log in and its tokens stop working.

    Every session of its users ends now, and does not come back on reactivation.
    """
    Clinic.objects.filter(pk=clinic.pk).update(active=active)
    if not active:
        Profile.objects.filter(clinic=clinic).update(session_epoch=F("session_epoch") + 1)
    _clinic_event(clinic, Action.UPDATE, Detail.ACTIVATED if active else Detail.DEACTIVATED)


def temporary_password() -> str:
    """A random password to hand over once (about 80 bits, no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


class LastAdminError(Exception):
    """The change would leave the clinic without an active clinic administrator."""


def _event(user: User, detail: Detail | str = Detail.NONE, action: Action = Action.UPDATE) -> None:
    """A security event about `user` in their clinic's access log."""
    record_event(
        action,
        clinic_id=user.profile.clinic_id,
        object_type=ObjectType.USER,
        object_id=user.pk,
        detail=detail,
    )


@transaction.atomic
def user_create(*, clinic: Clinic, username: str, password: str, full_name: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    Profile.objects.create(user=user, clinic=clinic, role=role)
    _event(user, action=Action.CREATE)
    return user


@transaction.atomic
def user_update(*, user: User, full_name: str, role: str, active: bool) -> User:
    """Name, role and whether the user may log in; each change of role or state is logged.

    Raises:
        LastAdminError: The clinic would have no active administrator afterwards.
    """
    profile = Profile.objects.select_for_update().get(user=user)
    was_active, old_role = user.is_active, profile.role
    if (old_role == Role.ADMIN and was_active) and not (role == Role.ADMIN and active):
        _ensure_another_admin(profile)
    user.first_name = full_name
    user.is_active = active
    user.save(update_fields=["first_name", "is_active"])
    profile.role = role
    if was_active and not active:
        # A deactivated user's sessions must not come back when they are reactivated.
        profile.session_epoch += 1
    profile.save(update_fields=["role", "session_epoch"])
    user.profile = profile
    if role != old_role:
        _event(user, Detail.ROLE)
    if active != was_active:
        _event(user, Detail.ACTIVATED if active else Detail.DEACTIVATED)
    return user


def _ensure_another_admin(profile: Profile) -> None:
    # Locks the clinic's admin rows: two admins demoting each other at once cannot both win.
    others = (
        Profile.objects.select_for_update()
        .filter(clinic_id=profile.clinic_id, role=Role.ADMIN, user__is_active=True)
        .exclude(pk=profile.pk)
    )
    if not list(others):
        raise LastAdminError


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    """The user chose a new password: their other sessions and their API tokens end.

    Django ends the other sessions by itself (each session carries a hash of the password); the
    caller keeps the current one with `update_session_auth_hash`.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    Profile.objects.filter(user=user).update(must_change_password=False)
    user.profile.must_change_password = False
    _event(user, Detail.PASSWORD_CHANGED)
    tokens.api_tokens_revoke_all(user)


@transaction.atomic
def password_set_temporary(*, user: User) -> str:
    """A clinic admin hands a colleague a temporary password, to be changed at the next login.

    The colleague's sessions end (the password changed) and so do their API tokens: a reset is
    often the answer to a password that may be known to someone else.
    """
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    Profile.objects.filter(user=user).update(must_change_password=True)
    _event(user, Detail.PASSWORD_TEMPORARY)
    tokens.api_tokens_revoke_all(user)
    return password


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
    _event(device.user, Detail.TWO_FACTOR_ON)


@transaction.atomic
def totp_device_remove(user: User) -> None:
    """The user turned two-factor login off (the view has checked a current code or password)."""
    TOTPDevice.objects.filter(user=user).delete()
    _event(user, Detail.TWO_FACTOR_OFF)


@transaction.atomic
def two_factor_reset(*, user: User) -> None:
    """A clinic admin resets a colleague's two-factor login (a lost phone).

    Every session of the colleague ends; at the next login they set up a new authenticator if
    the clinic requires one.
    """
    TOTPDevice.objects.filter(user=user).delete()
    Profile.objects.filter(user=user).update(session_epoch=F("session_epoch") + 1)
    _event(user, Detail.TWO_FACTOR_RESET)


@transaction.atomic
def login_unlock(*, user: User) -> None:
    """A clinic admin lifts a colleague's login lockout before the cool-off time ends."""
    axes_reset(username=user.username)
    _event(user, Detail.UNLOCKED)


def login_succeeded(user: User) -> None:
    """Logged when a session is fully signed in (after the code, where one is asked for)."""
    _event(user, action=Action.LOGIN)


def login_failed(username: str, detail: Detail) -> None:
    """A wrong password or code for a known user, in that user's clinic's log.

    An unknown user name belongs to no clinic, so it has no chain to go in; django-axes still
    counts it towards the lockout.
    """
    user = _known_user(username)
    if user is not None:
        _event(user, detail, action=Action.LOGIN_FAILED)


def login_locked_out(username: str) -> None:
    """A login attempt for a user name that is locked out."""
    user = _known_user(username)
    if user is not None:
        _event(user, action=Action.LOCKOUT)


def _known_user(username: str) -> User | None:
    return (
        User.objects.select_related("profile")
        .filter(username=username, profile__isnull=False)
        .first()
    )


def clinic_two_factor_set(clinic: Clinic, *, required: bool) -> None:
    """Takes effect at each user's next login (and sessions end after the idle timeout)."""
    Clinic.objects.filter(pk=clinic.pk).update(require_two_factor=required)
    detail = Detail.TWO_FACTOR_REQUIRED if required else Detail.TWO_FACTOR_OPTIONAL
    _clinic_event(clinic, Action.UPDATE, detail)


def _clinic_event(clinic: Clinic, action: Action, detail: Detail = Detail.NONE) -> None:
    record_event(
        action,
        clinic_id=clinic.pk,
        object_type=ObjectType.CLINIC,
        object_id=clinic.pk,
        detail=detail,
    )


@dataclass(frozen=True)
class Logo:
    """An uploaded logo: its bytes and 'image/png' or 'image/jpeg' (checked by the form)."""

    data: bytes
    content_type: str


@transaction.atomic
def clinic_update(
    clinic: Clinic,
    *,
    name: str,
    address: str,
    phone: str,
    email: str,
    logo: Logo | None = None,
    remove_logo: bool = False,
) -> Clinic:
    """The clinic's name, contact details and logo (a new logo wins over removing it).

    Logged as a change of the clinic in its access log when anything changed.
    """
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    before = (clinic.name, clinic.address, clinic.phone, clinic.email, bytes(clinic.logo))
    clinic.name, clinic.address, clinic.phone, clinic.email = name, address, phone, email
    if logo is not None:
        clinic.logo, clinic.logo_type = logo.data, logo.content_type
    elif remove_logo:
        clinic.logo, clinic.logo_type = b"", ""
    after = (clinic.name, clinic.address, clinic.phone, clinic.email, bytes(clinic.logo))
    if after != before:
        clinic.save(update_fields=["name", "address", "phone", "email", "logo", "logo_type"])
        _clinic_event(clinic, Action.UPDATE)
    return clinic
