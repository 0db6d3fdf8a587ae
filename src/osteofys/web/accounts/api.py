"""How an API call proves who it is: a personal token (Bearer) or the browser's session.

Both give a user with a clinic; every API read and write is then scoped to that clinic.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from osteofys.web.accounts.models import Clinic
from osteofys.web.accounts.selectors import clinic_of, profile_of
from osteofys.web.accounts.tokens import api_token_user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ofy_...`, a token made on the user's token page."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_user(token)
        if user is not None:
            # Code below the API (and the audit log) reads request.user, as for a browser.
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session of a signed-in user, for the interactive docs and the web pages' JS.

    Unlike ninja's `django_auth`, the CSRF check runs only for a signed-in session: a call without
    any credentials is a 401, not a 403, whatever the method.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not _has_clinic(request.user):
            return None
        if check_csrf(request):
            raise HttpError(403, "CSRF")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if key and _has_clinic(request.user) else None


def _has_clinic(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_active and profile_of(user) is not None


def request_clinic(request: HttpRequest) -> Clinic:
    """The clinic of the authenticated caller (set by one of the auth classes above)."""
    return clinic_of(request.user)


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


AUTH = [TokenAuth(), SessionAuth()]
