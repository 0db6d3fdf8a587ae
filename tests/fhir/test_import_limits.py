"""The FHIR reader refuses a Bundle with more entries than it reads, before reading any entry."""

from __future__ import annotations

from typing import Any

import pytest

from osteofys.fhir import FhirImportError, dxa_from_bundle
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.limits import MAX_BUNDLE_ENTRIES


def _bundle(entries: list[Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_a_bundle_over_the_limit_is_one_refusal_without_a_report_per_entry(
    base: KnowledgeBase,
) -> None:
    # Was: 600,000 "ignored" reports, a 73 MB answer after 20 s.
    with pytest.raises(FhirImportError) as caught:
        dxa_from_bundle(_bundle([{}] * 600_000), base)
    assert caught.value.ignored == []
    assert "600000" in caught.value.message
    assert str(MAX_BUNDLE_ENTRIES) in caught.value.message


def test_a_bundle_at_the_limit_is_read(base: KnowledgeBase) -> None:
    with pytest.raises(FhirImportError) as caught:
        dxa_from_bundle(_bundle([{}] * MAX_BUNDLE_ENTRIES), base)
    assert len(caught.value.ignored) == MAX_BUNDLE_ENTRIES  # read: each entry has its reason
