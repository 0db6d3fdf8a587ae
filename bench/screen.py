"""Benchmark: `osteofys screen` over 1,000,000 citizens, 5,000,000 diagnoses and 10,000,000
prescriptions, from CSV and from Parquet, against bare polars scans of the same files.

Prints, per format, the wall time and peak RSS of the full run and of two baselines: the bare scan
(read, parse the dates, one group-by per citizen on each file: the practical limit of any
per-citizen screening) and a plain read (the same with a group-by on a small key instead). It
also gives the ratio to the per-record Python engine (`rules.assess` on cases built by
`osteofys.batch.cases`) on a 100,000-citizen sample, and with `--scaling` shows that peak memory
follows the number of citizens, not the number of event rows.

Every measurement runs in a fresh process (peak RSS is that process's), formats and engines
interleaved, `--repeats` times; medians are shown with the range. Data are generated with
`osteofys synth` under /tmp and reused while their parameters match.

Run: `.venv/bin/python bench/screen.py --scaling` (about 6 minutes on 2 cores, data included).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from osteofys import kb
from osteofys.batch import cases
from osteofys.batch.mapping import load_mapping
from osteofys.cli import main as osteofys_main
from osteofys.rules import assess

ROOT = Path(__file__).resolve().parents[1]
OSTEOFYS = Path(sys.executable).parent / "osteofys"
ON = "2026-11-26"
SOURCES = ("citizens", "diagnoses", "prescriptions")


# --- what one child process measures ----------------------------------------------------------


def child(mode: str, folder: Path, fmt: str) -> dict[str, Any]:
    # Everything is imported before the clock starts: the runs compare work, not imports.
    paths = [folder / f"{s}.{fmt}" for s in SOURCES]
    start = time.perf_counter()
    if mode in ("bare", "read"):
        rows = 0
        for path in paths:
            frame = pl.scan_csv(path) if fmt == "csv" else pl.scan_parquet(path)
            names = frame.collect_schema().names()
            if fmt == "csv":
                frame = frame.with_columns(
                    pl.col(c).str.to_date("%Y-%m-%d") for c in ("date", "birth_date") if c in names
                )
            # bare: one group-by per citizen, which any per-citizen screening needs; read: one
            # group-by on a small key (the code, or sex), close to reading and parsing alone.
            key = (
                "citizen_id"
                if mode == "bare"
                else next(c for c in ("atc", "code", "sex") if c in names)
            )
            counts = frame.group_by(key).agg(pl.len()).collect(engine="streaming")
            rows += int(counts["len"].sum())
        detail = {"rows": rows}
    elif mode == "screen":
        out = Path("/tmp/osteofys-bench-screen-out") / f"refer-{os.getpid()}.{fmt}"
        out.parent.mkdir(exist_ok=True)
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                code = osteofys_main(
                    ["screen", str(folder), "--out", str(out), "--date", ON, "--no-progress"]
                )
            finally:
                sys.stdout = stdout
        seconds = time.perf_counter() - start
        assert code == 0, code
        table = pl.read_csv(out) if fmt == "csv" else pl.read_parquet(out)
        out.unlink()
        return {"seconds": seconds, "referred": table.filter(pl.col("refer")).height}
    elif mode == "python":
        detail = _python_engine(folder)
    else:
        raise SystemExit(f"unknown mode {mode}")
    return {"seconds": time.perf_counter() - start, **detail}


def _python_engine(folder: Path) -> dict[str, Any]:
    """The per-record engine: the stdlib reads the CSV files, one case per citizen, assess."""
    start = time.perf_counter()
    base = kb.load()
    mapping = load_mapping(base)
    on = date.fromisoformat(ON)
    dx: dict[str, list[cases.Diagnosis]] = defaultdict(list)
    rx: dict[str, list[cases.Prescription]] = defaultdict(list)
    for d in cases.read_diagnoses(folder / "diagnoses.csv"):
        dx[d.citizen_id].append(d)
    for p in cases.read_prescriptions(folder / "prescriptions.csv"):
        rx[p.citizen_id].append(p)
    read = time.perf_counter() - start
    referred = 0
    assess_s = 0.0
    for c in cases.read_citizens(folder / "citizens.csv"):
        case = cases.registry_case(c, dx[c.citizen_id], rx[c.citizen_id], mapping, on)
        t0 = time.perf_counter()
        referred += assess(case, base.knowledge).referral.recommended is True
        assess_s += time.perf_counter() - t0
    return {"referred": referred, "assess_seconds": assess_s, "read_seconds": read}


# --- the parent: data, processes, figures -----------------------------------------------------


def run_child(mode: str, folder: Path, fmt: str) -> dict[str, Any]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", mode, str(folder), fmt],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{mode} {fmt} on {folder} failed")
    result: dict[str, Any] = json.loads(out)
    result["rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


def ensure_data(folder: Path, citizens: int, fmt: str, prescriptions: float = 10.0) -> float:
    """Generate the files with `osteofys synth` unless they are there already; seconds taken."""
    marker = folder / "params.json"
    params = {"citizens": citizens, "fmt": fmt, "prescriptions": prescriptions, "date": ON}
    if marker.exists() and json.loads(marker.read_text()) == params:
        return 0.0
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [
            str(OSTEOFYS), "synth", "--citizens", str(citizens), "--seed", "1",
            "--out", str(folder), "--format", fmt, "--date", ON,
            "--prescriptions-per-citizen", str(prescriptions),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    marker.write_text(json.dumps(params))
    return time.perf_counter() - start


def spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f} {unit}"
    return f"{med:.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def describe(work: Path, made: dict[str, float]) -> None:
    sizes = {
        fmt: sum((work / fmt / f"{s}.{fmt}").stat().st_size for s in SOURCES) / 1e6
        for fmt in ("csv", "parquet")
    }
    rows = {
        s: pl.scan_parquet(work / "parquet" / f"{s}.parquet").select(pl.len()).collect().item()
        for s in SOURCES
    }
    print(
        f"python {platform.python_version()}, polars {pl.__version__}, {os.cpu_count()} cores "
        f"({pl.thread_pool_size()} polars threads), load average before {os.getloadavg()[0]:.2f}"
    )
    generated = (
        f"; osteofys synth took {made['csv']:.1f} s (CSV), {made['parquet']:.1f} s (Parquet)"
        if any(made.values())
        else ""
    )
    print(
        f"data: {rows['citizens']:,} citizens, {rows['diagnoses']:,} diagnoses, "
        f"{rows['prescriptions']:,} prescriptions; CSV {sizes['csv']:.0f} MB, "
        f"Parquet {sizes['parquet']:.0f} MB{generated}"
    )


def full_runs(work: Path, repeats: int) -> None:
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for repeat in range(repeats):
        order = [(m, f) for f in ("csv", "parquet") for m in ("read", "bare", "screen")]
        if repeat % 2:
            order.reverse()
        for mode, fmt in order:
            runs.setdefault((mode, fmt), []).append(run_child(mode, work / fmt, fmt))
    print()
    print(f"{'':<34}{'wall time, median (range)':>28}{'peak RSS':>11}")
    labels = (
        ("read", "read + parse, group-by code"),
        ("bare", "bare scan, group-by citizen"),
        ("screen", "osteofys screen"),
    )
    for fmt in ("csv", "parquet"):
        for mode, label in labels:
            got = runs[(mode, fmt)]
            rss = max(r["rss_mb"] for r in got)
            seconds = spread([r["seconds"] for r in got])
            print(f"{fmt + ' ' + label:<34}{seconds:>28}{rss:>8.0f} MB")
        for base, label in (("bare", "bare scan"), ("read", "read + parse")):
            ratios = [
                s["seconds"] / b["seconds"]
                for s, b in zip(runs[("screen", fmt)], runs[(base, fmt)], strict=True)
            ]
            print(f"{fmt + ' screen / ' + label:<34}{spread(ratios, 'x'):>28}")


def sample_runs(sample: Path, citizens: int, repeats: int) -> None:
    batch = [run_child("screen", sample, "csv") for _ in range(repeats)]
    python = run_child("python", sample, "csv")
    best = statistics.median(b["seconds"] for b in batch)
    print()
    print(f"against the per-record Python engine, {citizens:,}-citizen sample (CSV):")
    print(f"  osteofys screen (polars)   {spread([b['seconds'] for b in batch])}")
    print(
        f"  per-record Python engine   {python['seconds']:.1f} s "
        f"(reading {python['read_seconds']:.1f} s, assess {python['assess_seconds']:.1f} s)"
    )
    print(f"  ratio                      {python['seconds'] / best:.0f}x")
    assert python["referred"] == batch[0]["referred"], "the two engines refer different citizens"
    print(f"  both engines refer the same {python['referred']:,} citizens")


def scaling_runs(work: Path, citizens: int) -> None:
    print()
    print("peak RSS against the number of prescription rows (the same citizens and diagnoses):")
    for fmt in ("csv", "parquet"):
        for per in (10.0, 30.0):
            folder = work / f"scaling-{fmt}-{per:g}"
            ensure_data(folder, citizens, fmt, per)
            got = run_child("screen", folder, fmt)
            size = (folder / f"prescriptions.{fmt}").stat().st_size / 1e6
            print(
                f"  {fmt:<8} {int(citizens * per):>12,} prescriptions ({size:,.0f} MB): "
                f"{got['seconds']:.2f} s, peak RSS {got['rss_mb']:.0f} MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/osteofys-bench-screen"))
    parser.add_argument("--scaling", action="store_true", help="also run 3x the prescriptions")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FOLDER", "FORMAT"))
    args = parser.parse_args()
    if args.child:
        mode, folder, fmt = args.child
        print(json.dumps(child(mode, Path(folder), fmt)))
        return
    work: Path = args.work
    made = {fmt: ensure_data(work / fmt, args.citizens, fmt) for fmt in ("csv", "parquet")}
    ensure_data(work / "sample", args.sample, "csv")
    describe(work, made)
    full_runs(work, args.repeats)
    sample_runs(work / "sample", args.sample, args.repeats)
    if args.scaling:
        scaling_runs(work, args.citizens)
    print()
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
