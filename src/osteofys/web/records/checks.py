"""Django system check: the knowledge base must pass its integrity check before the app serves."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from osteofys import kb


@register()
def knowledge_base_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    return [Error(problem, id="osteofys.E001") for problem in kb.check()]
