"""Forms.

The assessment form mirrors the case format; the clinical core does the validation of ranges and
dates, so its messages (naming the field and what is allowed) are the ones shown.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, assert_never

from django import forms
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext_lazy as _

from osteofys.rules.case import (
    DECISION,
    DECISION_FIELDS,
    FRACTURE_FIELDS,
    AcuteAction,
    FieldKind,
    FieldSpec,
    case_fields,
)
from osteofys.rules.limits import EARLIEST_DATE, MAX_REASON_CHARS
from osteofys.web.records import clinical
from osteofys.web.records.cpr import masked, normalise
from osteofys.web.records.models import CATEGORY_CHOICES, Patient, TestName

TRI = [("", _("Ikke angivet")), ("true", _("Ja")), ("false", _("Nej"))]
# Taken from the patient record, not typed again on every assessment.
FROM_PATIENT = {"patient.birth_date", "patient.sex"}


def as_typed(value: Any) -> Any:
    """A stored number as a clinician writes it: 50 not "50,0", 8,5 with the locale's comma.

    `repr` gives the shortest text that reads back as the same float (0.1 stays 0.1), and
    Decimal writes it without an exponent. Anything else (a typed string) is shown as it is.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    try:
        text = f"{Decimal(repr(value) if isinstance(value, float) else value):f}"
    except InvalidOperation:
        return value  # nan or inf: no clinical value; shown as Python writes it
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


