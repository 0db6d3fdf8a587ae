"""Setup, login (with the optional two-factor step) and the clinic admin's user management."""

from __future__ import annotations

from base64 import b32encode
from ipaddress import ip_address
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from osteofys.web.accounts import selectors, services, tokens
from osteofys.web.accounts.decorators import admin_required
from osteofys.web.accounts.forms import (
    ApiTokenForm,
    ClinicSecurityForm,
    ClinicSettingsForm,
    SetupForm,
    TwoFactorCodeForm,
    TwoFactorRemoveForm,
    UserCreateForm,
    UserEditForm,
)
from osteofys.web.accounts.middleware import EPOCH_KEY, TWO_FACTOR_PENDING_KEY
from osteofys.web.audit.context import forwarded_route
from osteofys.web.audit.models import Detail


def _from_localhost(request: HttpRequest) -> bool:
    # Local means every address the request passed is this computer: the client as the app
    # resolves it (the address the access log records) and every declared proxy in between.
    # Strict on purpose: forwarding headers that the configuration does not account for
    # (OSTEOFYS_TRUSTED_PROXIES=0, or fewer hops than declared) are refused even from 127.0.0.1,
    # because then REMOTE_ADDR is only the address of an undeclared proxy on this computer,
    # which may be forwarding for anyone on the network. A browser here sends no such headers.
    route = forwarded_route(request)
    return route is not None and all(_loopback(address) for address in route)


def _loopback(address: str) -> bool:
    try:
        return ip_address(address).is_loopback
    except ValueError:
        return False


def setup(request: HttpRequest) -> HttpResponse:
    """First-run page: creates the clinic and its admin. Only from this computer, only once.

    Once done it answers "already set up" (404: the page is gone), also to a request that lost
    the race against a concurrent setup: the database decides which one wins (SetupDone).
    """
    if not selectors.setup_needed():
        return _setup_done(request)
    if not _from_localhost(request):
        return render(request, "accounts/setup_remote.html", status=403)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.clinic_setup(
                clinic_name=data["clinic_name"],
                username=data["username"],
                password=data["password1"],
                full_name=data["full_name"],
            )
        except services.SetupAlreadyDoneError:
            return _setup_done(request)
        login(request, user, backend="osteofys.web.accounts.backends.ClinicModelBackend")
        messages.success(request, _("Klinikken er oprettet. Velkommen til OsteoFys."))
        return redirect("records:patient_list")
    return render(request, "accounts/setup.html", {"form": form})


def _setup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/setup_done.html", status=404)


class LoginView(auth_views.LoginView):
    """Password first; then, when the user or the clinic uses two-factor login, the code."""

    template_name = "accounts/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        profile = selectors.profile_of(user)
        # The session remembers the epoch it began under (see SessionEpochMiddleware).
        self.request.session[EPOCH_KEY] = profile.session_epoch if profile else 0
        if services.two_factor_needed(user):
            self.request.session[TWO_FACTOR_PENDING_KEY] = True
            self.request.session[_NEXT_KEY] = self.get_success_url()
            return redirect("accounts:two_factor")
        services.login_succeeded(user)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        # A locked-out attempt is logged as a lockout by `locked_out` instead.
        if not getattr(self.request, "axes_locked_out", False):
            services.login_failed(self.request.POST.get("username", ""), Detail.WRONG_PASSWORD)
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle_minutes"] = int(settings.IDLE_TIMEOUT.total_seconds() // 60)
        return context


