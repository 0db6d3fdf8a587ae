"""Template context: the signed-in user's clinic and role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from osteofys.web.accounts.models import Profile


def clinic(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    profile = getattr(user, "_osteofys_profile", None)
    if profile is None:
        profile = Profile.objects.select_related("clinic").filter(user_id=user.pk).first()
        user._osteofys_profile = profile  # type: ignore[union-attr]
    return {"current_clinic": profile.clinic if profile else None, "current_profile": profile}
