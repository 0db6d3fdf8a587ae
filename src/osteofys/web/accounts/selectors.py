"""Reads about clinics and users. Everything is scoped to the requesting user's clinic."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from osteofys.web.accounts.models import Clinic, Profile

PROFILE_ATTRIBUTE = "_osteofys_profile"  # a per-request cache on the user object, not a field


def setup_needed() -> bool:
    """True until the first clinic exists (the setup page is then the only page)."""
    return not Clinic.objects.exists()


def clinic_of(user: AbstractBaseUser | AnonymousUser) -> Clinic:
    """The clinic a signed-in user belongs to. A user without a clinic sees nothing (404)."""
    profile = profile_of(user)
    if profile is None:
        raise Http404
    return profile.clinic


def profile_of(user: AbstractBaseUser | AnonymousUser) -> Profile | None:
    """The user's profile with its clinic, looked up once per request (kept on the user object)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, PROFILE_ATTRIBUTE):
        # The logo (up to 512 KB) is read only where it is shown, not on every request.
        profiles = Profile.objects.select_related("clinic").defer("clinic__logo")
        remember_profile(user, profiles.filter(user_id=user.pk).first())
    cached: Profile | None = getattr(user, PROFILE_ATTRIBUTE)
    return cached


def remember_profile(user: AbstractBaseUser, profile: Profile | None) -> None:
    """Keep the looked-up profile (or its absence) on the user object for this request."""
    setattr(user, PROFILE_ATTRIBUTE, profile)


def user_list(clinic: Clinic) -> QuerySet[User]:
    return (
        User.objects.filter(profile__clinic=clinic).select_related("profile").order_by("username")
    )


def user_get(clinic: Clinic, user_id: int) -> User:
    user = User.objects.filter(pk=user_id, profile__clinic=clinic).select_related("profile").first()
    if user is None:
        raise Http404
    return user


def locked_out_usernames(clinic: Clinic) -> set[str]:
    """The clinic's user names that django-axes keeps locked out right now.

    Read the way axes decides (failures within the cool-off time reach the limit), so the users
    page shows exactly who cannot log in.
    """
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(
            username__in=user_list(clinic).values("username"), attempt_time__gte=since
        )
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    return {row["username"] for row in rows if row["failures"] >= settings.AXES_FAILURE_LIMIT}


def two_factor_usernames(clinic: Clinic) -> set[str]:
    """The clinic's users with a confirmed authenticator."""
    return set(
        TOTPDevice.objects.filter(user__profile__clinic=clinic, confirmed=True).values_list(
            "user__username", flat=True
        )
    )
