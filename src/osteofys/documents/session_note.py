"""The session note (journal of one training session) as PDF, rendered with typst.

No Django here: the web app (osteofys.web.training.documents) passes the note as it presents
it (osteofys.web.training.presenters.SessionNote as a dict), the clinic's letterhead and the
patient's name; `session_note_data` adds the knowledge base's footer words and the print date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from osteofys.documents.render import TEMPLATES, compile_pdf
from osteofys.kb.loader import KnowledgeBase

SESSION_NOTE = TEMPLATES / "session_note.typ"


def session_note_data(
    base: KnowledgeBase,
    *,
    note: Mapping[str, Any],
    clinic: Mapping[str, str],
    patient: Mapping[str, str],
    printed: date,
    lang: str = "da",
) -> dict[str, Any]:
    """What session_note.typ lays out: the note's parts, letterhead, patient and footer.

    Args:
        base: The installed knowledge base (its document words).
        note: The note's parts: title, date, therapist, attendance, setting, plan, groups
            (domain, goal, entries of name/pattern/done/prescribed/response/note), events
            (kind/description/action), response, next_time, kb_version, labels.
        clinic: name, address, phone, email (blank when not recorded).
        patient: name and the birth date in words ("born").
        printed: The day the PDF is made.
        lang: The note's language (the journal is Danish).
    """
    docs = base.texts.documents
    version = str(note.get("kb_version") or base.version)
    footer = docs.common["made_with"](lang).format(version=version)
    return {
        "kind": "session_note",
        "lang": lang,
        "note": dict(note),
        "clinic": {k: str(clinic.get(k) or "") for k in ("name", "address", "phone", "email")},
        "patient": {k: str(patient.get(k) or "") for k in ("name", "born")},
        "printed": base.texts.long_date(printed, lang),
        "footer": footer,
        "labels": {
            **docs.labels("letter", lang),
            **{k: str(v) for k, v in (note.get("labels") or {}).items()},
        },
    }


def session_note_pdf(data: Mapping[str, Any]) -> bytes:
    """The session note as PDF bytes, from `session_note_data` (with the logo, see with_logo)."""
    return compile_pdf(SESSION_NOTE, data)
