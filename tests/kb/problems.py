"""Matching knowledge-base problems by their stable code (kb.problems), not by their wording."""

from __future__ import annotations

from osteofys.kb import Code, Problem


def problems_at(problems: list[Problem], code: Code, where: str, *names: str) -> list[Problem]:
    """The problems of kind `code` at a place that starts with `where` whose detail names every
    one of `names` (the offending ids or values); fails when there is none."""
    found = [
        p
        for p in problems
        if p.code is code and p.where.startswith(where) and all(n in p.detail for n in names)
    ]
    listed = "\n".join(map(str, problems))
    assert found, f"no {code} at {where!r} naming {names!r}; problems were:\n{listed}"
    return found
