"""Sends every request to the setup page until the first clinic exists."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from osteofys.web.accounts.selectors import setup_needed


class SetupMiddleware:
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
