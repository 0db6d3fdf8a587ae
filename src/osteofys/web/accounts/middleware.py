"""Request guards: setup on first start, idle session expiry, the pending two-factor step, and
the Content-Security-Policy header."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from osteofys.web.accounts.selectors import setup_needed

SEEN_KEY = "osteofys_seen"
TWO_FACTOR_PENDING_KEY = "osteofys_two_factor_pending"


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


class TwoFactorMiddleware:
    """Keeps a user who has given the password but not yet the code on the two-factor page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_paths: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(TWO_FACTOR_PENDING_KEY):
            if self.open_paths is None:
                self.open_paths = (
                    reverse("accounts:two_factor"),
                    reverse("accounts:logout"),
                    "/static/",
                    "/i18n/",
                )
            if not request.path.startswith(self.open_paths):
                return redirect("accounts:two_factor")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Tells the browser to run only the app's own scripts and styles: an injected script (a
    patient name with markup that slipped through, say) cannot run or send data elsewhere."""

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
