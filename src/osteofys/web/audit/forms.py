"""The filter of the access-log page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from osteofys.web.accounts.models import Clinic
from osteofys.web.accounts.selectors import user_list
from osteofys.web.audit.models import Action, ObjectType

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The days a filter may name. Outside them the day's midnight cannot be converted to UTC (year 1)
# or the next day does not exist (year 9999); no access-log entry is from before 2000.
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


def _bounded(field: forms.DateField) -> forms.DateField:
    def check(when: date) -> None:
        if not EARLIEST <= when <= LATEST:
            raise forms.ValidationError(
                _("Datoen skal ligge mellem %(low)s og %(high)s."),
                code="out_of_range",
                params={
                    "low": date_format(EARLIEST, "j. F Y"),
                    "high": date_format(LATEST, "j. F Y"),
                },
            )

    field.validators.append(check)
    return field


class _UserChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.first_name} ({obj.username})" if obj.first_name else obj.username


class EntryFilterForm(forms.Form):
    user = _UserChoice(
        label=_("Bruger"), queryset=User.objects.none(), required=False, empty_label=_("Alle")
    )
    action = forms.ChoiceField(
        label=_("Handling"), choices=[("", _("Alle")), *Action.choices], required=False
    )
    object_type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Alle")), *ObjectType.choices], required=False
    )
    patient = forms.IntegerField(label=_("Patient-id"), min_value=1, required=False)
    date_from = _bounded(forms.DateField(label=_("Fra dato"), required=False, widget=_DATE))
    date_to = _bounded(forms.DateField(label=_("Til dato"), required=False, widget=_DATE))

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = user_list(clinic)  # only the clinic's own users can be chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("“Til dato” må ikke ligge før “Fra dato”."))
        return data

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.entry_list` from the fields that are valid."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        user = data.get("user")
        return {
            "user_id": user.pk if user else None,
            "action": data.get("action", ""),
            "object_type": data.get("object_type", ""),
            "patient_id": data.get("patient"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
