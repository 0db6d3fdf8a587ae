"""Typed view of the FHIR code table in the knowledge base (kb/data/fhir.toml, docs/fhir.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osteofys.kb.loader import KnowledgeBase

LOCAL = "local:"


@dataclass(frozen=True)
class Code:
    """One code of fhir.toml with its system resolved to a URI."""

    id: str
    system: str
    code: str
    display: str
    text: dict[str, str]
    field: str | None
    category: str | None
    unit: str | None
    body_site: str | None

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self, lang: str) -> dict[str, Any]:
        """A CodeableConcept with this coding and the text in `lang`."""
        return {"coding": [self.coding()], "text": self.text[lang]}


@dataclass(frozen=True)
class Codes:
    """The systems, the project's canonical URL and every code the mapping uses."""

    canonical: str
    systems: dict[str, str]
    codes: dict[str, Code]
    tscore_units: tuple[str, ...]

    def __getitem__(self, code_id: str) -> Code:
        return self.codes[code_id]

    def local(self, name: str) -> str:
        """The URL of one of the project's own CodeSystems."""
        return f"{self.canonical}/CodeSystem/{name}"

    def structure(self, name: str) -> str:
        """The URL of one of the project's own extensions."""
        return f"{self.canonical}/StructureDefinition/{name}"

    def by_field(self) -> dict[str, Code]:
        """Codes of observations, keyed by the case field they carry ('dxa.lumbar_spine')."""
        return {c.field: c for c in self.codes.values() if c.field}

    def standard(self) -> dict[str, set[str]]:
        """Codes of each standard (non-local) system that the mapping knows, by system URI."""
        known: dict[str, set[str]] = {}
        for c in self.codes.values():
            if not c.system.startswith(self.canonical):
                known.setdefault(c.system, set()).add(c.code)
        return known


def codes(kb: KnowledgeBase) -> Codes:
    """The FHIR code table of a loaded (and therefore checked) knowledge base."""
    table = kb.texts.fhir
    canonical = table.canonical
    systems = dict(table.systems)

    def resolve(system: str) -> str:
        if system.startswith(LOCAL):
            return f"{canonical}/CodeSystem/{system[len(LOCAL) :]}"
        return systems[system]

    found = {
        cid: Code(
            id=cid,
            system=resolve(e.system),
            code=e.code,
            display=e.display,
            text={lang: e.text(lang) for lang in ("da", "en")},
            field=e.field,
            category=e.category,
            unit=e.unit,
            body_site=e.body_site,
        )
        for cid, e in table.codes.items()
    }
    return Codes(canonical, systems, found, table.tscore_units)
