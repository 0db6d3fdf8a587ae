"""Reads about clinics and users. Everything is scoped to the requesting user's clinic."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404

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
        remember_profile(
            user, Profile.objects.select_related("clinic").filter(user_id=user.pk).first()
        )
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
