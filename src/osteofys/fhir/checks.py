"""Checks an exported Bundle: FHIR R4B structure, and the project's own rules the models miss."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from osteofys.fhir.codes import Codes, codes
from osteofys.kb import load
from osteofys.kb.loader import CATEGORIES, KnowledgeBase

_CPR = re.compile(r"(\d{2})(\d{2})(\d{2})\d{4}")
_UUID_URL = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Required values per resource type: (path, allowed values).
FIXED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Observation": (("status", ("final",)),),
    "Flag": (("status", ("active",)),),
    "ServiceRequest": (("status", ("active",)), ("intent", ("proposal",))),
    "CarePlan": (("status", ("active",)), ("intent", ("plan",))),
    "Procedure": (("status", ("completed", "not-done")),),
}
# What a reference below `subject` may point to, by the element it sits in.
REFERENCE_TARGETS = {"basedOn": ("CarePlan",), "partOf": ("Procedure",)}
ACTIVITY_STATUSES = ("not-started", "in-progress")
PAIN_RANGE = (0, 10)
OBSERVATION_CATEGORIES = ("imaging", "exam", "survey")
CONDITION_ICD10 = ("M80", "M81")

Problems = list[str]


def check(doc: Mapping[str, Any], kb: KnowledgeBase | None = None) -> list[str]:
    """Every problem of an exported Bundle; an empty list when it is sound.

    Two layers: each resource must validate with the `fhir.resources` R4B models, and the
    project's own rules must hold, which those models do not know: the exact system URIs of LOINC,
    SNOMED CT, ICD-10 and the CPR register; codes of standard systems are those of fhir.toml;
    value sets (Observation status final, category among the five, ServiceRequest intent
    proposal, Procedure status completed or not-done, ...); the CPR number has the form
    DDMMÅÅXXXX with a real date; every `subject` points to the Patient of the Bundle, every
    `basedOn` to a CarePlan and every `partOf` to a Procedure in it; a Procedure is SNOMED CT
    exercise therapy with a performed date, and has a status reason exactly when not done; a pain
    score is an integer 0-10; a CarePlan activity is not started or in progress.

    Args:
        doc: the Bundle as JSON data.
        kb: the knowledge base; the shipped one when None.
    """
    table = codes(kb or load())
    entries = doc.get("entry") or []
    patients = [e.get("fullUrl") for e in entries if _type(e) == "Patient"]
    problems = _models(doc) + _bundle(doc, patients) + _references(entries)
    for i, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        where = f"entry[{i}] {resource.get('resourceType')}"
        problems += [f"{where}: {p}" for p in _resource(resource, table, patients[:1])]
    return problems


def _bundle(doc: Mapping[str, Any], patients: list[Any]) -> Problems:
    """Bundle type, one Patient, and unique urn:uuid fullUrls (the references depend on them)."""
    problems: Problems = []
    if doc.get("resourceType") != "Bundle" or doc.get("type") != "collection":
        problems.append("Bundle: resourceType must be Bundle and type collection")
    urls = [e.get("fullUrl") for e in doc.get("entry") or []]
    for i, url in enumerate(urls):
        if not (isinstance(url, str) and _UUID_URL.fullmatch(url)):
            problems.append(f"entry[{i}].fullUrl {url!r} is not a urn:uuid")
    if len(set(map(str, urls))) != len(urls):
        problems.append("Bundle: fullUrls are not unique")
    if len(patients) != 1:
        problems.append(f"Bundle: expected one Patient, found {len(patients)}")
    return problems


def _models(doc: Mapping[str, Any]) -> Problems:
    """The R4B models' verdict on the Bundle and on each resource in it."""
    problems: Problems = []
    targets = [("Bundle", doc)] + [
        (f"entry[{i}]", e.get("resource")) for i, e in enumerate(doc.get("entry") or [])
    ]
    for where, resource in targets:
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            problems.append(f"{where}: not a resource")
            continue
        try:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        except (ValidationError, KeyError, ValueError) as exc:
            problems.append(f"{where}: R4B model: {exc}")
    return problems


def _references(entries: list[Any]) -> Problems:
    """Every `basedOn` and `partOf` reference is the fullUrl of a resource of the right type."""
    types = {e.get("fullUrl"): _type(e) for e in entries if isinstance(e, Mapping)}
    problems: Problems = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping):
            continue
        for element, allowed in REFERENCE_TARGETS.items():
            for n, ref in enumerate(resource.get(element) or []):
                target = ref.get("reference") if isinstance(ref, Mapping) else None
                if types.get(target) not in allowed:
                    problems.append(
                        f"entry[{i}] {resource.get('resourceType')}: {element}[{n}] {target!r}"
                        f" is not a {' or '.join(allowed)} of the Bundle"
                    )
    return problems


def _type(entry: Mapping[str, Any]) -> Any:
    return (entry.get("resource") or {}).get("resourceType")


