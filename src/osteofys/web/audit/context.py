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
    route = forwarded_route(request)
    return (route[0] or remote) if route else remote


def client_address_or_none(request: HttpRequest) -> str | None:
    """`client_address`, or None when it is unknown (django-axes stores it in an IP column)."""
    return client_address(request) or None


# Headers a proxy adds to say whom it is forwarding for. Only X-Forwarded-For is read (by the
# declared number of hops); the others only show that a proxy is there.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def forwarded_route(request: HttpRequest) -> list[str] | None:
    """Every address the request passed, as this app resolves them: client first, REMOTE_ADDR last.

    Without forwarding headers that is [REMOTE_ADDR]. With AUDIT_TRUSTED_PROXIES = n and at least
    n X-Forwarded-For entries it is the last n entries, then REMOTE_ADDR. None when the request
    carries forwarding headers that the configuration does not account for (no proxy declared, or
    fewer hops than declared): then the client is unknown, and `client_address` falls back to
    REMOTE_ADDR, which is a proxy's address. An entry that is not an IP address is "".

    The WSGI servers pass these headers through untouched (`osteofys serve`), so this is the
    only place that interprets them.
    """
    remote = _normalised(request.META.get("REMOTE_ADDR", ""))
    if not any(request.META.get(header) for header in FORWARDING_HEADERS):
        return [remote]
    hops: int = getattr(settings, "AUDIT_TRUSTED_PROXIES", 0)
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if hops <= 0 or len(forwarded) < hops:
        return None
    return [_normalised(address) for address in forwarded[-hops:]] + [remote]


def _normalised(raw: str) -> str:
    # Without an IPv6 zone ("%eth0"): it names the server's interface, not the client.
    try:
        return str(ip_address(raw.strip().split("%", 1)[0]))
    except ValueError:
        return ""
