"""The password backend: Django's ModelBackend, loading the user's clinic with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from osteofys.web.accounts.selectors import remember_profile


class ClinicModelBackend(ModelBackend):
    """One joined query for the user, their profile and their clinic, instead of two.

    Every signed-in request needs the user and, right after, their profile and clinic (the scope of
    everything they see).
    """

    def get_user(self, user_id: Any) -> Any:
        user = (
            get_user_model()
            ._default_manager.select_related("profile__clinic")
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_profile(user, getattr(user, "profile", None))
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        """Active users of an active clinic (a deactivated clinic's users cannot log in)."""
        profile = getattr(user, "profile", None)
        clinic_active = profile is None or profile.clinic.active
        return bool(super().user_can_authenticate(user)) and clinic_active
