"""Appends to the access log. `record` is called by the records selectors and services.

Each clinic has its own chain: entry n carries the hash of entry n-1 and the clinic's chain head
holds the last one. Per clinic rather than one global chain because a clinic's log is then
complete and checkable on its own (its CSV export carries every hash it needs), and because
clinics never wait for each other's lock. Appends lock the head row: SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the IMMEDIATE transaction (settings.py) already admits one writer at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from osteofys.web.audit import context
from osteofys.web.audit.chain import GENESIS, entry_hash
from osteofys.web.audit.models import Action, AuditEntry, ChainHead, Detail, ObjectType


def record(
    action: Action | str,
    obj: models.Model | None = None,
    *,
    clinic_id: int | None = None,
    object_type: ObjectType | str = "",
    detail: Detail | str = Detail.NONE,
) -> None:
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
        # A class or other clinic-level object has no patient.
        patient_id = (
            obj.pk if object_type == ObjectType.PATIENT else getattr(obj, "patient_id", None)
        )
    if clinic_id is None:
        raise ValueError("an access-log entry needs a clinic")
    values = _entry(action, clinic_id=clinic_id, object_type=object_type, detail=detail)
    _append({**values, "object_id": object_id, "patient_id": patient_id})


def record_many(
    action: Action | str, objs: Sequence[models.Model], *, detail: Detail | str = Detail.NONE
) -> None:
    """Log one access to each of `objs` (of one clinic) in one append.

    A class screen shows a dozen patients: one lock with one batch of inserts costs far less than
    a dozen appends. The entries are the ones `record` would write for each object, in order,
    in one chain.
    """
    if not objs:
        return
    entries = []
    for obj in objs:
        object_type = obj._meta.model_name or ""
        patient_id = (
            obj.pk if object_type == ObjectType.PATIENT else getattr(obj, "patient_id", None)
        )
        values = _entry(
            action,
            clinic_id=obj.clinic_id,  # type: ignore[attr-defined]
            object_type=object_type,
            detail=detail,
        )
        entries.append({**values, "object_id": obj.pk, "patient_id": patient_id})
    if len({e["clinic_id"] for e in entries}) != 1:
        raise ValueError("record_many logs objects of one clinic")
    _append_all(entries)


def record_event(
    action: Action | str,
    *,
    clinic_id: int,
    object_type: ObjectType | str,
    object_id: int | None = None,
    detail: Detail | str = Detail.NONE,
) -> None:
    """Log a security event (a login, a changed role, a revoked token…) in the clinic's chain.

    The actor is the current request's user, as for `record`; for a failed login there is none
    and the user the attempt was for is the object.
    """
    values = _entry(action, clinic_id=clinic_id, object_type=object_type, detail=detail)
    _append({**values, "object_id": object_id, "patient_id": None})


def _entry(
    action: Action | str, *, clinic_id: int, object_type: ObjectType | str, detail: Detail | str
) -> dict[str, Any]:
    """The checked codes and the actor of an entry (the object's ids are the caller's)."""
    user_id, address = context.actor()
    return {
        "clinic_id": clinic_id,
        "user_id": user_id,
        "action": Action(action).value,
        "object_type": ObjectType(object_type).value,
        "detail": Detail(detail).value,
        "address": address,
    }


def _append(values: dict[str, Any]) -> None:
    _append_all([values])


def _append_all(entries: list[dict[str, Any]]) -> None:
    """Chain `entries` (one clinic's) after the clinic's head, under one lock of the head."""
    # No savepoint of its own: a failed log write must undo the change it was logging.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        clinic_id = entries[0]["clinic_id"]
        seq, prev_hash = _locked_head(cursor, clinic_id)
        at = timezone.now()
        statements = _statements()
        rows = []
        for values in entries:
            seq += 1
            values.update(seq=seq, at=at, prev_hash=prev_hash)
            values["hash"] = prev_hash = entry_hash(values)
            rows.append([prep(values[name]) for name, prep in statements.columns])
        if len(rows) == 1:
            cursor.execute(statements.insert, rows[0])
        else:
            cursor.executemany(statements.insert, rows)
        cursor.execute(statements.update_head, [seq, prev_hash, clinic_id])


def _locked_head(cursor: Any, clinic_id: int) -> tuple[int, str]:
    statements = _statements()
    cursor.execute(statements.select_head, [clinic_id])
    row = cursor.fetchone()
    if row is None:
        # Two first writers race here; get_or_create settles it on the primary key.
        ChainHead.objects.get_or_create(clinic_id=clinic_id, defaults={"hash": GENESIS})
        cursor.execute(statements.select_head, [clinic_id])
        row = cursor.fetchone()
    return int(row[0]), str(row[1])


@dataclass(frozen=True)
class _Statements:
    select_head: str
    insert: str
    update_head: str
    columns: list[tuple[str, Callable[[Any], Any]]]


@functools.cache
def _statements() -> _Statements:
    """The three statements of an append, written once from the models' metadata.

    Every page view that shows patient data appends an entry, so this is on the busiest path of
    the app: the ORM spent about 0.8 ms of CPU building these same three statements each time.
    Values go through each field's own conversion, exactly as the ORM would send them.
    """
    q = connection.ops.quote_name
    head, entry = ChainHead._meta, AuditEntry._meta
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    fields = [f for f in entry.concrete_fields if not f.primary_key]
    return _Statements(
        select_head=f"SELECT {q('seq')}, {q('hash')} FROM {q(head.db_table)} "
        f"WHERE {q('clinic_id')} = %s{lock}",
        insert=f"INSERT INTO {q(entry.db_table)} ({', '.join(q(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})",
        update_head=f"UPDATE {q(head.db_table)} SET {q('seq')} = %s, {q('hash')} = %s "
        f"WHERE {q('clinic_id')} = %s",
        columns=[
            (f.attname, functools.partial(f.get_db_prep_save, connection=connection))
            for f in fields
        ],
    )
