"""Forms for setup and user administration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from osteofys.documents.render import logo_readable
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
        label=_("Navn på API-nøglen"),
        max_length=100,
        help_text=_("Hvad det bruges til, fx “journalintegration” eller “Excel-udtræk”."),
    )


# The logo is printed a few centimetres wide on A4; 512 KB is ample for that and keeps the
# database (where the logo lives, see Clinic.logo) and every PDF small.
LOGO_MAX_BYTES = 512 * 1024
# Recognised by the file's first bytes, not its name or the browser's word: typst reads these two.
_LOGO_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_type(data: bytes) -> str | None:
    """'image/png' or 'image/jpeg' from the file's magic bytes; None for anything else."""
    for magic, content_type in _LOGO_MAGIC.items():
        if data.startswith(magic):
            return content_type
    return None


class ClinicSettingsForm(forms.Form):
    """The clinic's name, contact details and logo, printed on the handout and the GP letter.

    A plain form (not a ModelForm): the service `clinic_update` does the writing.
    """

    name = forms.CharField(
        label=_("Klinikkens navn"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    address = forms.CharField(
        label=_("Adresse"),
        max_length=300,
        required=False,
        help_text=_("Som den skal stå på brevet, fx “Algade 1, 4000 Roskilde”."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label=_("Telefon"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        error_messages={"invalid": _("E-mail: skriv en gyldig adresse, fx klinik@eksempel.dk.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    logo_file = forms.FileField(
        label=_("Billedfil"),
        required=False,
        help_text=_("PNG eller JPEG, højst 512 KB. Vises på patienthæftet og lægebrevet."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    logo_remove = forms.BooleanField(label=_("Fjern logoet"), required=False)

    def __init__(self, *args: Any, has_logo: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_logo:
            del self.fields["logo_remove"]

    def clean_logo_file(self) -> tuple[bytes, str] | None:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("Logo: filen er for stor (%(size)s KB). Højst %(max)s KB.")
                % {"size": -(-upload.size // 1024), "max": LOGO_MAX_BYTES // 1024}
            )
        data = upload.read()
        content_type = logo_type(data)
        if content_type is None:
            raise forms.ValidationError(
                _(
                    "Logo: filen er hverken PNG eller JPEG."
                    " Tilladt: PNG eller JPEG, højst %(max)s KB."
                )
                % {"max": LOGO_MAX_BYTES // 1024}
            )
        if not logo_readable(data, content_type):
            raise forms.ValidationError(
                _(
                    "Logo: billedet kan ikke læses (filen er måske beskadiget)."
                    " Gem det igen som PNG eller JPEG, og prøv igen."
                )
            )
        return data, content_type
