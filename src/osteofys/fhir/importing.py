"""FHIR R4 import of DXA T-scores: a Bundle of Observations in, the case's `dxa` section out."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from osteofys.fhir.codes import Code, Codes, codes
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.limits import MAX_BUNDLE_ENTRIES

# Statuses of a result that may be used; preliminary, cancelled or entered-in-error ones may not.
USABLE_STATUS = ("final", "amended", "corrected")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T.*)?")


@dataclass(frozen=True)
class Ignored:
    """An entry of the Bundle that was not used, and why (in Danish).

    Attributes:
        index: the position in Bundle.entry.
        reference: the entry's fullUrl, or "ResourceType/id", or "" when it has neither.
        reason: why it was not used.
    """

    index: int
    reference: str
    reason: str


@dataclass(frozen=True)
class DxaImport:
    """The DXA found in a Bundle.

    Attributes:
        dxa: the case-format `dxa` section: date and the four T-scores, None where not found.
        used: one line per entry used: position, code and the case field it filled.
        ignored: every other entry with the reason it was left out.
    """

    dxa: dict[str, Any]
    used: list[str]
    ignored: list[Ignored]


class FhirImportError(ValueError):
    """The document cannot be read as a Bundle of DXA observations. The message is Danish."""

    def __init__(self, message: str, ignored: list[Ignored] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.ignored = ignored or []


@dataclass
class _Found:
    index: int
    code: Code
    value: float
    when: date | None


@dataclass
class _Reading:
    found: list[_Found] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


def dxa_from_bundle(doc: Any, kb: KnowledgeBase) -> DxaImport:
    """Read DXA T-score Observations (LOINC codes of fhir.toml) from a FHIR Bundle.

    Any JSON value may come in; the result is a DxaImport or a FhirImportError, never another
    exception. An entry is used when it is an Observation with a usable status, a known DXA code,
    a numeric T-score within the knowledge base's input range, and the same date as the first
    entry used; the first entry of each code wins. Each other entry is reported as ignored.

    Raises:
        FhirImportError: the document is not a Bundle, its entry is not a list or has more than
            MAX_BUNDLE_ENTRIES entries, or no entry holds a usable DXA T-score (`ignored` then
            says why of each).
    """
    if not isinstance(doc, dict):
        raise FhirImportError(f"Forventede et JSON-objekt (en FHIR Bundle), ikke {_kind(doc)}.")
    if doc.get("resourceType") != "Bundle":
        raise FhirImportError(
            f"resourceType skal være 'Bundle', ikke {_show(doc.get('resourceType'))}."
        )
    entries = doc.get("entry", [])
    if not isinstance(entries, list):
        raise FhirImportError(f"Bundle.entry skal være en liste, ikke {_kind(entries)}.")
    if len(entries) > MAX_BUNDLE_ENTRIES:
        # Refused before reading any entry: the cost of a Bundle must not grow with its size.
        raise FhirImportError(
            f"Bundle.entry har {len(entries)} entries: højst {MAX_BUNDLE_ENTRIES} kan læses."
        )
    table = codes(kb)
    reading = _Reading()
    for index, entry in enumerate(entries):
        _read(index, entry, table, kb, reading)
    if not reading.found:
        raise FhirImportError(
            f"Bundle indeholder ingen brugbar DXA-observation ({len(entries)} entries i alt, "
            f"{len(reading.ignored)} ignoreret).",
            reading.ignored,
        )
    dxa: dict[str, Any] = {"date": _iso(reading.found[0].when)}
    dxa.update(dict.fromkeys(("lumbar_spine", "femoral_neck", "total_hip", "forearm")))
    used = []
    for f in reading.found:
        name = str(f.code.field).removeprefix("dxa.")
        dxa[name] = f.value
        used.append(f"entry[{f.index}]: LOINC {f.code.code} → dxa.{name} = {f.value:g}")
    return DxaImport(dxa=dxa, used=used, ignored=sorted(reading.ignored, key=lambda i: i.index))


def _read(index: int, entry: Any, table: Codes, kb: KnowledgeBase, reading: _Reading) -> None:
    reference = _reference(entry)

    def ignore(reason: str) -> None:
        reading.ignored.append(Ignored(index, reference, reason))

    resource = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(resource, dict):
        ignore("entry har ingen resource (et JSON-objekt).")
        return
    kind = resource.get("resourceType")
    if kind != "Observation":
        ignore(f"forkert ressourcetype {_show(kind)}; kun Observation kan give en DXA-værdi.")
        return
    status = resource.get("status")
    if status not in USABLE_STATUS:
        ignore(f"status {_show(status)} er ikke et endeligt resultat ({', '.join(USABLE_STATUS)}).")
        return
    code, problem = _code(resource.get("code"), table)
    if code is None:
        ignore(problem)
        return
    problem = _body_site(resource.get("bodySite"), code, table)
    if problem:
        ignore(problem)
        return
    value, problem = _value(resource, code, table, kb)
    if value is None:
        ignore(problem)
        return
    when, problem = _when(resource)
    if problem:
        ignore(problem)
        return
    _keep(_Found(index, code, value, when), reading, ignore)


def _keep(found: _Found, reading: _Reading, ignore: Callable[[str], None]) -> None:
    for earlier in reading.found:
        if earlier.code.id == found.code.id:
            ignore(f"dublet: LOINC {found.code.code} er allerede brugt fra entry[{earlier.index}].")
            return
    first = reading.found[0] if reading.found else None
    # The case holds one DXA scan: values of another day would mix two scans under one date.
    if first is not None and first.when != found.when:
        ignore(
            f"dato {_iso(found.when) or 'mangler'} afviger fra den første brugte "
            f"DXA-observation (entry[{first.index}]: {_iso(first.when) or 'uden dato'})."
        )
        return
    reading.found.append(found)


def _code(concept: Any, table: Codes) -> tuple[Code | None, str]:
    dxa = {
        (c.system, c.code): c for c in table.codes.values() if (c.field or "").startswith("dxa.")
    }
    wanted = ", ".join(sorted(code for _, code in dxa))
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list) or not codings:
        return None, f"Observation.code har ingen coding; forventede LOINC {wanted}."
    seen = []
    for coding in codings:
        if not isinstance(coding, dict):
            continue
        system, value = coding.get("system"), coding.get("code")
        if isinstance(system, str) and isinstance(value, str) and (system, value) in dxa:
            return dxa[system, value], ""
        seen.append(f"{_show(system)}|{_show(value)}")
    found = "; ".join(seen[:3]) or "ingen læsbar coding"
    return (
        None,
        f"ukendt kode ({found}); kendte DXA-koder er LOINC {wanted} ({table.systems['loinc']}).",
    )


def _body_site(site: Any, code: Code, table: Codes) -> str:
    """A 'DXA Femur' result counts as femoral neck only when no other site is stated."""
    if code.body_site is None or site is None:
        return ""
    wanted = table[code.body_site]
    codings = site.get("coding") if isinstance(site, dict) else None
    if isinstance(codings, list):
        for coding in codings:
            if isinstance(coding, dict) and (coding.get("system"), coding.get("code")) == (
                wanted.system,
                wanted.code,
            ):
                return ""
    return (
        f"bodySite er ikke {wanted.text['da'].lower()} (SNOMED CT {wanted.code}); "
        f"LOINC {code.code} gælder hele lårbenet."
    )


def _value(
    resource: dict[str, Any], code: Code, table: Codes, kb: KnowledgeBase
) -> tuple[float | None, str]:
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict):
        present = [k for k in resource if isinstance(k, str) and k.startswith("value")]
        if present:
            return None, f"{present[0]} er ikke en valueQuantity med en T-score."
        return None, "mangler værdi (valueQuantity)."
    raw = quantity.get("value")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, f"værdien {_show(raw)} er ikke et tal."
    if isinstance(raw, float) and not math.isfinite(raw):
        return None, f"værdien {_show(raw)} er ikke et endeligt tal."
    if quantity.get("comparator") is not None:
        return None, f"værdien har komparator {_show(quantity.get('comparator'))}; kun præcise tal."
    unit = quantity.get("code")
    if unit is not None and unit not in table.tscore_units:
        allowed = ", ".join(table.tscore_units)
        return None, f"enheden {_show(unit)} er ikke en T-score ({allowed})."
    low, high = kb.knowledge.input_ranges[str(code.field)]
    if not low <= raw <= high:
        return None, f"T-score {_show(raw)} er uden for det tilladte område {low:g} til {high:g}."
    return float(raw), ""


def _when(resource: dict[str, Any]) -> tuple[date | None, str]:
    if "effectiveDateTime" not in resource:
        return None, ""
    raw = resource["effectiveDateTime"]
    match = _DATE.fullmatch(raw) if isinstance(raw, str) else None
    if match:
        try:
            return date.fromisoformat(match.group(1)), ""
        except ValueError:
            pass
    return None, f"effectiveDateTime {_show(raw)} er ikke en dato (ÅÅÅÅ-MM-DD)."


def _reference(entry: Any) -> str:
    if not isinstance(entry, dict):
        return ""
    if isinstance(entry.get("fullUrl"), str):
        return _clip(entry["fullUrl"])
    resource = entry.get("resource")
    if isinstance(resource, dict):
        kind, rid = resource.get("resourceType"), resource.get("id")
        if isinstance(kind, str) and isinstance(rid, str):
            return _clip(f"{kind}/{rid}")
    return ""


def _iso(when: date | None) -> str | None:
    return when.isoformat() if when else None


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: Any) -> str:
    names = {dict: "et objekt", list: "en liste", str: "en tekst", bool: "en boolesk værdi"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "et tal"
    return names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    """A short quotation of a value for a message; containers are named, never printed."""
    if isinstance(value, str):
        return repr(_clip(value, 40))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        # Python refuses to print integers of thousands of digits; JSON allows them.
        return "et meget stort tal"
    if value is None or isinstance(value, bool | int | float):
        text = repr(value)
        return text if len(text) <= 40 else _clip(text, 40)
    return _kind(value)
