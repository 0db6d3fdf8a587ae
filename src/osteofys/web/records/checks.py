"""Django system check: the knowledge base must pass its integrity check before the app serves."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from osteofys import kb


@register()
def knowledge_base_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    # Each problem keeps its own stable code (kb.problems), so an operator can look it up.
    return [
        Error(f"{p.where}: {p.detail}", hint=f"kb/data/{p.file}", id=p.code) for p in kb.check()
    ]
