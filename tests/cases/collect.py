"""Case files are tests (ARCHITECTURE.md; in the spirit of OpenFisca's YAML tests).

Every `*.json` case file, the shared vignettes in `../shared/clinical/vignettes/` and our own in
`tests/cases/`, is collected (tests/conftest.py hands this directory to `CaseDirectory`) as two
tests: `core` runs the case through `rules.assess` and checks
every expectation of the file; `batch` runs the same findings through the polars referral
columns (`osteofys.batch.referral`) and checks that the population engine decides the referral
as the core does, with the same risk factors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cases import engines
from tests.conftest import VIGNETTES

HERE = Path(__file__).parent


class CaseDirectory(pytest.Dir):
    """tests/cases: its Python tests, its own case files and the shared vignettes."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        yield from super().collect()
        for path in (*sorted(VIGNETTES.glob("*.json")), *sorted(HERE.glob("*.json"))):
            yield CaseFile.from_parent(self, path=path)


class CaseFile(pytest.File):
    """One case file: `{"id", "case", "expect"}` and optionally `"xfail": "<reason>"`
    (docs/case-format.md, "Case files")."""

    def collect(self) -> Iterator[pytest.Item]:
        doc = json.loads(self.path.read_text("utf-8"))
        for key in ("case", "expect"):
            if not isinstance(doc.get(key), dict):
                raise CaseFileError(f"{self.path.name}: needs an object {key!r}")
        core = CaseItem.from_parent(self, name="core", doc=doc)
        xfail = doc.get("xfail")
        if xfail is not None:
            if not isinstance(xfail, str) or not xfail.strip():
                raise CaseFileError(f"{self.path.name}: 'xfail' is the reason, a non-empty string")
            # A known disagreement with the engine: reported as xfail, not as a pass; once the
            # engine meets every expectation the case fails (strict) until the mark is removed.
            core.add_marker(
                pytest.mark.xfail(reason=xfail, raises=engines.ExpectationError, strict=True)
            )
        yield core
        yield CaseItem.from_parent(self, name="batch", doc=doc)


class CaseFileError(Exception):
    """A case file that is not a case file; reported by name, not as a traceback."""


class CaseItem(pytest.Item):
    def __init__(self, *, doc: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.doc = doc

    def runtest(self) -> None:
        if self.name == "core":
            engines.check_core(self.doc["case"], self.doc["expect"])
        else:
            engines.check_batch(self.doc["case"])

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, engines.ExpectationError):
            return f"{self.path.name} [{self.name}]: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case {self.doc.get('id', self.path.stem)} [{self.name}]"
