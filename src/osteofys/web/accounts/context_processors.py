"""Template context: the signed-in user's clinic and role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from osteofys.web.accounts.selectors import profile_of


def clinic(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    profile = profile_of(user) if user is not None else None
    if profile is None:
        return {}
    return {"current_clinic": profile.clinic, "current_profile": profile}
