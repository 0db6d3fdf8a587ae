"""The session-log form: the patient's plan as the form, pre-filled with the prescribed dose.

`SessionLog` bundles the parts of one patient's log for one date: the session's own fields
(`SessionForm`: date, attendance, response, plan for next time, version), one `EntryForm` per plan
item and a few `EventForm` rows (adverse events). Each exercise has three choices: "Som ordineret"
(the default: one tap, the prescribed numbers are stored), "Ret" (the fields, pre-filled, are
stored as typed) and "Ikke udført". A value typed into the fields counts even if "Som ordineret"
was left chosen (a browser without CSS :has shows the fields all the time): changed values win.

Give `prefix` to put several logs on one page (the class screen: one per participant); every
field name then starts with it. Every number is bounded by services.LIMITS with a Danish message
naming the field and its range; nothing typed is lost on an error (the forms stay bound).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from osteofys.kb.explain import dose_text
from osteofys.rules.limits import EARLIEST_DATE
from osteofys.rules.model import Dose
from osteofys.web.records import clinical
from osteofys.web.records.forms import MeasureInput, as_typed
from osteofys.web.records.models import PlanItem
from osteofys.web.training import services
from osteofys.web.training.models import (
    Attendance,
    EventKind,
    SessionEntry,
    TrainingSession,
)
from osteofys.web.training.services import LIMITS, EntryData, EventData, field_label

PRESCRIBED, CHANGED, SKIPPED = "prescribed", "changed", "skipped"
STATUS_CHOICES = [
    (PRESCRIBED, gettext_lazy("Som ordineret")),
    (CHANGED, gettext_lazy("Ret")),
    (SKIPPED, gettext_lazy("Ikke udført")),
]
TECHNIQUE_CHOICES = [
    ("", gettext_lazy("Ikke tjekket")),
    ("true", gettext_lazy("God")),
    ("false", gettext_lazy("Skal rettes")),
]
# The numbers of an entry the form shows, and what "Som ordineret" stores for each.
NUMBERS = ("sets", "reps", "hold_s", "minutes", "effort", "pain_during", "pain_next_day")
DETAILS = (*NUMBERS, "load_kg", "load_text", "technique_ok", "note")
# Labels and messages in the language of the request that shows them, not of the import.
_label = lazy(field_label, str)


def _shown_label(name: str) -> str:
    # "(0–10)" stays on one line: a label wraps between words, never after the dash.
    return field_label(name).replace("–", "\u2060–\u2060")


_display_label = lazy(_shown_label, str)
_range_message = lazy(services.range_message, str)
# Event rows shown beyond the stored ones (more come with "Tilføj hændelse", or after a save).
BLANK_EVENTS = 1


class CountInput(forms.TextInput):
    """A whole number: the phone's number keypad, not `type=number` (see MeasureInput)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})


class BoundedInt(forms.IntegerField):
    """A whole number within services.LIMITS[name]; every error names the field and the range."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        low, high = LIMITS[name]
        message = _range_message(_label(name), name)
        super().__init__(
            label=_display_label(name),
            required=False,
            widget=CountInput(attrs={"data-min": low, "data-max": high}),
            error_messages={"invalid": message, "min_value": message, "max_value": message},
            **kwargs,
        )
        self.limit_name = name
        # Checked here, not by min/max validators: one message, the field's own.
        self.low, self.high = low, high

    def to_python(self, value: Any) -> int | None:
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        if len(text) > 6 or not text.lstrip("-").isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        number = int(text)
        if not self.low <= number <= self.high:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class LoadField(forms.Field):
    """A load in kg: 7,5 or 7.5, 0 to 500, one decimal; the message names the field and range."""

    widget = MeasureInput

    def __init__(self, **kwargs: Any) -> None:
        message = _range_message(_label("load_kg"), "load_kg")
        super().__init__(
            label=_label("load_kg"),
            required=False,
            error_messages={"invalid": message},
            **kwargs,
        )

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value).strip().replace(",", ".") if value is not None else ""
        if not text:
            return None
        low, high = LIMITS["load_kg"]
        parts = text.split(".")
        plain = len(text) <= 6 and len(parts) <= 2 and all(p.isdigit() for p in parts if p)
        if not plain or not any(parts):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        load = Decimal(text)
        if not low <= load <= high:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return load.quantize(Decimal("0.1"))

    def prepare_value(self, value: Any) -> Any:
        return as_typed(value) if isinstance(value, Decimal) else value


def _tri(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


def prescribed_numbers(dose: Mapping[str, Any]) -> dict[str, int | None]:
    """What "Som ordineret" stores of a prescribed dose: its sets and the bottom of each range.

    The bottom, not the top: a tap says the prescription was done, not that the top of the range
    was reached (the double-progression rule reads the top only when it is typed in).
    Impacts (low jumps: 50 impacts) are stored as repetitions of one set.
    """

    def low(key: str) -> int | None:
        value = dose.get(key)
        return int(value[0]) if value else None

    reps = low("reps") or (int(dose["impacts"]) if dose.get("impacts") else None)
    out = {
        "sets": int(dose["sets"]) if dose.get("sets") else (1 if reps else None),
        "reps": reps,
        "hold_s": low("hold_s"),
        "minutes": low("minutes"),
    }
    # Within the form's bounds whatever the plan holds (an edited plan allows up to 10 sets).
    for key, value in out.items():
        if value is not None:
            lo, hi = LIMITS[key]
            out[key] = min(max(value, lo), hi)
    return out


def measures(dose: Mapping[str, Any]) -> tuple[str, ...]:
    """Which of reps, hold and minutes the exercise's dose counts in (reps when it says none)."""
    found = tuple(k for k in ("reps", "hold_s", "minutes") if dose.get(k))
    if dose.get("impacts") and "reps" not in found:
        found = ("reps", *found)
    return found or ("reps",)