_NEXT_KEY = "osteofys_two_factor_next"


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' answer to a locked-out login: a Danish page saying how long to wait."""
    services.login_locked_out(str((credentials or {}).get("username", "")))
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
    pending = bool(request.session.get(TWO_FACTOR_PENDING_KEY))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _code_accepted(form, device, "code"):
            return _two_factor_done(request, device, enrolling=enrolling)
        if pending:
            services.login_failed(user.username, Detail.WRONG_CODE)
    context: dict[str, Any] = {
        "form": form,
        "enrolling": enrolling,
        "pending": pending,
        "clinic_requires": selectors.clinic_of(user).require_two_factor,
        "remove_form": TwoFactorRemoveForm(),
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
    if request.session.pop(TWO_FACTOR_PENDING_KEY, None):
        services.login_succeeded(device.user)
    target = request.session.pop(_NEXT_KEY, "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "records:patient_list")


def _grouped(hex_key: str) -> str:
    """The shared secret as authenticator apps want it typed: base32, in groups of four."""
    text = b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _code_accepted(form: Any, device: TOTPDevice, field: str) -> bool:
    """Check the code in `form`'s `field` against the device (throttled); errors go on the form."""
    if not device.verify_is_allowed()[0]:
        form.add_error(field, _("For mange forkerte koder. Vent et øjeblik, og prøv igen."))
        return False
    if device.verify_token(form.cleaned_data[field]):
        return True
    form.add_error(field, _("Koden passer ikke eller er udløbet. Brug den nyeste kode fra appen."))
    return False


def _session_verified(request: HttpRequest, device: TOTPDevice) -> bool:
    """This session gave a code of `device` (at login or when it was set up)."""
    return bool(request.session.get(DEVICE_ID_SESSION_KEY) == device.persistent_id)


@require_POST
@login_required
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login off: only from a session that gave a code.

    It also takes a current code or the password once more (a session left open on a shared PC is
    not enough).
    """
    user = cast(User, request.user)  # login_required
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:two_factor")
    if selectors.clinic_of(user).require_two_factor:
        messages.error(request, _("Klinikken kræver to-faktor-login: det kan ikke slås fra."))
        return redirect("accounts:two_factor")
    if not _session_verified(request, device):
        messages.error(
            request,
            _("Log ud og ind igen med en kode fra appen, før du slår to-faktor-login fra."),
        )
        return redirect("accounts:two_factor")
    form = TwoFactorRemoveForm(request.POST)
    if form.is_valid() and _identity_confirmed(form, user, device):
        services.totp_device_remove(user)
        messages.success(request, _("To-faktor-login er slået fra."))
        return redirect("accounts:two_factor")
    context = {"remove_form": form, "enrolling": False, "pending": False, "form": None}
    return render(request, "accounts/two_factor.html", context, status=400)


def _identity_confirmed(form: TwoFactorRemoveForm, user: User, device: TOTPDevice) -> bool:
    if form.cleaned_data["code"]:
        return _code_accepted(form, device, "code")
    if user.check_password(form.cleaned_data["password"]):
        return True
    form.add_error("password", _("Adgangskoden er forkert."))
    return False


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """The user's own new password (the current one required).

    Other sessions and the user's API tokens end; this session stays signed in.
    """
    user = cast(User, request.user)  # login_required
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(
            request,
            _("Din adgangskode er skiftet. Andre sessioner og dine API-nøgler er afsluttet."),
        )
        return redirect("records:patient_list")
    context = {"form": form, "temporary": user.profile.must_change_password}
    return render(request, "accounts/password_change.html", context)


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    clinic = selectors.clinic_of(request.user)
    security = ClinicSecurityForm(initial={"require_two_factor": clinic.require_two_factor})
    context = {
        "users": selectors.user_list(clinic),
        "security": security,
        "locked": selectors.locked_out_usernames(clinic),
        "two_factor": selectors.two_factor_usernames(clinic),
    }
    return render(request, "accounts/user_list.html", context)


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
def clinic_settings(request: HttpRequest) -> HttpResponse:
    """The clinic's name, address, phone, e-mail and logo (for the handout and the GP letter)."""
    clinic = selectors.clinic_of(request.user)
    form = ClinicSettingsForm(
        request.POST or None,
        request.FILES or None,
        has_logo=bool(clinic.logo),
        initial={
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "email": clinic.email,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("logo_file")
        services.clinic_update(
            clinic,
            name=data["name"],
            address=data["address"],
            phone=data["phone"],
            email=data["email"],
            logo=services.Logo(*upload) if upload else None,
            remove_logo=bool(data.get("logo_remove")),
        )
        messages.success(request, _("Klinikkens oplysninger er gemt."))
        return redirect("accounts:clinic_settings")
    return render(request, "accounts/clinic_settings.html", {"form": form, "clinic": clinic})


@login_required
def clinic_logo(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own clinic's logo (the GP letter page shows it); 404 without one."""
    clinic = selectors.clinic_of(request.user)
    if not clinic.logo or clinic.logo_type not in ("image/png", "image/jpeg"):
        raise Http404
    response = HttpResponse(bytes(clinic.logo), content_type=clinic.logo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


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
    if request.method == "POST" and form.is_valid() and _user_saved(request, form, user):
        messages.success(request, _("Brugeren er gemt."))
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", _user_edit_context(form, user))


def _user_saved(request: HttpRequest, form: UserEditForm, user: User) -> bool:
    if user.pk == request.user.pk and not form.cleaned_data["active"]:
        form.add_error("active", _("Du kan ikke deaktivere dig selv."))
        return False
    try:
        services.user_update(
            user=user,
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            active=form.cleaned_data["active"],
        )
    except services.LastAdminError:
        form.add_error(
            "role",
            _(
                "Klinikken skal have mindst én aktiv klinikadministrator. Gør en anden bruger"
                " til administrator først."
            ),
        )
        return False
    return True


def _user_edit_context(form: UserEditForm, user: User) -> dict[str, Any]:
    clinic = user.profile.clinic
    return {
        "form": form,
        "edited": user,
        "locked": user.username in selectors.locked_out_usernames(clinic),
        "has_two_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }


def _colleague(request: HttpRequest, user_id: int) -> User:
    """Another user of the admin's clinic; a 404 for anyone else, oneself included.

    One's own password and two-factor login are changed on one's own pages, with a code or password.
    """
    user = selectors.user_get(selectors.clinic_of(request.user), user_id)
    if user.pk == request.user.pk:
        raise Http404
    return user


@admin_required
def user_two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _colleague(request, user_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.two_factor_reset(user=user)
    messages.success(
        request,
        _("To-faktor-login er nulstillet for %(name)s. Brugerens sessioner er afsluttet.")
        % {"name": user.first_name or user.username},
    )
    return redirect("accounts:user_edit", user_id=user.pk)


@admin_required
def user_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """A temporary password for a colleague, shown once on this page only."""
    user = _colleague(request, user_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    password = services.password_set_temporary(user=user)
    response = render(
        request, "accounts/temporary_password.html", {"edited": user, "password": password}
    )
    add_never_cache_headers(response)
    return response


@admin_required
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    # Looked up first: another clinic's user id is a 404 whatever the method.
    user = selectors.user_get(selectors.clinic_of(request.user), user_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.login_unlock(user=user)
    messages.success(
        request, _("%(name)s kan logge ind igen.") % {"name": user.first_name or user.username}
    )
    return redirect("accounts:user_list")


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
    messages.success(request, _("API-nøglen er tilbagekaldt og virker ikke længere."))
    return redirect("accounts:token_list")
