"""CPR numbers: format check and masking. A CPR number is never put in a URL or a log line."""

from __future__ import annotations

import re
from datetime import date

from django.utils.crypto import salted_hmac

_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")


def normalise(raw: str) -> str | None:
    """Ten digits when `raw` is a well-formed CPR number (DDMMÅÅ-XXXX), else None.

    Only the format and the date part are checked: since 2007 not every valid number passes the
    old modulus-11 check, so that check would reject real people.
    """
    match = _CPR.match(raw.strip().replace(" ", ""))
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups()[:3])
    try:
        # Any century will do for checking that the day exists (29 February: a leap year).
        date(2000 + year, month, day)
    except ValueError:
        return None
    return "".join(match.groups())


def masked(cpr: str) -> str:
    """'DDMMÅÅ-****': enough to recognise the person, not enough to misuse the number."""
    return f"{cpr[:6]}-****" if len(cpr) == 10 else ""


def digest(cpr: str) -> str:
    """A keyed hash of ten CPR digits, for search.

    Equal numbers give equal digests, and the digest alone (in a backup, a query plan) does not give
    the number back without the key.
    """
    return salted_hmac("osteofys.records.cpr-search", cpr, algorithm="sha256").hexdigest()