class EntryForm(forms.Form):
    """What was done of one plan item. `item` is the plan item; prefix e<item id>."""

    status = forms.ChoiceField(
        label=gettext_lazy("Udført"),
        choices=STATUS_CHOICES,
        widget=forms.RadioSelect,
        initial=PRESCRIBED,
        # Not posted (a client that sends only what changed): "Som ordineret", see chosen().
        required=False,
    )
    sets = BoundedInt("sets")
    reps = BoundedInt("reps")
    hold_s = BoundedInt("hold_s")
    minutes = BoundedInt("minutes")
    load_kg = LoadField()
    load_text = forms.CharField(
        label=gettext_lazy("Elastik/niveau"),
        required=False,
        max_length=services.MAX_LOAD_TEXT,
        # An example, not help under the box: the four boxes of a row stay lined up.
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("fx grøn elastik")}),
    )
    effort = BoundedInt("effort")
    pain_during = BoundedInt("pain_during")
    pain_next_day = BoundedInt("pain_next_day")
    technique_ok = forms.TypedChoiceField(
        label=gettext_lazy("Teknik"),
        choices=TECHNIQUE_CHOICES,
        coerce=_tri,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        item: PlanItem,
        stored: SessionEntry | None = None,
        prefix: str | None = None,
    ) -> None:
        self.item = item
        self.prescribed = prescribed_numbers(item.dose)
        initial = self._initial(stored)
        super().__init__(data, prefix=prefix, initial=initial)
        lang = clinical.lang()
        texts = clinical.base().texts
        known = item.exercise in texts.exercises
        self.name = texts.exercise_name(item.exercise, lang) if known else item.exercise
        self.domain_name = texts.domains[item.domain](lang) if item.domain in texts.domains else ""
        self.dose_text = dose_text(Dose.from_dict(item.dose), lang)
        self.measures = measures(item.dose)
        # A label that says which exercise, for screen readers reading a field out of context.
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-describedby", f"{self.prefix or 'e'}-title")

    def _initial(self, stored: SessionEntry | None) -> dict[str, Any]:
        numbers: dict[str, Any] = dict(self.prescribed)
        if stored is None:
            return {**numbers, "status": PRESCRIBED}
        if not stored.done:
            return {**numbers, "status": SKIPPED, "note": stored.note}
        values = {name: getattr(stored, name) for name in DETAILS}
        # As the radio buttons' values say it (a bool would be drawn as "True": none checked).
        technique = stored.technique_ok
        values["technique_ok"] = "" if technique is None else "true" if technique else "false"
        as_prescribed = all(values[k] == numbers[k] for k in numbers) and not any(
            values[k] not in (None, "") for k in DETAILS if k not in numbers
        )
        return {**values, "status": PRESCRIBED if as_prescribed else CHANGED}

    def details_changed(self) -> bool:
        """Whether a field under "Ret" holds something else than it was pre-filled with."""
        return any(name in DETAILS for name in self.changed_data)

    def chosen(self) -> str:
        """The choice as it counts: "Som ordineret" with changed values is "Ret"."""
        raw = self.data.get(self.add_prefix("status"), PRESCRIBED) if self.is_bound else None
        status = raw if raw in (PRESCRIBED, CHANGED, SKIPPED) else PRESCRIBED
        if status == PRESCRIBED and self.is_bound and self.details_changed():
            return CHANGED
        return str(status if self.is_bound else self.initial.get("status", PRESCRIBED))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # What the choice does not store is not checked either (it stays as typed on the page).
        ignored = {
            PRESCRIBED: DETAILS,
            CHANGED: (),
            SKIPPED: tuple(n for n in DETAILS if n != "note"),
        }[self.chosen()]
        for name in ignored:
            self.errors.pop(name, None)
            data.pop(name, None)
        return data

    def entry(self) -> EntryData:
        """The entry for the save service (after is_valid)."""
        data, chosen = self.cleaned_data, self.chosen()
        if chosen == SKIPPED:
            return EntryData(plan_item_id=self.item.pk, done=False, note=data.get("note", ""))
        if chosen == PRESCRIBED:
            return EntryData.from_mapping({"plan_item_id": self.item.pk, **self.prescribed})
        return EntryData.from_mapping(
            {
                "plan_item_id": self.item.pk,
                **{name: data.get(name) for name in NUMBERS},
                "load_kg": data.get("load_kg"),
                "load_text": data.get("load_text", ""),
                "technique_ok": data.get("technique_ok"),
                "note": data.get("note", ""),
            }
        )

    def status_options(self) -> list[dict[str, Any]]:
        """The three choices as the template draws them, the one that counts checked.

        Drawn from `chosen()`, not the posted radio: "Som ordineret" with changed values is shown
        as "Ret", so the changed fields (and their errors) stay in sight.
        """
        chosen = self.chosen()
        name = self.add_prefix("status")
        return [
            {
                "value": value,
                "label": label,
                "name": name,
                "id": f"id_{name}_{n}",
                "checked": value == chosen,
            }
            for n, (value, label) in enumerate(STATUS_CHOICES)
        ]

    def measure_fields(self) -> list[forms.BoundField]:
        """The count fields this exercise's dose is in (reps, hold or minutes), after sets."""
        return [self[name] for name in ("sets", *self.measures)]


