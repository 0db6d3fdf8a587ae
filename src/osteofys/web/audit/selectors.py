"""Reads of the access log: a clinic's entries for its admins, and the check of every chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from osteofys.web.accounts.models import Clinic
from osteofys.web.audit.chain import GENESIS, entry_hash
from osteofys.web.audit.models import AuditEntry, ChainHead
from osteofys.web.records.models import Patient

HASHED = (
    "id",
    "seq",
    "clinic_id",
    "user_id",
    "at",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "detail",
    "address",
    "prev_hash",
    "hash",
)


def entry_list(
    clinic: Clinic,
    *,
    user_id: int | None = None,
    action: str = "",
    object_type: str = "",
    patient_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """The clinic's entries, newest first, filtered; dates are whole local days, both included."""
    entries = AuditEntry.objects.filter(clinic=clinic).select_related("user")
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if patient_id is not None:
        entries = entries.filter(patient_id=patient_id)
    # The calendar's edges are no bound at all (and the next day of 9999-12-31 does not exist).
    if date_from and date_from > date.min + timedelta(days=1):
        entries = entries.filter(at__gte=_local_midnight(date_from))
    if date_to and date_to < date.max - timedelta(days=1):
        entries = entries.filter(at__lt=_local_midnight(date_to + timedelta(days=1)))
    return entries.order_by("-at", "-id")


def patient_names(clinic: Clinic, patient_ids: set[int]) -> dict[int, str]:
    """The names of the clinic's patients among `patient_ids`, in one query.

    For showing next to the ids on the log page. The log itself keeps ids only; a deleted patient
    has no name here.
    """
    if not patient_ids:
        return {}
    found = Patient.objects.filter(clinic=clinic, pk__in=patient_ids).values_list("pk", "name")
    return dict(found)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def latest_change(clinic_id: int, object_type: str, object_id: int) -> AuditEntry | None:
    """The newest create or update of an object: who saved what another user is now editing."""
    return (
        AuditEntry.objects.filter(
            clinic_id=clinic_id,
            object_type=object_type,
            object_id=object_id,
            action__in=["create", "update"],
        )
        .select_related("user")
        .order_by("-seq")
        .first()
    )


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking the chains. `entry_id` names the first entry found broken."""

    count: int
    entry_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def chain_verify() -> Verdict:
    """Recompute every clinic's chain: an edited, deleted or inserted entry breaks it.

    Deleting entries from the end leaves no broken link behind, so each chain's last hash and
    length are compared with its head row as well.
    """
    heads = {h.clinic_id: h for h in ChainHead.objects.all()}
    clinics = set(heads) | set(
        AuditEntry.objects.order_by().values_list("clinic_id", flat=True).distinct()
    )
    count, broken = 0, []
    for clinic_id in sorted(clinics):
        verdict = _verify_one(clinic_id, heads.get(clinic_id))
        count += verdict.count
        if not verdict.intact:
            broken.append(verdict)
    if broken:
        first = min(broken, key=lambda v: v.entry_id or 0)
        return Verdict(count, first.entry_id, first.problem)
    return Verdict(count)


def _verify_one(clinic_id: int, head: ChainHead | None) -> Verdict:
    prev, seq, last_id, count = GENESIS, 0, None, 0
    for row in _rows(clinic_id):
        count += 1
        if row["seq"] != seq + 1:
            return Verdict(count, row["id"], "missing_before" if row["seq"] > seq + 1 else "order")
        if row["prev_hash"] != prev:
            return Verdict(count, row["id"], "link")
        if entry_hash(row) != row["hash"]:
            return Verdict(count, row["id"], "changed")
        prev, seq, last_id = row["hash"], row["seq"], row["id"]
    if head is None or head.seq != seq or head.hash != prev:
        return Verdict(count, last_id, "missing_after" if last_id else "emptied")
    return Verdict(count)


def _rows(clinic_id: int) -> Iterator[dict[str, Any]]:
    return (
        AuditEntry.objects.filter(clinic_id=clinic_id)
        .order_by("seq", "id")
        .values(*HASHED)
        .iterator(chunk_size=2000)
    )
