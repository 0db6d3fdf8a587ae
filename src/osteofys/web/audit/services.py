"""Appends to the access log. `record` is called by the records selectors and services.

Each clinic has its own chain: entry n carries the hash of entry n-1 and the clinic's chain head
holds the last one. Per clinic rather than one global chain because a clinic's log is then
complete and checkable on its own (its CSV export carries every hash it needs), and because
clinics never wait for each other's lock. Appends lock the head row: SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the IMMEDIATE transaction (settings.py) already admits one writer at a time.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from osteofys.web.audit import context
from osteofys.web.audit.models import Action, AuditEntry, ChainHead, Detail, ObjectType

GENESIS = "0" * 64


def record(
    action: Action | str,
    obj: models.Model | None = None,
    *,
    clinic_id: int | None = None,
    object_type: ObjectType | str = "",
    detail: Detail | str = Detail.NONE,
) -> AuditEntry:
    """Log one access to patient data by the current actor.

    Args:
        action: What was done (an `Action`).
        obj: The patient, assessment, plan or re-test; its clinic and patient come from it.
        clinic_id: The clinic, for entries without one object (a patient list).
        object_type: The kind of object, for entries without one object.
        detail: A fixed `Detail` code; anything else is refused, so no free text gets in.

    Raises:
        ValueError: For an unknown action, object type or detail, or when no clinic is known.
    """
    object_id = patient_id = None
    if obj is not None:
        clinic_id = obj.clinic_id  # type: ignore[attr-defined]
        object_type = obj._meta.model_name or ""
        object_id = obj.pk
        patient_id = obj.pk if object_type == ObjectType.PATIENT else obj.patient_id  # type: ignore[attr-defined]
    if clinic_id is None:
        raise ValueError("an access-log entry needs a clinic")
    user_id, address = context.actor()
    return _append(
        {
            "clinic_id": clinic_id,
            "user_id": user_id,
            "action": Action(action).value,
            "object_type": ObjectType(object_type).value,
            "object_id": object_id,
            "patient_id": patient_id,
            "detail": Detail(detail).value,
            "address": address,
        }
    )


def _append(values: dict[str, Any]) -> AuditEntry:
    # No savepoint of its own: a failed log write must undo the change it was logging.
    with transaction.atomic(savepoint=False):
        head = _locked_head(values["clinic_id"])
        values.update(seq=head.seq + 1, at=timezone.now(), prev_hash=head.hash)
        entry = AuditEntry.objects.create(**values, hash=entry_hash(values))
        ChainHead.objects.filter(pk=head.pk).update(seq=entry.seq, hash=entry.hash)
    return entry


def _locked_head(clinic_id: int) -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(clinic_id=clinic_id).first()
    if head is None:
        # Two first writers race here; get_or_create settles it on the primary key.
        ChainHead.objects.get_or_create(clinic_id=clinic_id, defaults={"hash": GENESIS})
        head = ChainHead.objects.select_for_update().get(clinic_id=clinic_id)
    return head


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
