"""The harness the benchmarks and the server tests share: figures, the docs writer, servers."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from bench import harness

DOC = """# Benchmarks

Intro text that no writer may touch.

## Web application

Hand-written words before the table.

<!-- web: begin -->
old web table
<!-- web: end -->

Hand-written words after the table.

## Load: 50 clinicians, 60 s

Why the load test exists.

### SQLite

<!-- load sqlite: begin -->
old sqlite block
<!-- load sqlite: end -->

## Population screening

Screening words.
"""


def test_percentile_is_nearest_rank_on_unsorted_values() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 100 ... 1, unsorted on purpose
    assert harness.percentile(values, 50) == 50.0
    assert harness.percentile(values, 99) == 99.0
    assert harness.percentile(values, 100) == 100.0
    assert harness.percentile([7.0], 1) == 7.0
    assert harness.percentiles([3.0, 1.0, 2.0], (0, 50, 100)) == [1.0, 2.0, 3.0]
    assert math.isnan(harness.percentile([], 50))


def test_spread_gives_median_and_range() -> None:
    assert harness.spread([1.0, 3.0, 2.0]) == "2.00 s (1.00-3.00)"
    assert harness.spread([0.5], "x", 1) == "0.5 x"


def test_write_docs_replaces_only_its_block(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(DOC, "utf-8")
    harness.write_docs(
        "## Web application", "new web table", begin="<!-- web: begin -->",
        end="<!-- web: end -->", path=path,
    )  # fmt: skip
    assert path.read_text("utf-8") == DOC.replace("old web table", "new web table")
    harness.write_docs(
        "## Load: 50 clinicians, 60 s", "new sqlite block", begin="<!-- load sqlite: begin -->",
        end="<!-- load sqlite: end -->", heading="### SQLite", append=True, path=path,
    )  # fmt: skip
    expected = DOC.replace("old web table", "new web table").replace("old sqlite", "new sqlite")
    assert path.read_text("utf-8") == expected


def test_write_docs_adds_a_missing_block_and_section(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(DOC, "utf-8")
    harness.write_docs(
        "## Load: 50 clinicians, 60 s", "pg block", begin="<!-- load pg: begin -->",
        end="<!-- load pg: end -->", heading="### PostgreSQL", append=True, path=path,
    )  # fmt: skip
    text = path.read_text("utf-8")
    # Last in its section, before the next one; the SQLite block stays as it was.
    assert (
        "<!-- load sqlite: end -->\n\n### PostgreSQL\n\n<!-- load pg: begin -->\npg block\n"
        "<!-- load pg: end -->\n\n## Population screening" in text
    )
    harness.write_docs(
        "## Web application", "first", begin="<!-- other: begin -->",
        end="<!-- other: end -->", path=path,
    )  # fmt: skip
    # Without `append`, first in the section, before the hand-written words.
    assert (
        "## Web application\n\n<!-- other: begin -->\nfirst\n<!-- other: end -->\n\n"
        "Hand-written words before" in path.read_text("utf-8")
    )
    harness.write_docs("## New", "block", begin="<!-- b -->", end="<!-- e -->", path=path)
    assert path.read_text("utf-8").endswith(
        "Screening words.\n\n## New\n\n<!-- b -->\nblock\n<!-- e -->\n"
    )


def test_start_server_waits_for_http_and_stops_the_group(tmp_path: Path) -> None:
    port = harness.free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", harness.HOST]
    server = harness.start_server(
        command, port=port, env={}, log=tmp_path / "http.log", ready="/", cwd=tmp_path
    )
    try:
        assert harness.fetch(server.base + "/").status == 200
    finally:
        server.stop()
    assert server.process.returncode is not None
    with pytest.raises(OSError, match="refused"):
        harness.fetch(server.base + "/", timeout=2)


def test_start_server_says_when_the_server_stopped(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "print('no such option: --frobnicate'); raise SystemExit(3)"]
    with pytest.raises(harness.ServerError, match=r"(?s)stopped \(exit 3\).*--frobnicate"):
        harness.start_server(
            command, port=harness.free_port(), env={}, log=tmp_path / "x.log", name="x"
        )
