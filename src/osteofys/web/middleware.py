"""Response headers that keep patient data out of browser and proxy caches."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

NO_STORE = "no-store, private"


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response that may carry patient data.

    That is every response to a signed-in user (pages, htmx partials, downloads) and every API
    response (a token call has no signed-in user). A view that set its own Cache-Control keeps
    it. Static files never get here: whitenoise, earlier in MIDDLEWARE, answers them with their
    own long-lived caching. Deciding it here, once, means a new view cannot forget it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.api_prefix = reverse("api:api-root")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Cache-Control" not in response and self._private(request):
            response["Cache-Control"] = NO_STORE
        return response

    def _private(self, request: HttpRequest) -> bool:
        if request.path.startswith(self.api_prefix):
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
