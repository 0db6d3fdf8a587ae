"""Request guards.

Setup on first start, idle session expiry, revoked sessions, the pending two-factor or password
step, and the Content-Security-Policy header.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from osteofys.web.accounts.selectors import profile_of, setup_needed

SEEN_KEY = "osteofys_seen"
TWO_FACTOR_PENDING_KEY = "osteofys_two_factor_pending"
EPOCH_KEY = "osteofys_session_epoch"


class SetupMiddleware:
    """Sends every request to the setup page until the first clinic exists."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.done = False  # once set up, stay set up: saves a query per request

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.done:
            if setup_needed():
                setup = reverse("accounts:setup")
                if not request.path.startswith((setup, "/static/", "/i18n/")):
                    return redirect(setup)
            else:
                self.done = True
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Ends a signed-in session after settings.IDLE_TIMEOUT without requests.

    The session's expiry is renewed by saving it, at most once a minute: saving on every request
    (SESSION_SAVE_EVERY_REQUEST) would turn every page view into a database write.
    """

    RENEW_AFTER_S = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            if now - int(session.get(SEEN_KEY, 0)) >= self.RENEW_AFTER_S:
                session[SEEN_KEY] = now
        return self.get_response(request)


class SessionEpochMiddleware:
    """Ends a session that began before the user's sessions were revoked.

    A deactivation, a two-factor reset or a deactivated clinic raises the profile's
    `session_epoch`; a session remembers the epoch it was signed in under. Without this a
    deactivated user's old sessions would come back on reactivation. Sessions from before the
    epoch existed count as epoch 0.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session:
            profile = profile_of(request.user)
            if profile is not None and request.session.get(EPOCH_KEY, 0) != profile.session_epoch:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class PendingStepMiddleware:
    """Keeps a half-signed-in user on the one page that finishes signing in.

    After the password, a user who must give a two-factor code sees only the code page (and can
    log out); a user with a temporary password sees only the password page. Paths are matched
    exactly: a prefix would also open every page below it (the two-factor removal once was).
    """

    STATIC_PREFIXES = ("/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = self._pending_step(request)
        if step is None or request.path.startswith(self.STATIC_PREFIXES):
            return self.get_response(request)
        if request.path not in (reverse(step), reverse("accounts:logout")):
            return redirect(step)
        return self.get_response(request)

    @staticmethod
    def _pending_step(request: HttpRequest) -> str | None:
        if request.session.get(TWO_FACTOR_PENDING_KEY):
            return "accounts:two_factor"
        if SESSION_KEY in request.session:
            profile = profile_of(request.user)
            if profile is not None and profile.must_change_password:
                return "accounts:password_change"
        return None


class ContentSecurityPolicyMiddleware:
    """Tells the browser to run only the app's own scripts and styles.

    An injected script (a patient name with markup that slipped through, say) cannot run or send
    data elsewhere.
    """

    POLICY = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response
