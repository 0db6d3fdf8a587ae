"""View decorators for access control: who may open a page, checked before the view runs."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


def admin_required(view: Any) -> Any:
    """Only a signed-in clinic admin reaches `view`.

    Anyone else gets the login page or a 404 (a clinician is not even told the page exists).
    """

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = getattr(request.user, "profile", None)
        if profile is None or not profile.is_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