def _resource(resource: Mapping[str, Any], table: Codes, patients: list[Any]) -> Problems:
    problems: Problems = []
    kind = str(resource.get("resourceType"))
    for path, allowed in FIXED.get(kind, ()):
        if resource.get(path) not in allowed:
            problems.append(f"{path} is {resource.get(path)!r}, not one of {allowed}")
    subject = resource.get("subject")
    if kind != "Patient" and (
        not isinstance(subject, Mapping) or subject.get("reference") not in patients
    ):
        problems.append("subject does not refer to the Patient of the Bundle")
    problems += _codings(resource, table)
    rule = RULES.get(kind)
    if rule:
        problems += rule(resource, table)
    return problems


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every Coding (a dict with system and code) below `node`, with its path."""
    if isinstance(node, Mapping):
        if "system" in node and "code" in node:
            yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _codings(resource: Mapping[str, Any], table: Codes) -> Problems:
    """System URIs are exactly those of fhir.toml; codes of standard systems are known ones."""
    problems: Problems = []
    allowed = set(table.systems.values())
    known = table.standard()
    for path, coding in _walk(resource):
        system = str(coding["system"])
        ours = system.startswith(table.canonical + "/CodeSystem/")
        if not ours and system not in allowed:
            problems.append(f"{path}: system {system!r} is not one of fhir.toml's systems")
        if system in known and coding["code"] not in known[system]:
            problems.append(f"{path}: {system} code {coding['code']!r} is not in fhir.toml")
    return problems


def _observation(resource: Mapping[str, Any], table: Codes) -> Problems:
    problems: Problems = []
    categories = [
        c.get("code")
        for concept in resource.get("category") or []
        for c in concept.get("coding") or []
        if c.get("system") == table.systems["observation_category"]
    ]
    if not categories or not set(categories) <= set(OBSERVATION_CATEGORIES):
        problems.append(f"category {categories} is not one of {OBSERVATION_CATEGORIES}")
    code = [c.get("code") for c in resource.get("code", {}).get("coding") or []]
    if table["function_category"].code in code:
        value = resource.get("valueCodeableConcept", {}).get("coding") or [{}]
        if value[0].get("system") != table.local("function-category") or (
            value[0].get("code") not in CATEGORIES
        ):
            problems.append(f"function category {value[0].get('code')!r} is not one of the five")
        tags = [t.get("code") for t in resource.get("meta", {}).get("tag") or []]
        if not any(tags):
            problems.append("the function category does not carry the knowledge-base version")
    return problems + _pain(resource, table)


def _pain(resource: Mapping[str, Any], table: Codes) -> Problems:
    """A pain score (LOINC 72514-3) is an integer on the 0-10 scale."""
    codings = resource.get("code", {}).get("coding") or []
    if not any(c.get("code") == table["pain_score"].code for c in codings):
        return []
    value = resource.get("valueInteger")
    low, high = PAIN_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [f"pain score {value!r} is not an integer {low}-{high} (valueInteger)"]
    return []


def _procedure(resource: Mapping[str, Any], table: Codes) -> Problems:
    """A supervised session: exercise therapy, performed on a date, a reason when not done."""
    problems: Problems = []
    therapy = table["exercise_therapy"]
    codings = resource.get("code", {}).get("coding") or []
    if not any(
        c.get("system") == therapy.system and c.get("code") == therapy.code for c in codings
    ):
        problems.append(f"Procedure.code needs SNOMED CT {therapy.code}")
    performed = resource.get("performedDateTime")
    if not (isinstance(performed, str) and _date_ok(performed[:10])):
        problems.append(f"performedDateTime {performed!r} is not a date")
    not_done = resource.get("status") == "not-done"
    if not_done != ("statusReason" in resource):
        problems.append("statusReason must be given exactly when the status is not-done")
    return problems


def _care_plan(resource: Mapping[str, Any], table: Codes) -> Problems:
    problems: Problems = []
    for n, activity in enumerate(resource.get("activity") or []):
        status = (activity.get("detail") or {}).get("status")
        if status not in ACTIVITY_STATUSES:
            problems.append(f"activity[{n}].detail.status {status!r} not in {ACTIVITY_STATUSES}")
        for m, note in enumerate(activity.get("progress") or []):
            if not (note.get("text") or "").strip():
                problems.append(f"activity[{n}].progress[{m}] has no text")
    return problems


def _date_ok(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _condition(resource: Mapping[str, Any], table: Codes) -> Problems:
    codings = resource.get("code", {}).get("coding") or []
    snomed = [c for c in codings if c.get("system") == table.systems["snomed"]]
    icd = [c.get("code") for c in codings if c.get("system") == table.systems["icd10"]]
    problems: Problems = []
    if [c.get("code") for c in snomed] != [table["osteoporosis"].code]:
        problems.append(f"needs exactly SNOMED CT {table['osteoporosis'].code}")
    if len(icd) > 1 or not set(icd) <= set(CONDITION_ICD10):
        problems.append(f"ICD-10 {icd} must be one of {CONDITION_ICD10}")
    return problems


def _patient(resource: Mapping[str, Any], table: Codes) -> Problems:
    problems: Problems = []
    for identifier in resource.get("identifier") or []:
        if identifier.get("system") != table.systems["cpr"]:
            problems.append(f"identifier system {identifier.get('system')!r} is not the CPR OID")
        elif not cpr_ok(str(identifier.get("value"))):
            problems.append("the CPR number is not ten digits DDMMÅÅXXXX with a real date")
    if resource.get("gender") not in ("female", "male"):
        problems.append(f"gender {resource.get('gender')!r} is not female or male")
    return problems


def cpr_ok(value: str) -> bool:
    """True for ten digits DDMMÅÅXXXX whose date part exists (no modulus-11 check since 2007)."""
    match = _CPR.fullmatch(value)
    if not match:
        return False
    day, month, year = (int(g) for g in match.groups())
    try:
        # Any leap-year century will do: only whether the day exists is checked.
        date(2000 + year, month, day)
    except ValueError:
        return False
    return True


RULES: dict[str, Callable[[Mapping[str, Any], Codes], Problems]] = {
    "Observation": _observation,
    "Condition": _condition,
    "Patient": _patient,
    "Procedure": _procedure,
    "CarePlan": _care_plan,
}
