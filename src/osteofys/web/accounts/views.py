"""Setup, login (with the optional two-factor step) and the clinic admin's user management."""

from __future__ import annotations

from base64 import b32encode
from functools import wraps
from ipaddress import ip_address
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from osteofys.web.accounts import selectors, services, tokens
from osteofys.web.accounts.forms import (
    ApiTokenForm,
    ClinicSecurityForm,
    SetupForm,
    TwoFactorCodeForm,
    UserCreateForm,
    UserEditForm,
)
from osteofys.web.accounts.middleware import TWO_FACTOR_PENDING_KEY


def _from_localhost(request: HttpRequest) -> bool:
    try:
        return ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def setup(request: HttpRequest) -> HttpResponse:
    """First-run page: creates the clinic and its admin. Only from this computer, only once."""
    if not selectors.setup_needed():
        raise Http404
    if not _from_localhost(request):
        return render(request, "accounts/setup_remote.html", status=403)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.clinic_setup(
            clinic_name=data["clinic_name"],
            username=data["username"],
            password=data["password1"],
            full_name=data["full_name"],
        )
        login(request, user, backend="osteofys.web.accounts.backends.ClinicModelBackend")
        messages.success(request, _("Klinikken er oprettet. Velkommen til OsteoFys."))
        return redirect("records:patient_list")
    return render(request, "accounts/setup.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Password first; then, when the user or the clinic uses two-factor login, the code."""

    template_name = "accounts/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if services.two_factor_needed(form.get_user()):
            self.request.session[TWO_FACTOR_PENDING_KEY] = True
            self.request.session[_NEXT_KEY] = self.get_success_url()
            return redirect("accounts:two_factor")
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle_minutes"] = int(settings.IDLE_TIMEOUT.total_seconds() // 60)
        return context


_NEXT_KEY = "osteofys_two_factor_next"


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' answer to a locked-out login: a Danish page saying how long to wait."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Ask for the code of the user's authenticator, or set one up (QR code) if there is none."""
    user = cast(User, request.user)  # login_required
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = services.totp_device_pending(user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", _("For mange forkerte koder. Vent et øjeblik, og prøv igen."))
        elif device.verify_token(form.cleaned_data["code"]):
            return _two_factor_done(request, device, enrolling=enrolling)
        else:
            form.add_error(
                "code", _("Koden passer ikke eller er udløbet. Brug den nyeste kode fra appen.")
            )
    context: dict[str, Any] = {
        "form": form,
        "enrolling": enrolling,
        "pending": bool(request.session.get(TWO_FACTOR_PENDING_KEY)),
        "clinic_requires": selectors.clinic_of(user).require_two_factor,
    }
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=5, title=_("QR-kode til godkendelsesappen")
        )
        context["secret"] = _grouped(device.key)
    return render(request, "accounts/two_factor.html", context)


def _two_factor_done(request: HttpRequest, device: TOTPDevice, *, enrolling: bool) -> HttpResponse:
    if enrolling:
        services.totp_device_confirm(device)
        messages.success(request, _("To-faktor-login er sat op."))
    otp_login(request, device)
    request.session.pop(TWO_FACTOR_PENDING_KEY, None)
    target = request.session.pop(_NEXT_KEY, "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "records:patient_list")


def _grouped(hex_key: str) -> str:
    """The shared secret as authenticator apps want it typed: base32, in groups of four."""
    text = b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_POST
@login_required
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    if selectors.clinic_of(request.user).require_two_factor:
        messages.error(request, _("Klinikken kræver to-faktor-login: det kan ikke slås fra."))
    else:
        services.totp_device_remove(cast(User, request.user))
        messages.success(request, _("To-faktor-login er slået fra."))
    return redirect("accounts:two_factor")


def admin_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = getattr(request.user, "profile", None)
        if profile is None or not profile.is_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    clinic = selectors.clinic_of(request.user)
    security = ClinicSecurityForm(initial={"require_two_factor": clinic.require_two_factor})
    return render(
        request,
        "accounts/user_list.html",
        {"users": selectors.user_list(clinic), "security": security},
    )


@require_POST
@admin_required
def clinic_security(request: HttpRequest) -> HttpResponse:
    form = ClinicSecurityForm(request.POST)
    if form.is_valid():
        required = form.cleaned_data["require_two_factor"]
        services.clinic_two_factor_set(selectors.clinic_of(request.user), required=required)
        messages.success(
            request,
            _("To-faktor-login er nu krævet. Det gælder fra hver brugers næste login.")
            if required
            else _("To-faktor-login er ikke længere krævet."),
        )
    return redirect("accounts:user_list")


@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    clinic = selectors.clinic_of(request.user)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_create(
            clinic=clinic,
            username=data["username"],
            password=data["password1"],
            full_name=data["full_name"],
            role=data["role"],
        )
        messages.success(request, _("Brugeren er oprettet."))
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@admin_required
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    clinic = selectors.clinic_of(request.user)
    user = selectors.user_get(clinic, user_id)
    initial = {"full_name": user.first_name, "role": user.profile.role, "active": user.is_active}
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if user.pk == request.user.pk and not form.cleaned_data["active"]:
            form.add_error("active", _("Du kan ikke deaktivere dig selv."))
        else:
            services.user_update(
                user=user,
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                active=form.cleaned_data["active"],
            )
            messages.success(request, _("Brugeren er gemt."))
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "edited": user})


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens; a new one's secret is shown in this response only."""
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = tokens.api_token_create(
            user=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
        )
        form = ApiTokenForm()
    context = {
        "form": form,
        "tokens": tokens.api_token_list(request.user),  # type: ignore[arg-type]
        "issued": issued,
    }
    response = render(request, "accounts/token_list.html", context)
    # The secret must not stay in a cache or the browser's history of pages.
    add_never_cache_headers(response)
    return response


@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Looked up first: another user's token id is a 404 whatever the method.
    token = tokens.api_token_get(request.user, token_id)  # type: ignore[arg-type]
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    tokens.api_token_revoke(token=token)
    messages.success(request, _("Tokenet er tilbagekaldt og virker ikke længere."))
    return redirect("accounts:token_list")
