"""The warm-up before the workers start: everything it loads is there, and it is frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from django.template import engines

from osteofys.web.warmup import template_names, warm_up


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the test process goes on collecting as before


def test_every_template_of_the_app_is_found() -> None:
    names = template_names()
    assert {"base.html", "records/_result.html", "records/patient_list.html"} <= set(names)
    # Only OsteoFys's own files: its override of the API docs page, none of django-ninja's others.
    assert [n for n in names if n.startswith(("ninja/", "admin/"))] == ["ninja/swagger.html"]


def test_warm_up_compiles_the_templates_and_freezes_what_it_loaded(unfrozen: None) -> None:
    gc.unfreeze()
    frozen = warm_up()
    assert frozen == gc.get_freeze_count() > 10_000
    cached = engines["django"].engine.template_loaders[0]
    # The cached loader now answers every app template without reading a file.
    assert set(template_names()) <= set(cached.get_template_cache)