class MeasureInput(forms.TextInput):
    """A text box for a measurement: the phone's decimal keypad, the value as it was typed.

    Not `type=number`: Chromium's number box refuses the Danish decimal comma in some locales
    and changes the value on a scroll of the mouse wheel.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if value == "" or value is None:
            return None
        return str(as_typed(value))


class MeasureField(forms.FloatField):
    """A decimal measurement that accepts 8,5 and 8.5 and shows 50 as 50.

    FloatField with localize=True shows a stored 50.0 as "50,0".
    """

    widget = MeasureInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", MeasureInput)
        super().__init__(**kwargs)


def _label(path: str) -> str:
    return clinical.base().texts.field_label(path, clinical.lang()) or path


def choice_labels(path: str, spec: FieldSpec) -> list[tuple[str, str]]:
    """The values of a choice field (rules.case) with their words (texts.toml `[choices]`)."""
    return clinical.base().texts.choice_words(path, spec.values, clinical.lang())


def _tri(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


def _field(path: str, spec: FieldSpec) -> forms.Field:
    ranges = clinical.base().knowledge.input_ranges
    label = _label(path)
    help_text = ""
    if path in ranges:
        low, high = ranges[path]
        help_text = f"{low:g}–{high:g}".replace(".", ",")
    match spec.kind:
        case FieldKind.NUMBER | FieldKind.NUMBER_OR_UNABLE:
            # "Unable" has its own box (`tests__sts_unable`).
            return MeasureField(label=label, required=False, help_text=help_text)
        case FieldKind.INTEGER:
            return forms.IntegerField(label=label, required=False, help_text=help_text)
        case FieldKind.BOOLEAN:
            return forms.TypedChoiceField(
                label=label, choices=TRI, coerce=_tri, required=False, empty_value=None
            )
        case FieldKind.CHOICE:
            options = [("", _("Ikke angivet")), *choice_labels(path, spec)]
            return forms.ChoiceField(label=label, choices=options, required=False)
        case FieldKind.DATE:
            return forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        case FieldKind.TEXT:
            return forms.CharField(
                label=label,
                required=False,
                max_length=MAX_REASON_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        case FieldKind.CONDITIONS:
            conditions = clinical.base().texts.conditions
            options = [(c, label(clinical.lang())) for c, label in conditions.items()]
            return forms.MultipleChoiceField(
                label=label, choices=options, required=False, widget=forms.CheckboxSelectMultiple
            )
        case _:
            assert_never(spec.kind)


class AssessmentForm(forms.Form):
    """One field per case field, named `section__field` (e.g. `tests__tug_s`)."""

    assessment_date = forms.DateField(
        label=_("Undersøgelsesdato"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    tests__sts_unable = forms.BooleanField(
        label=_("Kunne ikke rejse sig 5 gange uden armene"), required=False
    )
    # Never ticked in advance: unticked with no rows is "not recorded", not "no fractures".
    fractures_recorded = forms.BooleanField(
        label=_("Brudhistorik er gennemgået (ingen rækker = ingen brud)"),
        required=False,
    )
    # Without it an unticked list would say "none of these diseases" for a question not asked.
    risk_factors__conditions_none = forms.BooleanField(
        label=_("Ingen af disse sygdomme"), required=False
    )
    hirit = forms.BooleanField(
        label=_("Åbn for HiRIT ved træningsaktiv med hensyn (superviseret)"), required=False
    )
    # The clinician's acute-phase decision (case `acute_phase_decision`; issue 15, item 6). Its
    # words come from the knowledge base; the core checks it and refuses it with its reason.
    acute_phase_decision__action = forms.ChoiceField(required=False)
    acute_phase_decision__site = forms.ChoiceField(required=False)
    acute_phase_decision__reason = forms.CharField(
        required=False,
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    final_category = forms.ChoiceField(
        label=_("Valgt kategori"), choices=[("", "—"), *CATEGORY_CHOICES], required=False
    )
    override_reason = forms.CharField(
        label=_("Begrundelse, hvis du vælger en anden kategori end forslaget"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for path, spec in case_fields().items():
            if path not in FROM_PATIENT:
                self.fields[path.replace(".", "__")] = _field(path, spec)
        for name, spec in DECISION_FIELDS.items():
            path = f"{DECISION}.{name}"
            field = self.fields[path.replace(".", "__")]
            field.label = _label(path)
            if isinstance(field, forms.ChoiceField):
                field.choices = [("", "—"), *choice_labels(path, spec)]
        names = [n for n in self.fields if n != "risk_factors__conditions_none"]
        at = names.index("risk_factors__conditions") + 1
        self.order_fields(["assessment_date", *names[:at], "risk_factors__conditions_none"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("risk_factors__conditions") and data.get("risk_factors__conditions_none"):
            self.add_error(
                "risk_factors__conditions_none",
                _("Sæt enten flueben ved sygdommene eller ved “Ingen af disse sygdomme”."),
            )
        return data

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The bound fields grouped by case section, in the order of the case format."""
        return [
            (section, [self[n] for n in self.fields if n.startswith(f"{section}__")])
            for section in dict.fromkeys(path.split(".", 1)[0] for path in case_fields())
        ]

    def to_case(self, patient: Patient, fractures: list[dict[str, Any]] | None) -> dict[str, Any]:
        """The case dict (case-format.md) from the cleaned data and the patient record."""
        data = self.cleaned_data
        case: dict[str, Any] = {
            "format": "osteofys.case/1",
            "assessment_date": (data.get("assessment_date") or timezone.localdate()).isoformat(),
            "patient": {"birth_date": patient.birth_date.isoformat(), "sex": patient.sex},
        }
        for path, spec in case_fields().items():
            if path in FROM_PATIENT:
                continue
            section, name = path.split(".", 1)
            value = data.get(path.replace(".", "__"))
            if isinstance(value, date):
                value = value.isoformat()
            if spec.kind is FieldKind.CONDITIONS:
                # No box ticked is "not recorded"; "none of these" is said with its own box.
                none = data.get("risk_factors__conditions_none")
                value = list(value) if value else ([] if none else None)
            elif value == "":
                value = None
            case.setdefault(section, {})[name] = value
        if data.get("tests__sts_unable"):
            case["tests"]["sit_to_stand_5x_s"] = "unable"
        if case.get("dxa") and all(v is None for v in case["dxa"].values()):
            case["dxa"] = None
        # A fracture row that was filled in counts even when the box was left unticked: the
        # clinician has said there was that fracture, and dropping it (fractures -> None) would
        # hide a recent vertebral fracture's acute phase and flexion precautions (P1/P2). An
        # error instead would keep the live result wrong until the box is ticked. The box is
        # still needed to say "reviewed: no fractures" (an empty list).
        reviewed = data.get("fractures_recorded") or bool(fractures)
        case["fractures"] = fractures if reviewed else None
        decision = self.decision()
        if decision is not None:
            case[DECISION] = decision
        return case

    def decision(self) -> dict[str, Any] | None:
        """The acute-phase decision as the case format has it, or None when none is chosen.

        The site goes with "start" only: a site left in the select from an earlier choice is not
        a site given with "end".
        """
        data = self.cleaned_data
        action = data.get("acute_phase_decision__action")
        if not action:
            return None
        decision: dict[str, Any] = {
            "action": action,
            "reason": data.get("acute_phase_decision__reason") or None,
        }
        if action == AcuteAction.START:
            decision["site"] = data.get("acute_phase_decision__site") or None
        return decision


def _check_past_date(form: forms.BaseForm, field: str, when: date | None) -> None:
    """A date of something that has happened: from 1900 (as in the case format) up to today."""
    today = timezone.localdate()
    if when is not None and not EARLIEST_DATE <= when <= today:
        limits = {"low": date_format(EARLIEST_DATE, "j. F Y"), "high": date_format(today, "j. F Y")}
        form.add_error(field, _("Datoen skal ligge mellem %(low)s og %(high)s.") % limits)


