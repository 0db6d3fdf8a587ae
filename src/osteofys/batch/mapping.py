"""The registry mapping of the knowledge base (registry.toml, conditions.toml) as typed values.

Both engines read registry data through this: `osteofys.batch.cases` builds per-patient cases
from it, and `osteofys.batch.derive` builds the same findings in polars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from osteofys.kb.loader import KnowledgeBase

_ICD10 = re.compile(r"[A-Z]\d{2}(\.?[0-9A-Z]{1,4})?")
_ATC = re.compile(r"[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?")


class MappingError(ValueError):
    """The registry mapping of the knowledge base cannot be used."""


def normalise_icd10(code: str) -> str:
    """`S72.0`, `S720` and the Danish SKS form `DS720` all become `S720`."""
    code = code.strip().upper().replace(".", "")
    # SKS prefixes every diagnosis with D; an ICD-10 code itself never has a letter second.
    if len(code) > 1 and code[0] == "D" and code[1].isalpha():
        return code[1:]
    return code


def normalise_atc(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class CodeSet:
    """Normalised code prefixes: a code belongs to the set when it starts with one of them."""

    prefixes: tuple[str, ...]

    def matches(self, code: str) -> bool:
        return code.startswith(self.prefixes)

    def by_length(self) -> dict[int, tuple[str, ...]]:
        """The prefixes grouped by length, for a vectorised test (`slice(0, n).is_in(...)`)."""
        out: dict[int, list[str]] = {}
        for p in self.prefixes:
            out.setdefault(len(p), []).append(p)
        return {n: tuple(sorted(ps)) for n, ps in sorted(out.items())}


def expand(entries: Iterable[str], *, icd10: bool) -> CodeSet:
    """Codes and ranges as written in the knowledge base (`S72.0`, `S72.0-S72.2`) to a CodeSet.

    Raises:
        MappingError: for a code that is not ICD-10 (or ATC) or a range that is not expandable.
    """
    pattern, norm = (_ICD10, normalise_icd10) if icd10 else (_ATC, normalise_atc)
    prefixes: list[str] = []
    for entry in entries:
        parts = [p.strip() for p in str(entry).split("-")]
        if len(parts) > 2 or not all(pattern.fullmatch(p) for p in parts):
            raise MappingError(f"{entry!r} is not a code or a range of codes")
        low, high = (norm(p) for p in (parts[0], parts[-1]))
        if len(low) != len(high) or low[:-1] != high[:-1] or low > high:
            raise MappingError(f"{entry!r}: a range runs over the last character of one code")
        if low[-1].isdigit() != high[-1].isdigit():
            raise MappingError(f"{entry!r}: a range runs over digits or over letters")
        prefixes += [low[:-1] + chr(c) for c in range(ord(low[-1]), ord(high[-1]) + 1)]
    return CodeSet(tuple(dict.fromkeys(prefixes)))


@dataclass(frozen=True, slots=True)
class DrugRule:
    """An ATC code set dispensed within `window_months` before the screening date."""

    atc: CodeSet
    window_months: int
    min_ddd: float | None = None
    """Only glucocorticoids: the amount that must be dispensed within the window."""


@dataclass(frozen=True, slots=True)
class RegistryMapping:
    fracture_sites: tuple[tuple[str, CodeSet], ...]
    fracture_min_age: float
    adult_age: float
    conditions: tuple[tuple[str, CodeSet], ...]
    glucocorticoids: DrugRule
    gc_course: tuple[float, float]
    """(mg/day, months) recorded for a qualifying glucocorticoid amount: the least RF2 course."""
    aromatase_inhibitor: DrugRule
    antiandrogen_therapy: DrugRule
    known_icd10: CodeSet
    known_treatment: DrugRule

    def fracture_site(self, code: str) -> str | None:
        for site, codes in self.fracture_sites:
            if codes.matches(code):
                return site
        return None

    def condition_ids(self, code: str) -> list[str]:
        return [cid for cid, codes in self.conditions if codes.matches(code)]

    def diagnosis_codes(self) -> CodeSet:
        """Every ICD-10 prefix the mapping reads; other diagnoses do not matter."""
        sets = [c for _, c in self.fracture_sites] + [c for _, c in self.conditions]
        return CodeSet(
            tuple(dict.fromkeys(p for s in [*sets, self.known_icd10] for p in s.prefixes))
        )

    def drug_rules(self) -> dict[str, DrugRule]:
        return {
            "glucocorticoids": self.glucocorticoids,
            "aromatase_inhibitor": self.aromatase_inhibitor,
            "antiandrogen_therapy": self.antiandrogen_therapy,
            "already_known": self.known_treatment,
        }


def load_mapping(base: KnowledgeBase) -> RegistryMapping:
    """The registry mapping of a loaded (and so checked) knowledge base.

    Raises:
        MappingError: when registry.toml is missing or refers to something that does not exist.
    """
    raw: Mapping[str, Any] = base.raw.get("registry") or {}
    thresholds = base.knowledge.thresholds
    if not raw:
        raise MappingError("the knowledge base has no registry.toml")

    def number(table: str, key: str) -> float:
        tid = raw.get(table, {}).get(key)
        if tid not in thresholds:
            raise MappingError(f"registry.{table}.{key}: unknown threshold {tid!r}")
        return thresholds[tid].value

    def drug(table: str, *, with_ddd: bool = False) -> DrugRule:
        return DrugRule(
            atc=expand(raw.get(table, {}).get("atc", ()), icd10=False),
            window_months=int(number(table, "window_months")),
            min_ddd=number(table, "min_ddd") if with_ddd else None,
        )

    sites = tuple(
        (str(entry["site"]), expand(entry["icd10"], icd10=True))
        for entry in raw.get("fracture", {}).get("site", [])
    )
    conditions = tuple(
        (cid, expand(entry.get("icd10", ()), icd10=True))
        for cid, entry in base.raw.get("conditions", {}).items()
    )
    return RegistryMapping(
        fracture_sites=sites,
        fracture_min_age=number("fracture", "min_age"),
        adult_age=base.knowledge.value("adult_age_years"),
        conditions=conditions,
        glucocorticoids=drug("glucocorticoids", with_ddd=True),
        gc_course=(
            base.knowledge.value("gc_min_mg_per_day"),
            base.knowledge.value("gc_min_months"),
        ),
        aromatase_inhibitor=drug("aromatase_inhibitor"),
        antiandrogen_therapy=drug("antiandrogen_therapy"),
        known_icd10=expand(raw.get("already_known", {}).get("icd10", ()), icd10=True),
        known_treatment=drug("already_known"),
    )
