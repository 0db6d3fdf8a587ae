"""Input-size limits: how much one case, Bundle or request may hold before any work is done.

These are not clinical numbers (those live in the knowledge base): they bound the memory and time
one request can cost. Each limit is defined here once; the case parser, the FHIR reader, the API
and its JSON Schemas (`maxItems`) all read it from here, so what is documented is what is enforced.
"""

from __future__ import annotations

from datetime import date
from typing import Any

# Fractures in one case. A person with more than 50 recorded fractures is not a real record.
MAX_FRACTURES = 50
# Entries of `risk_factors.conditions`: the vocabulary has under 20, duplicates are allowed.
MAX_CONDITIONS = 50
# Entries of a FHIR Bundle read for DXA values; a DXA report holds a handful of Observations.
MAX_BUNDLE_ENTRIES = 500
# Characters of a clinician's free-text reason (the acute-phase decision), as the web form allows.
MAX_REASON_CHARS = 2000
# Problems reported for one input; the rest are counted in one last issue.
MAX_ISSUES = 50
# Nesting of any JSON document (a case is 3 deep, a FHIR Bundle about 8); deeper is refused before
# anything recursive (copying, validating, printing) sees it.
MAX_DEPTH = 32
# Bytes of one API request body; a case is about 2 kB, a DXA Bundle a few kB.
MAX_BODY_BYTES = 1_000_000
# The earliest date any clinical field may hold (birth, fracture, DXA, assessment). The latest is
# today for the assessment date, and the assessment date for everything else.
EARLIEST_DATE = date(1900, 1, 1)


def json_depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether decoded JSON nests lists/objects deeper than `limit`, checked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