class EventForm(forms.Form):
    """One adverse event row; a row left empty is no event."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Hændelse"),
        choices=[("", "—"), *EventKind.choices],
        required=False,
    )
    description = forms.CharField(
        label=gettext_lazy("Hvad skete der"),
        required=False,
        max_length=services.MAX_EVENT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    action = forms.CharField(
        label=gettext_lazy("Hvad blev gjort"),
        required=False,
        max_length=services.MAX_EVENT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("kind") and (data.get("description") or data.get("action")):
            self.add_error(
                "kind", _("Vælg hvilken hændelse: fald, ny rygsmerte, ny smerte eller andet.")
            )
        return data

    def event(self) -> EventData | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return EventData(data["kind"], data.get("description", ""), data.get("action", ""))


class SessionForm(forms.Form):
    """The session's own fields. The date is chosen above the form (GET), posted hidden."""

    date = forms.DateField(widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    attendance = forms.ChoiceField(
        label=gettext_lazy("Fremmøde"),
        choices=Attendance.choices,
        widget=forms.RadioSelect,
        initial=Attendance.ATTENDED,
    )
    note = forms.CharField(
        label=gettext_lazy("Respons og bemærkninger"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_time = forms.CharField(
        label=gettext_lazy("Plan for næste gang"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_date(self) -> datetime.date:
        when: datetime.date = self.cleaned_data["date"]
        if when < EARLIEST_DATE:
            raise forms.ValidationError(_("Skriv en gyldig dato."))
        return when


def _joined(prefix: str, part: str) -> str:
    return f"{prefix}-{part}" if prefix else part


class SessionLog:
    """One patient's log for one date: the session form, an entry per plan item, event rows.

    Args:
        items: The plan's items in the form's order (services.plan_items_in_order).
        day: The session's date.
        data: The POST data, or None for a fresh form.
        session: The stored session of that day (its values pre-fill the form), or None.
        prefix: Put in front of every field name (the class screen: one log per participant).
    """

    def __init__(
        self,
        *,
        items: Iterable[PlanItem],
        day: date,
        data: Any = None,
        session: TrainingSession | None = None,
        prefix: str = "",
    ) -> None:
        self.prefix, self.day, self.session = prefix, day, session
        self.form = SessionForm(data, prefix=prefix or None, initial=self._initial())
        stored = {e.plan_item_id: e for e in session.entries.all()} if session else {}
        self.entries = [
            EntryForm(
                data,
                item=item,
                stored=stored.get(item.pk),
                prefix=_joined(prefix, f"e{item.pk}"),
            )
            for item in items
        ]
        self.events = self._event_forms(data, list(session.events.all()) if session else [])

    def _initial(self) -> dict[str, Any]:
        s = self.session
        if s is None:
            return {"date": self.day.isoformat(), "version": 0, "attendance": Attendance.ATTENDED}
        return {
            "date": s.date.isoformat(),
            "version": s.version,
            "attendance": s.attendance,
            "note": s.note,
            "next_time": s.next_time,
        }

    def _event_forms(self, data: Any, stored: list[Any]) -> list[EventForm]:
        if data is not None:
            # As many rows as were posted (a row is there when its kind was sent), at most 10.
            rows = [
                n for n in range(services.MAX_EVENTS) if _joined(self.prefix, f"h{n}-kind") in data
            ]
            count = max(rows) + 1 if rows else 0
            return [
                EventForm(data, prefix=_joined(self.prefix, f"h{n}")) for n in range(max(count, 1))
            ]
        initial = [
            {"kind": e.kind, "description": e.description, "action": e.action} for e in stored
        ]
        shown = min(len(initial) + BLANK_EVENTS, services.MAX_EVENTS)
        return [
            EventForm(
                initial=initial[n] if n < len(initial) else None,
                prefix=_joined(self.prefix, f"h{n}"),
            )
            for n in range(shown)
        ]

    @property
    def events_open(self) -> bool:
        """Whether the events section starts open: events stored, typed or in error."""
        return any(
            (f.is_bound and (f.data.get(f.add_prefix("kind")) or f.errors))
            or (not f.is_bound and f.initial.get("kind"))
            for f in self.events
        )

    @property
    def event_template_prefix(self) -> str:
        """The prefix of a row "Tilføj hændelse" adds (session-log.js puts the number in)."""
        return _joined(self.prefix, "h__n__")

    def blank_event(self) -> EventForm:
        return EventForm(prefix=self.event_template_prefix)

    def attended(self) -> bool:
        value = self.form["attendance"].value()
        return value in (None, "", Attendance.ATTENDED)

    def is_valid(self) -> bool:
        # Every part is checked (not only up to the first error): all messages show at once.
        checked = [self.form.is_valid(), *(f.is_valid() for f in self.events)]
        if self.attended():
            checked += [f.is_valid() for f in self.entries]
        return all(checked)

    def save_values(self) -> dict[str, Any]:
        """The save service's keyword arguments from the form (after is_valid)."""
        data = self.form.cleaned_data
        attended = data["attendance"] == Attendance.ATTENDED
        version = data.get("version")
        return {
            "when": data["date"],
            "attendance": data["attendance"],
            "entries": [f.entry() for f in self.entries] if attended else [],
            "events": [e for e in (f.event() for f in self.events) if e is not None],
            "note": self._kept("note"),
            "next_time": self._kept("next_time"),
            "version": version if version is not None else 0,
        }

    def _kept(self, name: str) -> str:
        """The posted text, or the stored one when the box was not on the page (show_notes)."""
        if self.form.add_prefix(name) not in self.form.data and self.session is not None:
            return str(getattr(self.session, name))
        return str(self.form.cleaned_data.get(name, ""))

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """Put the save service's messages (SessionInputError.errors) on the fields they name."""
        by_item = {f.item.pk: f for f in self.entries}
        for path, message in errors.items():
            if path.startswith("entries[") and "]." in path:
                item_id, name = path[len("entries[") :].split("].", 1)
                form = by_item.get(int(item_id)) if item_id.isdigit() else None
                if form is not None and name in form.fields:
                    form.add_error(name, message)
                    continue
            if path.startswith("events[") and "]." in path:
                index, name = path[len("events[") :].split("].", 1)
                if index.isdigit() and int(index) < len(self.events):
                    event_form = self.events[int(index)]
                    if name in event_form.fields:
                        event_form.add_error(name, message)
                        continue
            field = path if path in ("attendance", "note", "next_time") else None
            self.form.add_error(field, message)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.form.errors
            or any(f.errors for f in self.events)
            or (self.attended() and any(f.errors for f in self.entries))
        )

    def error_summary(self) -> list[str]:
        """Every message with the field it is about (the banner at the top lists them)."""
        out = [str(e) for e in self.form.non_field_errors()]
        for name, errors in self.form.errors.items():
            if name != "__all__":
                out += [f"{self.form.fields[name].label}: {e}" for e in errors]
        if self.attended():
            for f in self.entries:
                for name, errors in f.errors.items():
                    out += [f"{f.name}: {e}" for e in errors] if name != "__all__" else []
        for n, ef in enumerate(self.events):
            for errors in ef.errors.values():
                out += [_("Hændelse %(n)s: %(e)s") % {"n": n + 1, "e": e} for e in errors]
        return out
