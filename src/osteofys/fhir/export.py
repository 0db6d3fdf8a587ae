"""FHIR R4 export: one assessment of one person as a Bundle of type collection (docs/fhir.md)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from osteofys.fhir.codes import Code, Codes, codes
from osteofys.kb.explain import dose_text, rule_label, words
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.case import UNABLE, Case
from osteofys.rules.model import Assessment, Dose
from osteofys.rules.result import write_result

# Fixed namespace: the same subject and resource kind give the same urn:uuid on every export, so
# a receiving system can recognise a repeated export as an update, not a new resource.
NAMESPACE = uuid.UUID("6f1c7e52-3a8e-5b0d-9c41-0d5f2b7a9e13")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
DXA_FIELDS = ("lumbar_spine", "femoral_neck", "total_hip", "forearm")
TEST_FIELDS = (
    "tug_s",
    "sit_to_stand_5x_s",
    "tandem_stance_s",
    "chair_stand_30s",
    "one_leg_stance_s",
    "gait_speed_m_s",
    "grip_kg",
)
# SPEC P9: the bone statuses that mean osteoporosis by definition (T ≤ -2.5 or diagnostic fracture).
OSTEOPOROTIC = ("osteoporosis", "severe")
# A session's attendance (training.models.Attendance): attended is a completed Procedure, the
# others are not-done with the attendance code as the reason.
ATTENDED = "attended"
NOT_ATTENDED = {"excused": "attendance_excused", "absent": "attendance_absent"}
EVENT_CODES = {
    "fall": "event_fall",
    "new_back_pain": "event_new_back_pain",
    "new_pain": "event_new_pain",
    "other": "event_other",
}


@dataclass(frozen=True)
class Subject:
    """The person the Bundle is about.

    Attributes:
        id: the Patient resource id (the web passes its database id, e.g. "patient-17").
        name: full name, or None for an anonymous case.
        birth_date: overrides the case's birth date when given.
        sex: "female" or "male"; overrides the case's sex when given.
        cpr: the CPR number (ten digits, a hyphen is allowed), or None when not recorded.
        phone, email: the person's own phone and e-mail (Patient.telecom), or None.
    """

    id: str
    name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    cpr: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class CarePlanActivity:
    """One exercise of the training plan as the CarePlan shows it.

    Attributes:
        exercise: the exercise id of the knowledge base.
        name: the exercise name in the export language.
        domain: "staerk", "stabil" or "strakt".
        dose: the dose, or None when the clinician left it open.
        supervised: True for supervised-only training (e.g. HiRIT, SPEC P13).
        family: the progression family of the plan item (its ladder), when known.
        level: the item's level on that ladder (1 = easiest), when known.
        progress: the item's accepted progression decisions, oldest first.
    """

    exercise: str
    name: str
    domain: str
    dose: Dose | None
    supervised: bool = False
    family: str | None = None
    level: int | None = None
    progress: tuple[Progress, ...] = ()


@dataclass(frozen=True)
class Progress:
    """One accepted progression decision of a plan item (CarePlan `activity.progress`).

    Attributes:
        when: when the therapist accepted it.
        step: the step (rules.progress.Step value: more_load, next_level, stay, down, stop).
        rule: the id of the progression rule (kb/data/progression.toml).
        from_exercise, from_level, from_dose: the item as it was.
        to_exercise, to_level, to_dose: the item as it became.
        reason: the therapist's words, if any.
    """

    when: datetime | date
    step: str
    rule: str
    from_exercise: str
    to_exercise: str
    from_level: int | None = None
    to_level: int | None = None
    from_dose: Dose | None = None
    to_dose: Dose | None = None
    reason: str = ""


@dataclass(frozen=True)
class SessionExercise:
    """What was done of one plan item in a session, as the session log holds it.

    Attributes:
        exercise: the exercise id of the knowledge base; name: its name in the export language.
        done: False when the exercise was not done that day (the numbers are then None).
        sets, reps, hold_s, minutes: what was done; load_kg or load_text the load.
        effort, pain_during, pain_next_day: ratings 0-10; technique_ok: checked and good.
        note: the therapist's note on the exercise.
    """

    exercise: str
    name: str
    done: bool = True
    sets: int | None = None
    reps: int | None = None
    hold_s: int | None = None
    minutes: int | None = None
    load_kg: float | None = None
    load_text: str = ""
    effort: int | None = None
    pain_during: int | None = None
    pain_next_day: int | None = None
    technique_ok: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class SessionEvent:
    """An adverse event of a session: kind fall, new_back_pain, new_pain or other."""

    kind: str
    description: str = ""
    action: str = ""


@dataclass(frozen=True)
class SupervisedSession:
    """One supervised training session of the subject, exported as a Procedure.

    Attributes:
        key: stable and unique per session of the subject (the web passes "session-<id>"); the
            Procedure's urn:uuid derives from it, so a repeated export gives the same id.
        date: the session's date (Procedure.performedDateTime).
        attendance: "attended" (status completed) or "excused"/"absent" (status not-done).
        note: the journal text (how the patient responded); next_time: the plan for next time.
        exercises: what was done, in the session log's order.
        events: adverse events in or after the session (Procedure.complication).
        follows_care_plan: the session followed the plan exported as the CarePlan (basedOn).
    """

    key: str
    date: date
    attendance: str = "attended"
    note: str = ""
    next_time: str = ""
    exercises: tuple[SessionExercise, ...] = ()
    events: tuple[SessionEvent, ...] = ()
    follows_care_plan: bool = True


def activities_from(
    assessment: Assessment | Mapping[str, Any], kb: KnowledgeBase, lang: str = "da"
) -> list[CarePlanActivity]:
    """The plan of a core assessment (or of a stored result document) as CarePlan activities.

    Home exercises come first, domain by domain, then the supervised ones.
    """
    doc = _document(assessment, kb, lang)
    plan = doc.get("plan") or {}
    home = [
        (domain, item, False)
        for domain, items in (plan.get("domains") or {}).items()
        for item in items
    ]
    supervised = [(None, item, True) for item in plan.get("supervised") or []]
    return [_activity(kb, domain, item, alone, lang) for domain, item, alone in home + supervised]


def _activity(
    kb: KnowledgeBase, domain: str | None, item: Mapping[str, Any], supervised: bool, lang: str
) -> CarePlanActivity:
    exercise = str(item["exercise"])
    known = kb.exercises.get(exercise, {})
    texts = kb.texts.exercises.get(exercise)
    name = texts.name(lang) if texts else str(item.get("name", exercise))
    return CarePlanActivity(
        exercise=exercise,
        name=name,
        domain=domain or str(known.get("domain", "staerk")),
        dose=Dose.from_dict(item["dose"]) if item.get("dose") else None,
        supervised=supervised,
    )


def _document(
    assessment: Assessment | Mapping[str, Any], kb: KnowledgeBase, lang: str
) -> Mapping[str, Any]:
    if isinstance(assessment, Assessment):
        return write_result(assessment, words(kb, lang))
    return assessment


def bundle(
    subject: Subject,
    case: Case,
    assessment: Assessment | Mapping[str, Any],
    kb: KnowledgeBase,
    *,
    activities: Sequence[CarePlanActivity] | None = None,
    lang: str = "da",
    final_category: str | None = None,
    sessions: Sequence[SupervisedSession] = (),
) -> dict[str, Any]:
    """The assessment as a FHIR R4 Bundle (type collection), as plain JSON-able data.

    The Bundle holds the Patient; the DXA T-scores and the function tests recorded in the case as
    Observations; the function category as an Observation carrying the knowledge-base version; a
    Flag while the acute phase is active; a Condition when osteoporosis is diagnosed or follows by
    definition; a ServiceRequest (intent proposal) when a GP assessment is recommended; and a
    CarePlan for the training plan. Every fullUrl is a urn:uuid derived from the subject id, the
    resource kind and the assessment date, so exporting the same assessment again gives the same
    Bundle.

    Args:
        subject: who the Bundle is about; `subject.id` becomes the Patient id.
        case: the case the assessment was made from (DXA, tests, fractures, dates).
        assessment: a core `Assessment` (the CLI), or the result document stored with it (the
            web, `Assessment.result`). A stored document is used as it is, never recomputed, so
            the export states what was concluded with the knowledge base of that day.
        kb: the knowledge base: the FHIR code table, names and texts.
        activities: the plan to export, e.g. the clinician's edited plan items; None takes the
            plan of `assessment` (see `activities_from`).
        lang: language of the human-readable texts ("da" or "en"). Codes do not change.
        final_category: the clinician's confirmed category when it differs from the suggestion.
        sessions: the supervised sessions to export, each as a Procedure (SNOMED CT 229065009
            exercise therapy) with its pain ratings as Observations (LOINC 72514-3, partOf the
            Procedure). A session that follows the CarePlan is `basedOn` it, and the CarePlan's
            activities are then in progress.

    Raises:
        ValueError: `subject.id` is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .), or two
            sessions share a key.
    """
    if not FHIR_ID.fullmatch(subject.id):
        raise ValueError(f"subject id {subject.id!r} is not a FHIR id (1-64 of A-Z a-z 0-9 - .)")
    if len({s.key for s in sessions}) != len(sessions):
        raise ValueError("two sessions share a key")
    doc = _document(assessment, kb, lang)
    plan = list(activities) if activities is not None else activities_from(doc, kb, lang)
    export = _Export(subject, case=case, doc=doc, kb=kb, table=codes(kb), lang=lang)
    care_plan = export.care_plan(
        plan, in_progress=any(s.follows_care_plan and s.attendance == ATTENDED for s in sessions)
    )
    resources = [
        export.patient(),
        *export.dxa(),
        *export.tests(),
        export.category(final_category),
        export.acute_flag(),
        export.condition(),
        export.referral(),
        care_plan,
        *(r for s in sessions for r in export.session(s, with_plan=care_plan[1] is not None)),
    ]
    return {
        "resourceType": "Bundle",
        "id": export.uuid("bundle"),
        "type": "collection",
        "entry": [
            {"fullUrl": export.url(kind), "resource": resource}
            for kind, resource in resources
            if resource is not None
        ],
    }


Made = tuple[str, dict[str, Any] | None]
Resource = tuple[str, dict[str, Any]]


class _Export:
    """Builds the resources of one Bundle; each method returns (kind, resource or None)."""

    def __init__(
        self,
        subject: Subject,
        *,
        case: Case,
        doc: Mapping[str, Any],
        kb: KnowledgeBase,
        table: Codes,
        lang: str,
    ) -> None:
        self.subject = subject
        self.case = case
        self.doc = doc
        self.kb = kb
        self.codes = table
        self.lang = lang
        self.when = case.assessment_date.isoformat()
        self.in_progress = False

    def uuid(self, kind: str) -> str:
        """The same uuid on every export of this subject, resource kind and assessment date.

        The Patient's depends on the subject alone; the date keeps the observations of two
        assessments of one person from sharing an id. A session's resources ("session/...")
        depend on the session's key, not on the assessment: a later assessment does not change
        the id of a session logged before it.
        """
        undated = kind == "patient" or kind.startswith("session/")
        key = kind if undated else f"{kind}/{self.when}"
        return str(uuid.uuid5(NAMESPACE, f"{self.subject.id}/{key}"))

    def url(self, kind: str) -> str:
        return f"urn:uuid:{self.uuid(kind)}"

    def ref(self) -> dict[str, str]:
        return {"reference": self.url("patient")}

    def new(self, resource_type: str, kind: str, **fields: Any) -> Resource:
        """A resource whose id is the uuid of its fullUrl."""
        resource = {"resourceType": resource_type, "id": self.uuid(kind), **fields}
        return kind, resource

    def local(self, system: str, code: str, display: str, text: str | None = None) -> Any:
        concept: dict[str, Any] = {
            "coding": [{"system": self.codes.local(system), "code": code, "display": display}]
        }
        if text:
            concept["text"] = text
        return concept

    def text(self, key: str, **values: str) -> str:
        return self.kb.texts.fhir.notes[key](self.lang).format(**values)

    # --- Patient -----------------------------------------------------------------------------

    def patient(self) -> Resource:
        s, p = self.subject, self.case.patient
        resource: dict[str, Any] = {"resourceType": "Patient", "id": s.id}
        if s.cpr:
            cpr = s.cpr.replace("-", "").replace(" ", "")
            resource["identifier"] = [{"system": self.codes.systems["cpr"], "value": cpr}]
        if s.name:
            resource["name"] = [{"text": s.name}]
        telecom = [
            {"system": system, "value": value}
            for system, value in (("phone", s.phone), ("email", s.email))
            if value
        ]
        if telecom:
            resource["telecom"] = telecom
        resource["gender"] = s.sex or p.sex
        resource["birthDate"] = (s.birth_date or p.birth_date).isoformat()
        return "patient", resource

    # --- Observations ------------------------------------------------------------------------

    def observation(self, code: Code, kind: str, when: str | None, **value: Any) -> Resource:
        category = {"system": self.codes.systems["observation_category"], "code": code.category}
        fields: dict[str, Any] = {
            "status": "final",
            "category": [{"coding": [category]}],
            "code": code.concept(self.lang),
            "subject": self.ref(),
        }
        if when:
            fields["effectiveDateTime"] = when
        fields.update(value)
        if code.body_site:
            fields["bodySite"] = self.codes[code.body_site].concept(self.lang)
        return self.new("Observation", kind, **fields)

    def dxa(self) -> list[Resource]:
        dxa = self.case.dxa
        if dxa is None:
            return []
        by_field = self.codes.by_field()
        when = dxa.date.isoformat() if dxa.date else None
        made = []
        for name in DXA_FIELDS:
            value = getattr(dxa, name)
            if value is None:
                continue
            code = by_field[f"dxa.{name}"]
            quantity = {"value": value, "unit": "T-score", "system": self.codes.systems["ucum"]}
            made.append(
                self.observation(
                    code,
                    f"observation/{code.id}",
                    when,
                    valueQuantity={**quantity, "code": code.unit},
                )
            )
        return made

    def tests(self) -> list[Resource]:
        by_field = self.codes.by_field()
        made = []
        for name in TEST_FIELDS:
            value = getattr(self.case.tests, name)
            if value is None:
                continue
            code = by_field[f"tests.{name}"]
            if value == UNABLE:
                result: dict[str, Any] = {
                    "valueCodeableConcept": self.codes["unable"].concept(self.lang)
                }
            else:
                result = {
                    "valueQuantity": {
                        "value": value,
                        "unit": code.unit,
                        "system": self.codes.systems["ucum"],
                        "code": code.unit,
                    }
                }
            made.append(self.observation(code, f"observation/{code.id}", self.when, **result))
        return made

    def category(self, final: str | None) -> Made:
        suggested = self.doc.get("category")
        chosen = final or suggested
        if not chosen:
            return "observation/function_category", None
        texts = self.kb.texts
        version = str(self.doc.get("knowledge_version", ""))
        notes = [self.text("knowledge", version=version, hash=str(self.doc.get("knowledge_hash")))]
        if final and final != suggested:
            notes.append(
                self.text(
                    "overridden",
                    suggested=texts.category_name(suggested, self.lang) if suggested else "–",
                    final=texts.category_name(final, self.lang),
                )
            )
        if self.doc.get("provisional"):
            notes.append(self.text("provisional"))
        value = self.local(
            "function-category",
            chosen,
            texts.categories[chosen].name.da,
            texts.category_name(chosen, self.lang),
        )
        kind, resource = self.observation(
            self.codes["function_category"],
            "observation/function_category",
            self.when,
            valueCodeableConcept=value,
            note=[{"text": n} for n in notes],
        )
        # The version travels as a tag too, so a receiver can search by it (clinical traceability).
        tag = {"tag": [{"system": self.codes.local("knowledge-base"), "code": version}]}
        head = {"resourceType": resource.pop("resourceType"), "id": resource.pop("id")}
        return kind, {**head, "meta": tag, **resource}

    # --- Flag, Condition, ServiceRequest -----------------------------------------------------

    def acute_flag(self) -> Made:
        acute = self.doc.get("acute_phase") or {}
        if acute.get("active") is not True:
            return "flag/acute_phase", None
        period = {"start": acute.get("fracture_date") or self.when}
        if acute.get("until"):
            period["end"] = acute["until"]
        return self.new(
            "Flag",
            "flag/acute_phase",
            status="active",
            code=self.codes["acute_phase"].concept(self.lang),
            subject=self.ref(),
            period=period,
        )

    def condition(self) -> Made:
        diagnosed = self.case.patient.osteoporosis_diagnosed is True
        referral = self.doc.get("referral") or {}
        by_definition = self.doc.get("bone_status") in OSTEOPOROTIC or bool(
            referral.get("osteoporosis_by_definition")
        )
        if not (diagnosed or by_definition):
            return "condition/osteoporosis", None
        snomed = self.codes["osteoporosis"]
        coding = [snomed.coding()]
        fractures = self.case.fractures
        # M80 "with fracture" counts fractures that were not high-energy (SPEC §10.2
        # osteoporotic_fracture_count); with the fracture list unrecorded ICD-10 cannot be chosen.
        if fractures is not None:
            fragility = any(f.low_energy is not False for f in fractures)
            icd = "osteoporosis_with_fracture" if fragility else "osteoporosis_without_fracture"
            coding.append(self.codes[icd].coding())
        systems = self.codes.systems
        return self.new(
            "Condition",
            "condition/osteoporosis",
            clinicalStatus={
                "coding": [{"system": systems["condition_clinical"], "code": "active"}]
            },
            # A physiotherapist does not diagnose: without a doctor's diagnosis it is provisional.
            verificationStatus={
                "coding": [
                    {
                        "system": systems["condition_verification"],
                        "code": "confirmed" if diagnosed else "provisional",
                    }
                ]
            },
            category=[
                {"coding": [{"system": systems["condition_category"], "code": "problem-list-item"}]}
            ],
            code={"coding": coding, "text": snomed.text[self.lang]},
            subject=self.ref(),
            recordedDate=self.when,
        )

    def referral(self) -> Made:
        referral = self.doc.get("referral") or {}
        if referral.get("recommended") is not True:
            return "servicerequest/gp_assessment", None
        factors = self.kb.texts.risk_factors
        reasons = [
            self.local("risk-factor", rf, factors[rf].da, factors[rf](self.lang))
            if rf in factors
            else {"text": rule_label(self.kb, rf, self.lang)}
            for rf in referral.get("reasons") or []
        ]
        reasons += [
            {"text": self.kb.texts.red_flag(flag, self.lang)}
            for flag in self.doc.get("red_flags") or []
        ]
        fields: dict[str, Any] = {
            "status": "active",
            "intent": "proposal",
            "priority": "urgent" if referral.get("urgent") else "routine",
            "code": self.codes["gp_assessment"].concept(self.lang),
            "subject": self.ref(),
            "authoredOn": self.when,
        }
        if reasons:
            fields["reasonCode"] = reasons
        return self.new("ServiceRequest", "servicerequest/gp_assessment", **fields)

    # --- CarePlan ----------------------------------------------------------------------------

    def care_plan(self, activities: Sequence[CarePlanActivity], *, in_progress: bool) -> Made:
        if not activities:
            return "careplan/training", None
        self.in_progress = in_progress
        plan = self.codes["training_plan"]
        return self.new(
            "CarePlan",
            "careplan/training",
            status="active",
            intent="plan",
            category=[plan.concept(self.lang)],
            title=plan.text[self.lang],
            subject=self.ref(),
            period={"start": self.when},
            created=self.when,
            activity=[self.care_plan_activity(a) for a in activities],
        )

    def care_plan_activity(self, a: CarePlanActivity) -> dict[str, Any]:
        """The detail, and the accepted progression decisions as `progress` (oldest first)."""
        activity: dict[str, Any] = {}
        if a.progress:
            activity["progress"] = [self.progress(p) for p in a.progress]
        activity["detail"] = self.activity(a)
        return activity

    def progress(self, p: Progress) -> dict[str, Any]:
        def state(exercise: str, level: int | None, dose: Dose | None) -> str:
            name = self.kb.texts.exercise_name(exercise, self.lang)
            words = [name]
            if level is not None:
                words.append(self.text("level", level=str(level)))
            if dose is not None and dose_text(dose, self.lang):
                words.append(dose_text(dose, self.lang))
            return ", ".join(words)

        text = self.text(
            "progress",
            step=step_word(self.kb, p.step, self.lang),
            rule=p.rule,
            before=state(p.from_exercise, p.from_level, p.from_dose),
            after=state(p.to_exercise, p.to_level, p.to_dose),
        )
        text = text if text.endswith(".") else f"{text}."
        if p.reason.strip():
            text += " " + self.text("progress_reason", reason=p.reason.strip())
        when = p.when.isoformat(timespec="seconds") if isinstance(p.when, datetime) else None
        return {"time": when or p.when.isoformat(), "text": text}

    def activity(self, a: CarePlanActivity) -> dict[str, Any]:
        texts = self.kb.texts.exercises.get(a.exercise)
        display = texts.name.da if texts else a.name
        detail: dict[str, Any] = {
            "extension": [self.plan_item(a)],
            "code": self.local("exercise", a.exercise, display, a.name),
            "status": "in-progress" if self.in_progress else "not-started",
            "description": f"{a.name}: {dose_text(a.dose, self.lang)}" if a.dose else a.name,
        }
        timing = _timing(a.dose) if a.dose else None
        if timing:
            detail["scheduledTiming"] = {"repeat": timing}
        return detail

    def plan_item(self, a: CarePlanActivity) -> dict[str, Any]:
        """Domain, supervision and the parts of the dose a Timing cannot hold (sets, reps, ...)."""
        domain = self.kb.texts.domains.get(a.domain)
        parts: list[dict[str, Any]] = [
            {
                "url": "domain",
                "valueCoding": {
                    "system": self.codes.local("training-domain"),
                    "code": a.domain,
                    "display": domain.da if domain else a.domain,
                },
            },
            {"url": "supervised", "valueBoolean": a.supervised},
        ]
        if a.family:
            parts.append({"url": "family", "valueCode": a.family})
        if a.level is not None:
            parts.append({"url": "level", "valueInteger": a.level})
        dose = a.dose or Dose()
        if dose.sets is not None:
            parts.append({"url": "sets", "valueInteger": dose.sets})
        if dose.reps:
            parts.append({"url": "reps", "valueRange": _range(dose.reps)})
        if dose.hold_s:
            parts.append({"url": "hold", "valueRange": _range(dose.hold_s, "s", self.codes)})
        if dose.impacts is not None:
            parts.append({"url": "impacts", "valueInteger": dose.impacts})
        return {"url": self.codes.structure("plan-item"), "extension": parts}

    # --- Training sessions (Procedure, pain Observations) ------------------------------------

    def session(self, s: SupervisedSession, *, with_plan: bool) -> list[Resource]:
        """The session as a Procedure, then its highest pain ratings as Observations."""
        kind = f"session/{s.key}"
        attended = s.attendance == ATTENDED
        fields: dict[str, Any] = {}
        exercises = s.exercises if attended else ()
        if exercises:
            fields["extension"] = [self.session_exercise(e) for e in exercises]
        if with_plan and s.follows_care_plan:
            fields["basedOn"] = [{"reference": self.url("careplan/training")}]
        fields["status"] = "completed" if attended else "not-done"
        if not attended:
            reason = self.codes[NOT_ATTENDED.get(s.attendance, "attendance_absent")]
            not_done = self.codes["procedure_not_done"]
            fields["statusReason"] = {
                "coding": [not_done.coding(), reason.coding()],
                "text": reason.text[self.lang],
            }
        fields["code"] = self.codes["exercise_therapy"].concept(self.lang)
        fields["subject"] = self.ref()
        fields["performedDateTime"] = s.date.isoformat()
        if s.events:
            fields["complication"] = [self.complication(e) for e in s.events]
        notes = self.session_notes(s, exercises)
        if notes:
            fields["note"] = [{"text": n} for n in notes]
        made = [self.new("Procedure", kind, **fields)]
        procedure = {"reference": self.url(kind)}
        for field, text, when in (
            ("pain_during", "pain_during_max", s.date),
            ("pain_next_day", "pain_next_day_max", s.date + timedelta(days=1)),
        ):
            pain = self.highest(exercises, field)
            if pain is None:
                continue
            value, exercise = pain
            observation = self.observation(
                self.codes["pain_score"],
                f"{kind}/{field}",
                when.isoformat(),
                valueInteger=value,
                note=[{"text": self.text(text, exercise=exercise)}],
            )
            observation[1]["partOf"] = [procedure]
            made.append(observation)
        return made

    @staticmethod
    def highest(exercises: Sequence[SessionExercise], field: str) -> tuple[int, str] | None:
        """The highest rating of `field` in the session and the first exercise that had it."""
        rated = [(getattr(e, field), e.name) for e in exercises if getattr(e, field) is not None]
        if not rated:
            return None
        top = max(value for value, _ in rated)
        return top, next(name for value, name in rated if value == top)

    def session_notes(
        self, s: SupervisedSession, exercises: Sequence[SessionExercise]
    ) -> list[str]:
        """The journal: the response, the plan for next time, each exercise, each event."""
        notes = [s.note.strip()] if s.note.strip() else []
        if s.next_time.strip():
            notes.append(self.text("next_time", text=s.next_time.strip()))
        notes += [self.exercise_line(e) for e in exercises]
        for e in s.events:
            code = self.codes[EVENT_CODES.get(e.kind, "event_other")]
            line = self.text("event", kind=code.text[self.lang], description=e.description.strip())
            if e.action.strip():
                line += " " + self.text("event_action", action=e.action.strip())
            notes.append(line.strip().rstrip(":"))
        return notes

    def exercise_line(self, e: SessionExercise) -> str:
        """'Rejse-sætte-sig: 3 × 10 gentagelser, 5 kg, anstrengelse 6/10, smerte under 2/10'."""
        if not e.done:
            line = self.text("not_done", name=e.name)
            return f"{line}. {e.note.strip()}" if e.note.strip() else line
        parts = [dose_text(logged_dose(e), self.lang)]
        if e.load_kg is not None:
            parts.append(f"{self.kb.texts.decimal(f'{e.load_kg:g}', self.lang)} kg")
        if e.load_text.strip():
            parts.append(e.load_text.strip())
        if e.effort is not None:
            parts.append(dose_text(Dose(effort=(e.effort, e.effort)), self.lang))
        if e.pain_during is not None:
            parts.append(self.text("pain_during", value=str(e.pain_during)))
        if e.pain_next_day is not None:
            parts.append(self.text("pain_next_day", value=str(e.pain_next_day)))
        if e.technique_ok is not None:
            parts.append(self.text("technique_ok" if e.technique_ok else "technique_not_ok"))
        said = ", ".join(p for p in parts if p)
        line = f"{e.name}: {said}" if said else e.name
        return f"{line}. {e.note.strip()}" if e.note.strip() else line

    def session_exercise(self, e: SessionExercise) -> dict[str, Any]:
        """The extension `session-exercise`: one exercise of the session, machine-readable."""
        texts = self.kb.texts.exercises.get(e.exercise)
        parts: list[dict[str, Any]] = [
            {
                "url": "exercise",
                "valueCoding": {
                    "system": self.codes.local("exercise"),
                    "code": e.exercise,
                    "display": texts.name.da if texts else e.name,
                },
            },
            {"url": "done", "valueBoolean": e.done},
        ]
        for name in ("sets", "reps", "effort", "pain_during", "pain_next_day"):
            value = getattr(e, name)
            if value is not None:
                parts.append({"url": _camel(name), "valueInteger": value})
        ucum = self.codes.systems["ucum"]
        for name, url, unit in (
            ("hold_s", "hold", "s"),
            ("minutes", "minutes", "min"),
            ("load_kg", "load", "kg"),
        ):
            value = getattr(e, name)
            if value is not None:
                quantity = {"value": value, "unit": unit, "system": ucum, "code": unit}
                parts.append({"url": url, "valueQuantity": quantity})
        if e.load_text.strip():
            parts.append({"url": "loadText", "valueString": e.load_text.strip()})
        if e.technique_ok is not None:
            parts.append({"url": "techniqueOk", "valueBoolean": e.technique_ok})
        return {"url": self.codes.structure("session-exercise"), "extension": parts}

    def complication(self, e: SessionEvent) -> dict[str, Any]:
        code = self.codes[EVENT_CODES.get(e.kind, "event_other")]
        concept = code.concept(self.lang)
        if e.description.strip():
            concept["text"] = f"{code.text[self.lang]}: {e.description.strip()}"
        return concept


def logged_dose(e: SessionExercise) -> Dose:
    """What was done as a Dose (single values as ranges), so dose_text can say it."""

    def one(value: int | None) -> tuple[int, int] | None:
        return (value, value) if value is not None else None

    return Dose(
        sets=e.sets,
        reps=one(e.reps),
        hold_s=one(e.hold_s),
        minutes=one(e.minutes),
    )


def step_word(kb: KnowledgeBase, step: str, lang: str) -> str:
    """The knowledge base's word for a progression step, or the step id without one."""
    try:
        return kb.texts.step(step, lang)
    except (KeyError, AssertionError):
        return step


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def _range(span: tuple[int, int], unit: str | None = None, table: Codes | None = None) -> Any:
    def quantity(value: int) -> dict[str, Any]:
        if unit and table:
            return {"value": value, "unit": unit, "system": table.systems["ucum"], "code": unit}
        return {"value": value}

    return {"low": quantity(span[0]), "high": quantity(span[1])}


def _timing(dose: Dose) -> dict[str, Any]:
    repeat: dict[str, Any] = {}
    if dose.days_per_week:
        low, high = dose.days_per_week
        repeat.update(frequency=low, period=1, periodUnit="wk")
        if high != low:
            repeat["frequencyMax"] = high
    if dose.minutes:
        low, high = dose.minutes
        repeat.update(duration=low, durationUnit="min")
        if high != low:
            repeat["durationMax"] = high
    return repeat
