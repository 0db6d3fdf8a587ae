"""Setup, login and the clinic admin's user management."""

from __future__ import annotations

from functools import wraps
from ipaddress import ip_address
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from osteofys.web.accounts import selectors, services
from osteofys.web.accounts.forms import SetupForm, UserCreateForm, UserEditForm


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
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Klinikken er oprettet. Velkommen til OsteoFys."))
        return redirect("records:patient_list")
    return render(request, "accounts/setup.html", {"form": form})


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
    return render(request, "accounts/user_list.html", {"users": selectors.user_list(clinic)})


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
