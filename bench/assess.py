"""Benchmark: in-process latency of `assess` over the shared vignettes, plan included.

Measured with pyperf (bench/micro.py: fresh worker processes, a warm-up value each, then repeated
values): `assess` per call (one value is many passes over all vignettes), `parse_case` per call
(a stored case is parsed once, so it is measured apart) and the knowledge base load with its full
integrity check. The warm-up also fills the plan cache the way a running server would, and lets
the CPU leave its idle clock. Then, in this process, the tail: p50 and p99 of single calls over
`TAIL_ROUNDS` passes, which pyperf's values (means over many calls) cannot show.

Prints the median and spread of each, and cases per second on one core. Run: `make bench`
(pyperf's options pass through: `.venv/bin/python bench/assess.py --fast`, `-o assess.json`).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script, `python bench/assess.py`: import the package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import harness, micro
from osteofys import kb
from osteofys.rules import assess, parse_case

VIGNETTES = (
    Path(os.environ.get("OSTEOFYS_SHARED", harness.ROOT.parent / "shared"))
    / "clinical"
    / "vignettes"
)
TAIL_ROUNDS = 500


def time_assess(loops: int, cases: list[Any], k: Any) -> float:
    clock = time.perf_counter
    start = clock()
    for _ in range(loops):
        for case in cases:
            assess(case, k)
    return clock() - start


def time_parse(loops: int, raw: list[dict[str, Any]], k: Any) -> float:
    clock = time.perf_counter
    start = clock()
    for _ in range(loops):
        for c in raw:
            parse_case(c, k.input_ranges, k.conditions)
    return clock() - start


def time_load(loops: int) -> float:
    clock = time.perf_counter
    start = clock()
    for _ in range(loops):
        kb.loader.load_from()
    return clock() - start


def tail(cases: list[Any], k: Any) -> list[float]:
    """Microseconds of single `assess` calls, after a one-second warm-up."""
    deadline = time.perf_counter() + 1.0
    while time.perf_counter() < deadline:
        for case in cases:
            assess(case, k)
    clock = time.perf_counter_ns
    timings = []
    for _ in range(TAIL_ROUNDS):
        for case in cases:
            t0 = clock()
            assess(case, k)
            timings.append((clock() - t0) / 1000)
    return timings


def main() -> None:
    runner = micro.runner()
    k = kb.load().knowledge
    raw = [json.loads(p.read_text("utf-8"))["case"] for p in sorted(VIGNETTES.glob("*.json"))]
    if not raw:
        raise SystemExit(f"no vignettes in {VIGNETTES} (set OSTEOFYS_SHARED)")
    cases = [parse_case(c, k.input_ranges, k.conditions) for c in raw]
    n = len(cases)
    assessed = runner.bench_time_func("assess", time_assess, cases, k, inner_loops=n)
    parsed = runner.bench_time_func("parse_case", time_parse, raw, k, inner_loops=n)
    loaded = runner.bench_time_func("kb load + check", time_load)
    if micro.is_worker(runner) or assessed is None or parsed is None or loaded is None:
        return
    timings = tail(cases, k)
    p50, p99 = harness.percentiles(timings, (50, 99))
    rates = [1 / v for v in assessed.get_values()]
    print()
    print(harness.machine())
    print(f"assess over {n} vignettes (plan and full trace included), pyperf:")
    print(f"  per call    {micro.line(assessed, 1e6, 'µs')}")
    print(
        f"  throughput {statistics.median(rates):,.0f} cases/s on one core "
        f"(range {min(rates):,.0f}-{max(rates):,.0f})"
    )
    print(
        f"  single calls in one process, {len(timings):,} after a 1 s warm-up: "
        f"p50 {p50:.1f} µs, p99 {p99:.1f} µs"
    )
    print(f"parse_case    {micro.line(parsed, 1e6, 'µs')}")
    print("knowledge base load + full integrity check (a reload in a warm process)")
    print(f"              {micro.line(loaded, 1e3, 'ms', 0)}")


if __name__ == "__main__":
    main()
