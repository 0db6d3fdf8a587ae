"""The access log's hash chain: how an entry is hashed, written once for the writer and checker.

`services` appends with it and `selectors.chain_verify` recomputes it; the CSV export prints the
times as the hash covers them. Pure: no database, no request.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# The previous hash of a clinic's first entry.
GENESIS = "0" * 64


def hashed_time(at: datetime) -> str:
    """An entry's time as the hash covers it (and as the CSV export prints it)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(values: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of an entry's fields, the previous hash included."""
    at: datetime = values["at"]
    canonical = {
        "seq": values["seq"],
        "clinic": values["clinic_id"],
        "user": values["user_id"],
        "at": hashed_time(at),
        "action": values["action"],
        "object_type": values["object_type"],
        "object_id": values["object_id"],
        "patient": values["patient_id"],
        "detail": values["detail"],
        "address": values["address"],
        "prev": values["prev_hash"],
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
