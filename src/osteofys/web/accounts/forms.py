"""Forms for setup and user administration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from osteofys.web.accounts.models import Role


class _PasswordPair(forms.Form):
    password1 = forms.CharField(label=_("Adgangskode"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Gentag adgangskode"), widget=forms.PasswordInput, strip=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("De to adgangskoder er ikke ens."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"], User(username=data.get("username", "")))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class _Username(forms.Form):
    username = forms.RegexField(
        label=_("Brugernavn"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Kun bogstaver, tal og . @ + - _ er tilladt.")},
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Brugernavnet er allerede i brug."))
        return username


class SetupForm(_Username, _PasswordPair):
    clinic_name = forms.CharField(label=_("Klinikkens navn"), max_length=200)
    full_name = forms.CharField(label=_("Dit navn"), max_length=150)
    field_order = ["clinic_name", "full_name", "username", "password1", "password2"]


class UserCreateForm(_Username, _PasswordPair):
    full_name = forms.CharField(label=_("Navn"), max_length=150)
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices, initial=Role.CLINICIAN)
    field_order = ["full_name", "username", "role", "password1", "password2"]


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Navn"), max_length=150)
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)
    active = forms.BooleanField(label=_("Aktiv (kan logge ind)"), required=False)


class TwoFactorCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Kode fra godkendelsesappen"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Koden er 6 cifre (0–9).")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class TwoFactorRemoveForm(forms.Form):
    """Turning two-factor login off asks once more who you are: a current code or the password."""

    code = forms.RegexField(
        label=_("Kode fra godkendelsesappen"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": _("Koden er 6 cifre (0–9).")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
    password = forms.CharField(
        label=_("… eller din adgangskode"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("code") and not data.get("password") and not self.errors:
            self.add_error("code", _("Skriv en kode fra appen eller din adgangskode."))
        return data


class ClinicSecurityForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Kræv to-faktor-login for alle klinikkens brugere"), required=False
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Navn på tokenet"),
        max_length=100,
        help_text=_("Hvad det bruges til, fx “journalintegration” eller “Excel-udtræk”."),
    )