def _check_range(form: forms.BaseForm, field: str, path: str, value: float | None) -> None:
    """The allowed range of a case field (input_ranges.toml), as an inline Danish error."""
    low, high = clinical.base().knowledge.input_ranges[path]
    if value is not None and not low <= value <= high:
        limits = {"low": f"{low:g}", "high": f"{high:g}"}
        form.add_error(field, _("Skal være mellem %(low)s og %(high)s.") % limits)


def _site_choices() -> list[tuple[str, str]]:
    return [("", "—"), *choice_labels("fractures.site", FRACTURE_FIELDS["site"])]


class FractureForm(forms.Form):
    # The words follow the language of the request, as the field labels do.
    site = forms.ChoiceField(label=_("Sted"), choices=_site_choices, required=False)
    date = forms.DateField(
        label=_("Dato"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    low_energy = forms.TypedChoiceField(
        label=_("Lavenergi (fald fra egen højde eller mindre)"),
        choices=TRI,
        coerce=_tri,
        required=False,
        empty_value=None,
    )

    def as_case(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data or not data.get("site"):
            return None
        when = data.get("date")
        return {
            "site": data["site"],
            "date": when.isoformat() if when else None,
            "low_energy": data.get("low_energy"),
        }


FractureFormSet = forms.formset_factory(FractureForm, extra=0, can_delete=True, max_num=20)


def _version_field() -> forms.IntegerField:
    """The version the edit form was loaded with; a save from an older one is a conflict."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def posted_version(data: Any) -> int | None:
    """The version posted by a form without a Django form class (the plan's buttons)."""
    raw = str(data.get("version", ""))
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


# The patient's own contact details and their GP (the GP letter is addressed to the GP).
CONTACT_FIELDS = ("phone", "email", "gp_name", "gp_clinic", "gp_address", "gp_phone")
_PHONE = re.compile(r"^\+?[\d ()-]{6,}$")


class PatientForm(forms.ModelForm):  # type: ignore[type-arg]
    version = _version_field()

    class Meta:
        model = Patient
        fields = ["name", "birth_date", "sex", "height_cm", "weight_kg", "cpr", *CONTACT_FIELDS]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "height_cm": MeasureInput,
            "weight_kg": MeasureInput,
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "gp_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }
        error_messages = {
            "email": {"invalid": _("E-mail: skriv en gyldig adresse, fx navn@eksempel.dk.")},
        }
        # Under the legend "Egen læge": the field is the doctor's name.
        labels = {"gp_name": _("Lægens navn")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["height_cm"].localize = True
        self.fields["weight_kg"].localize = True
        self.fields["cpr"].help_text = _("Valgfrit. Vises maskeret.")
        self.fields["cpr"].widget.attrs["autocomplete"] = "off"
        # DDMMÅÅ-XXXX is 11 characters; clean_cpr stores the 10 digits.
        cpr_field = self.fields["cpr"]
        assert isinstance(cpr_field, forms.CharField)
        cpr_field.max_length = 11
        cpr_field.validators = []
        self.fields["cpr"].widget.attrs["maxlength"] = 11
        if self.instance and self.instance.pk:
            self.initial["version"] = self.instance.version
        if self.instance and self.instance.cpr:
            # The full number is never sent back to the browser: blank keeps the stored one.
            self.fields["cpr"].help_text = _(
                "Registreret: %(masked)s. Lad feltet stå tomt for at beholde det."
            ) % {"masked": masked(self.instance.cpr)}
            self.initial["cpr"] = ""
        ranges = clinical.base().knowledge.input_ranges
        for field in ("height_cm", "weight_kg"):
            low, high = ranges[f"patient.{field}"]
            self.fields[field].help_text = f"{low:g}–{high:g}"

    def clean_cpr(self) -> str:
        raw = self.cleaned_data.get("cpr") or ""
        if not raw:
            return self.instance.cpr if self.instance and self.instance.pk else ""
        cpr = normalise(raw)
        if cpr is None:
            raise forms.ValidationError(
                _("CPR-nummeret skal skrives DDMMÅÅ-XXXX med en gyldig dato.")
            )
        return cpr

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in ("height_cm", "weight_kg"):
            _check_range(self, field, f"patient.{field}", data.get(field))
        born = data.get("birth_date")
        if born and born > timezone.localdate():
            self.add_error("birth_date", _("Fødselsdatoen kan ikke ligge i fremtiden."))
        else:
            _check_past_date(self, "birth_date", born)
        _check_gp_reachable(self, data)
        return data

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data.get("phone") or "", str(_("Telefon")))

    def clean_gp_phone(self) -> str:
        return _phone(self.cleaned_data.get("gp_phone") or "", str(_("Lægens telefon")))


def _phone(value: str, label: str) -> str:
    """A phone number as typed (spaces kept), if it is made of digits, spaces, + ( ) and -."""
    value = " ".join(value.split())
    if value and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 6):
        raise forms.ValidationError(
            _("%(field)s: kun cifre, mellemrum, + og -, mindst 6 cifre, fx 12 34 56 78.")
            % {"field": label}
        )
    return value


def _check_gp_reachable(form: forms.BaseForm, data: dict[str, Any]) -> None:
    """A GP given by name or clinic needs an address or a phone: the letter must reach them."""
    named = data.get("gp_name") or data.get("gp_clinic")
    reachable = data.get("gp_address") or data.get("gp_phone")
    if named and not reachable and "gp_phone" not in form.errors:
        form.add_error(
            "gp_address",
            _("Egen læge: skriv lægens adresse eller telefon, så lægebrevet kan nå frem."),
        )


class DecisionForm(forms.Form):
    """The clinician's choice of category on a stored assessment, and the reason for it."""

    final_category = forms.ChoiceField(label=_("Valgt kategori"), choices=CATEGORY_CHOICES)
    override_reason = forms.CharField(
        label=_("Begrundelse, hvis du vælger en anden kategori end forslaget"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    version = _version_field()

    # Whether the choice needs a reason is the service's rule (services.override_reason_for);
    # the view puts its refusal on the reason field.


class RetestForm(forms.Form):
    test = forms.ChoiceField(label=_("Test"), choices=TestName.choices)
    date = forms.DateField(
        label=_("Dato"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    value = MeasureField(label=_("Resultat"), required=False)
    unable = forms.BooleanField(label=_("Kunne ikke gennemføre"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        test, value = data.get("test"), data.get("value")
        # Checked first: a re-test "kunne ikke" is a result too, and never one from the future.
        _check_past_date(self, "date", data.get("date"))
        if test is None:
            return data  # not one of the tests: the choice field has said so
        if data.get("unable"):
            if test != "sit_to_stand_5x_s":
                self.add_error(
                    "unable",
                    _("“Kunne ikke gennemføre” kan kun registreres for 5 × rejse-sætte-sig."),
                )
            return data
        if value is None:
            self.add_error(
                "value", _("Skriv resultatet, eller sæt flueben i “Kunne ikke gennemføre”.")
            )
            return data
        _check_range(self, "value", f"tests.{test}", value)
        return data


class DoseForm(forms.Form):
    sets = forms.IntegerField(label=_("Sæt"), min_value=1, max_value=10, required=False)
    reps_min = forms.IntegerField(
        label=_("Gentagelser fra"), min_value=1, max_value=100, required=False
    )
    reps_max = forms.IntegerField(label=_("til"), min_value=1, max_value=100, required=False)
    hold_s_min = forms.IntegerField(
        label=_("Sekunder fra"), min_value=1, max_value=600, required=False
    )
    hold_s_max = forms.IntegerField(label=_("til"), min_value=1, max_value=600, required=False)
    minutes_min = forms.IntegerField(
        label=_("Minutter fra"), min_value=1, max_value=180, required=False
    )
    minutes_max = forms.IntegerField(label=_("til"), min_value=1, max_value=180, required=False)
    impacts = forms.IntegerField(label=_("Stød"), min_value=1, max_value=500, required=False)
    days_min = forms.IntegerField(label=_("Dage/uge fra"), min_value=1, max_value=7)
    days_max = forms.IntegerField(label=_("til"), min_value=1, max_value=7)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in ("reps", "hold_s", "minutes", "days"):
            low, high = data.get(f"{key}_min"), data.get(f"{key}_max")
            if (low is None) != (high is None):
                self.add_error(f"{key}_max", _("Udfyld både fra og til."))
            elif low is not None and high is not None and low > high:
                self.add_error(f"{key}_max", _("“Til” skal være mindst lige så stor som “fra”."))
        return data

    def dose(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {}
        if d.get("sets"):
            out["sets"] = d["sets"]
        for key, short in (("reps", "reps"), ("hold_s", "hold_s"), ("minutes", "minutes")):
            if d.get(f"{key}_min") is not None:
                out[short] = [d[f"{key}_min"], d[f"{key}_max"]]
        if d.get("impacts"):
            out["impacts"] = d["impacts"]
        out["days_per_week"] = [d["days_min"], d["days_max"]]
        return out

    @staticmethod
    def initial_from(dose: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {"sets": dose.get("sets"), "impacts": dose.get("impacts")}
        for key in ("reps", "hold_s", "minutes"):
            if dose.get(key):
                initial[f"{key}_min"], initial[f"{key}_max"] = dose[key]
        days = dose.get("days_per_week") or [2, 3]
        initial["days_min"], initial["days_max"] = days
        return initial
