"""The REST API at /api/v1/: one NinjaAPI with a Router per app, and its JSON error answers.

The OpenAPI document is at /api/v1/openapi.json and the interactive docs at /api/v1/docs (both
open, they hold no patient data); every operation needs a token or a signed-in session.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from osteofys.web.accounts.api import AUTH
from osteofys.web.api_errors import (
    ConflictError,
    InputError,
    TooLargeError,
    body_too_large,
    error_body,
    from_pydantic,
    invalid_detail,
    strict_json,
)
from osteofys.web.records.api import router as records_router
from osteofys.web.training.api import router as training_router

DESCRIPTION = """\
OsteoFys' REST-API. Send en personlig API-nøgle i `Authorization: Bearer <token>`
(lav det under *Konto → API-nøgler*). Alt er afgrænset til API-nøglens klinik: en anden kliniks
id giver 404. Fejl er JSON med `detail` og en liste `errors` med felt, problem, besked og det
tilladte. Beskeder er på dansk; send `Accept-Language: en` for engelsk.
"""


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return strict_json(request.body)


def _too_large_answer(request: HttpRequest, exc: TooLargeError) -> HttpResponse:
    detail = exc.error.message if exc.status == 413 else invalid_detail()
    return api.create_response(request, error_body(detail, [exc.error]), status=exc.status)


api = NinjaAPI(
    title="OsteoFys API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    parser=JsonParser(),
    # Without deep links: a link inside each operation's button is a nested control (axe-core).
    docs=Swagger(settings={"deepLinking": False}),
)
api.add_router("/", records_router)
api.add_router("/", training_router)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = from_pydantic(exc.errors)
    return api.create_response(request, error_body(invalid_detail(), errors), status=422)


@api.exception_handler(InputError)
def _invalid(request: HttpRequest, exc: InputError) -> HttpResponse:
    return api.create_response(request, error_body(invalid_detail(), exc.errors), status=422)


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return api.create_response(request, error_body(exc.detail), status=409)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for "does not exist" and "belongs to another clinic": nothing leaks.
    return api.create_response(request, error_body(_("Findes ikke.")), status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = _("Log ind, eller send en API-nøgle: Authorization: Bearer <token>.")
    response = api.create_response(request, error_body(detail), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="OsteoFys"'
    return response


@api.exception_handler(RequestDataTooBig)
def _request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; say so in JSON.
    return _too_large_answer(request, body_too_large())


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, TooLargeError):
        # ninja wraps every exception of the body parser in a 400; the real answer is kept.
        return _too_large_answer(request, exc.__cause__)
    messages = {
        400: _("Anmodningens indhold er ikke gyldig JSON."),
        403: _("CSRF-tjekket fejlede: send X-CSRFToken-headeren med sessionens token."),
    }
    detail = messages.get(exc.status_code, str(exc))
    return api.create_response(request, error_body(detail), status=exc.status_code)
