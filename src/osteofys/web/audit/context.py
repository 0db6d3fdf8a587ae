"""Who is acting, and from where: the current request, kept in a context variable by middleware.

Services and selectors get no request argument, so the request travels beside the call instead.
Outside a request (CLI, tests calling services directly) there is none and the actor is "system".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from ipaddress import ip_address

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

_current: ContextVar[HttpRequest | None] = ContextVar("osteofys_audit_request", default=None)


@contextmanager
def request_scope(request: HttpRequest) -> Iterator[None]:
    """Make `request` the actor of everything logged inside the block (one thread or task)."""
    token = _current.set(request)
    try:
        yield
    finally:
        _current.reset(token)


def actor() -> tuple[int | None, str]:
    """(user id or None for the system, client address or "") of the current request."""
    request = _current.get()
    if request is None:
        return None, ""
    return _user_id(request), client_address(request)


def _user_id(request: HttpRequest) -> int | None:
    # Read when the entry is written, not when the request arrives: an API token is checked by
    # the view, after every middleware has run.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    auth = getattr(request, "auth", None)  # django-ninja keeps what its authenticator returned
    if isinstance(auth, AbstractBaseUser):
        return int(auth.pk)
    user_id = getattr(auth, "user_id", None)
    return user_id if isinstance(user_id, int) else None


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw, when AUDIT_TRUSTED_PROXIES says so.

    X-Forwarded-For is read from the right: entries further left were written by the client and
    can say anything.
    """
    remote = _normalised(request.META.get("REMOTE_ADDR", ""))
    hops: int = getattr(settings, "AUDIT_TRUSTED_PROXIES", 0)
    if hops <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < hops:
        return remote
    return _normalised(forwarded[-hops]) or remote


def _normalised(raw: str) -> str:
    # Without an IPv6 zone ("%eth0"): it names the server's interface, not the client.
    try:
        return str(ip_address(raw.strip().split("%", 1)[0]))
    except ValueError:
        return ""
