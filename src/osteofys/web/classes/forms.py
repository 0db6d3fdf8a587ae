"""Forms of group classes: the class itself, enrolling a patient, attendance and the test days.

Every error names its field and, for numbers and dates, the range allowed (in Danish).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from osteofys.web.classes import selectors
from osteofys.web.classes.services import RetestEntry
from osteofys.web.records import clinical
from osteofys.web.records.forms import RetestForm
from osteofys.web.records.models import Patient, TestName
from osteofys.web.training.models import Attendance

# The earliest start date a class may have; the latest is two years from today.
EARLIEST_START = date(2000, 1, 1)
LATEST_START_DAYS = 2 * 365
NAME_LENGTH = 200

# The tests of a test day, in the order of the columns (grip strength is not a class test).
TEST_DAY_TESTS = (
    TestName.TUG,
    TestName.STS5,
    TestName.TANDEM,
    TestName.CHAIR30,
    TestName.ONE_LEG,
    TestName.GAIT,
)


def weekday_name(iso: int) -> str:
    """'mandag' ... 'søndag' (Django's own words, in the active language)."""
    return str(WEEKDAYS[iso - 1])


def weekday_short(iso: int) -> str:
    return capfirst(str(WEEKDAYS_ABBR[iso - 1]))


def _weekday_choices() -> list[tuple[str, str]]:
    return [(str(d), weekday_short(d)) for d in selectors.WEEKDAYS]


class TherapistField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class ClassForm(forms.Form):
    name = forms.CharField(
        label=_("Navn"),
        max_length=NAME_LENGTH,
        error_messages={
            "required": _("Navn: skriv holdets navn."),
            "max_length": _("Navn: højst %(limit_value)d tegn (du har skrevet %(show_value)d)."),
        },
    )
    therapist = TherapistField(
        label=_("Terapeut"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Ikke valgt"),
        error_messages={"invalid_choice": _("Terapeut: vælg en af klinikkens brugere.")},
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Ugedage"),
        choices=_weekday_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Ugedage: vælg mindst én ugedag (mandag–søndag)."),
            "invalid_choice": _("Ugedage: vælg blandt mandag–søndag."),
            "invalid_list": _("Ugedage: vælg blandt mandag–søndag."),
        },
    )
    start_time = forms.TimeField(
        label=_("Tidspunkt"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Tidspunkt: skriv et klokkeslæt mellem 00:00 og 23:59, fx 10:00."),
            "invalid": _("Tidspunkt: skriv et klokkeslæt mellem 00:00 og 23:59, fx 10:00."),
        },
    )
    start_date = forms.DateField(
        label=_("Startdato"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Startdato: skriv holdets første dato."),
            "invalid": _("Startdato: skriv en gyldig dato, fx 7.12.2026."),
        },
    )
    weeks = forms.IntegerField(
        label=_("Antal uger"),
        min_value=1,
        max_value=selectors.MAX_WEEKS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("1–52"),
        error_messages={
            "required": _("Antal uger: skriv et helt tal mellem 1 og 52."),
            "invalid": _("Antal uger: skriv et helt tal mellem 1 og 52."),
            "min_value": _("Antal uger: skriv et helt tal mellem 1 og 52."),
            "max_value": _("Antal uger: skriv et helt tal mellem 1 og 52."),
        },
    )
    location = forms.CharField(
        label=_("Sted"),
        max_length=NAME_LENGTH,
        required=False,
        error_messages={
            "max_length": _("Sted: højst %(limit_value)d tegn (du har skrevet %(show_value)d)."),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        therapist = self.fields["therapist"]
        assert isinstance(therapist, TherapistField)
        therapist.queryset = selectors.therapists(clinic_id)

    def clean_start_date(self) -> date | None:
        when: date | None = self.cleaned_data.get("start_date")
        latest = timezone.localdate() + timedelta(days=LATEST_START_DAYS)
        if when is not None and not EARLIEST_START <= when <= latest:
            raise forms.ValidationError(
                _("Startdato: skal ligge mellem %(low)s og %(high)s.")
                % {
                    "low": date_format(EARLIEST_START, "j. F Y"),
                    "high": date_format(latest, "j. F Y"),
                }
            )
        return when

    def clean_weekdays(self) -> list[int]:
        return sorted({int(d) for d in self.cleaned_data.get("weekdays") or ()})

    @staticmethod
    def initial_from(training_class: Any) -> dict[str, Any]:
        return {
            "name": training_class.name,
            "therapist": training_class.therapist_id,
            "weekdays": [str(d) for d in training_class.weekdays],
            "start_time": training_class.start_time,
            "start_date": training_class.start_date,
            "weeks": training_class.weeks,
            "location": training_class.location,
            "version": training_class.version,
        }


class EnrolForm(forms.Form):
    """Which patient to enrol: only the clinic's own patients are valid choices."""

    patient = forms.ModelChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Patient: vælg en patient fra søgningen."),
            "invalid_choice": _("Patient: vælg en patient fra klinikkens liste."),
        },
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        patient = self.fields["patient"]
        assert isinstance(patient, forms.ModelChoiceField)
        patient.queryset = Patient.objects.filter(clinic_id=clinic_id)


ATTENDANCE_FORM_ID = "attendance-form"


def attendance_field_name(patient_id: int) -> str:
    return f"fremmoede-{patient_id}"


class AttendanceForm(forms.Form):
    """One choice per participant (Mødt / Meldt afbud / Udeblevet); left blank: not saved."""

    def __init__(
        self, *args: Any, patient_ids: Sequence[int], names: dict[int, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for pid in patient_ids:
            self.fields[attendance_field_name(pid)] = forms.ChoiceField(
                label=names.get(pid, ""),
                choices=Attendance.choices,
                required=False,
                # The radios sit in each participant's row, outside the form element (a row may
                # hold that participant's open log, a form of its own): tied by the form id.
                widget=forms.RadioSelect(attrs={"form": ATTENDANCE_FORM_ID}),
                error_messages={
                    "invalid_choice": _(
                        "Fremmøde for %(name)s: vælg Mødt, Meldt afbud eller Udeblevet."
                    )
                    % {"name": names.get(pid, "")}
                },
            )

    def chosen(self) -> dict[int, str]:
        """Patient id -> attendance, for the participants one was chosen for."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value:
                out[int(name.rsplit("-", 1)[1])] = value
        return out


def retest_prefix(patient_id: int, test: str) -> str:
    return f"t{patient_id}-{test}"


class TestDayCell:
    """One participant's one test on the test day: records' RetestForm, date and test fixed."""

    def __init__(
        self, patient: Patient, test: str, day: date, data: Any | None, stored: Any | None
    ) -> None:
        self.patient = patient
        self.test = test
        self.stored = stored  # a Retest already recorded that day: shown, not entered again
        self.prefix = retest_prefix(patient.pk, test)
        self.label = clinical.test_label(test)
        low, high = clinical.base().knowledge.input_ranges[f"tests.{test}"]
        # Word joiners: "0–60" never breaks at its dash (the phone's label above the box).
        self.range = f"{low:g}\u2060–\u2060{high:g}".replace(".", ",")
        self.can_be_unable = test == TestName.STS5
        bound = None
        if data is not None and stored is None:
            value = str(data.get(f"{self.prefix}-value", "")).strip()[:30]
            unable = bool(data.get(f"{self.prefix}-unable")) if self.can_be_unable else False
            if value or unable:
                bound = {
                    f"{self.prefix}-test": test,
                    f"{self.prefix}-date": day.isoformat(),
                    f"{self.prefix}-value": value,
                    f"{self.prefix}-unable": "on" if unable else "",
                }
        self.form = RetestForm(bound, prefix=self.prefix)
        self.filled = bound is not None

    @property
    def errors(self) -> list[str]:
        if not self.filled or self.form.is_valid():
            return []
        return [str(m) for messages in self.form.errors.values() for m in messages]

    def entry(self) -> RetestEntry | None:
        if not self.filled or not self.form.is_valid():
            return None
        data = self.form.cleaned_data
        return RetestEntry(
            patient=self.patient,
            test=self.test,
            value=data.get("value"),
            unable=bool(data.get("unable")),
        )


class TestDayForm:
    """The whole class's results on a test day: a row per participant, a cell per test.

    Each filled cell is checked by records' RetestForm (the knowledge base's input ranges; "kunne
    ikke" only for 5 × rejse-sætte-sig; never a date in the future). Empty cells are not results.
    """

    def __init__(
        self,
        patients: Sequence[Patient],
        day: date,
        stored: dict[tuple[int, str], Any],
        data: Any | None = None,
    ) -> None:
        self.day = day
        self.rows = [
            (p, [TestDayCell(p, t, day, data, stored.get((p.pk, t))) for t in TEST_DAY_TESTS])
            for p in patients
        ]

    def is_valid(self) -> bool:
        return all(not c.errors for _p, cells in self.rows for c in cells)

    def entries(self) -> list[RetestEntry]:
        return [e for _p, cells in self.rows for c in cells if (e := c.entry()) is not None]

    @property
    def error_count(self) -> int:
        return sum(1 for _p, cells in self.rows for c in cells if c.errors)
