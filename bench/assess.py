"""Benchmark: in-process latency of `assess` over the shared vignettes, plan included.

Prints p50/p99 per call and cases per second. Run: `make bench`.
Parsing the case JSON is measured separately, since a stored case is parsed once.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from osteofys import kb
from osteofys.rules import assess, parse_case

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = (
    Path(os.environ.get("OSTEOFYS_SHARED", ROOT.parent / "shared")) / "clinical" / "vignettes"
)
ROUNDS = 1000
REPEATS = 5  # the machine is shared: report the spread over repeats, not one run


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    base = kb.load()
    k = base.knowledge
    raw = [json.loads(p.read_text("utf-8"))["case"] for p in sorted(VIGNETTES.glob("*.json"))]
    cases = [parse_case(c, k.input_ranges, k.conditions) for c in raw]
    # Warm-up (one second of calls): fills the plan cache the way a running server would, and lets
    # the CPU leave its idle clock; the first repeat was otherwise ~50 % slower than the rest.
    deadline = time.perf_counter() + 1.0
    while time.perf_counter() < deadline:
        for case in cases:
            assess(case, k)

    clock = time.perf_counter_ns
    timings: list[float] = []
    medians: list[float] = []
    rates: list[float] = []
    for _ in range(REPEATS):
        run: list[float] = []
        start = clock()
        for _ in range(ROUNDS):
            for case in cases:
                t0 = clock()
                assess(case, k)
                run.append((clock() - t0) / 1000)
        rates.append(len(run) / ((clock() - start) / 1e9))
        medians.append(statistics.median(run))
        timings += run

    parse_us: list[float] = []
    for _ in range(200):
        for c in raw:
            t0 = clock()
            parse_case(c, k.input_ranges, k.conditions)
            parse_us.append((clock() - t0) / 1000)

    t0 = time.perf_counter()
    kb.loader.load_from()
    load_ms = (time.perf_counter() - t0) * 1000

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    calls = len(timings)
    print(f"assess over {len(cases)} vignettes, {REPEATS} x {ROUNDS} rounds = {calls} calls")
    print("(plan and full trace included)")
    spread = ", ".join(f"{m:.0f}" for m in medians)
    print(f"  p50 {statistics.median(timings):7.1f} µs  (p50 of each repeat: {spread})")
    print(f"  p99 {percentile(timings, 0.99):7.1f} µs")
    print(f"  throughput {statistics.median(rates):,.0f} cases/s on one core (median of repeats)")
    print(f"parse_case p50 {statistics.median(parse_us):.1f} µs")
    print(f"knowledge base load + full integrity check {load_ms:.0f} ms (once per process)")


if __name__ == "__main__":
    sys.exit(main())
