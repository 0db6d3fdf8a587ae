"""Benchmark: `osteofys screen` over 1,000,000 citizens, 5,000,000 diagnoses and 10,000,000
prescriptions, from CSV and from Parquet, against bare polars scans of the same files.

Prints, per format, the wall time and peak RSS of the full run and of two baselines: the bare scan
(read, parse the dates, one group-by per citizen on each file: the practical limit of any
per-citizen screening) and a plain read (the same with a group-by on a small key instead). It
also gives the ratio to the per-record Python engine (`rules.assess` on cases built by
`osteofys.batch.cases`) on a 100,000-citizen sample, and with `--scaling` shows that peak memory
follows the number of citizens, not the number of event rows.

The repeated runs are pyperf's (bench/micro.py): each run is a fresh worker process with one
value (`-p N` processes, 3 by default; everything is imported before the clock starts), its peak
RSS is pyperf's `mem_max_rss` of that process; medians are shown with the range. pyperf runs one
benchmark's processes after another, not interleaved. The per-record Python engine, the check that
both engines refer the same citizens and `--scaling` are single fresh-process runs. Data are
generated with `osteofys synth` under /tmp and reused while their parameters match.

Run: `.venv/bin/python bench/screen.py --scaling` (about 6 minutes on 2 cores, data included).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script, `python bench/screen.py`: import the package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import polars as pl
import pyperf

from bench import harness, micro
from osteofys import kb
from osteofys.batch import cases
from osteofys.batch.mapping import load_mapping
from osteofys.cli import main as osteofys_main
from osteofys.rules import assess

ROOT = harness.ROOT
OSTEOFYS = Path(sys.executable).parent / "osteofys"
ON = "2026-11-26"
SOURCES = ("citizens", "diagnoses", "prescriptions")
MODES = (
    ("read", "read + parse, group-by code"),
    ("bare", "bare scan, group-by citizen"),
    ("screen", "osteofys screen"),
)


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


def time_child(loops: int, mode: str, folder: Path, fmt: str) -> float:
    """pyperf's time function: `loops` runs of one mode in this worker process."""
    return sum(child(mode, folder, fmt)["seconds"] for _ in range(loops))


def peak_rss_mb(bench: pyperf.Benchmark) -> float:
    """The largest peak RSS of the benchmark's worker processes, in MB."""
    return max(run.get_metadata().get("mem_max_rss", 0) for run in bench.get_runs()) / 2**20


def full_runs(runs: dict[tuple[str, str], pyperf.Benchmark]) -> None:
    print()
    print(f"{'':<34}{'wall time, median (range)':>28}{'peak RSS':>11}")
    for fmt in ("csv", "parquet"):
        for mode, label in MODES:
            got = runs[(mode, fmt)]
            seconds = harness.spread(list(got.get_values()))
            print(f"{fmt + ' ' + label:<34}{seconds:>28}{peak_rss_mb(got):>8.0f} MB")
        for base, label in (("bare", "bare scan"), ("read", "read + parse")):
            ratio = runs[("screen", fmt)].median() / runs[(base, fmt)].median()
            print(f"{fmt + ' screen / ' + label:<34}{f'{ratio:.2f} x (medians)':>28}")


def sample_runs(sample: Path, citizens: int, batch: pyperf.Benchmark) -> None:
    check = run_child("screen", sample, "csv")
    python = run_child("python", sample, "csv")
    best = batch.median()
    print()
    print(f"against the per-record Python engine, {citizens:,}-citizen sample (CSV):")
    print(f"  osteofys screen (polars)   {harness.spread(list(batch.get_values()))}")
    print(
        f"  per-record Python engine   {python['seconds']:.1f} s "
        f"(reading {python['read_seconds']:.1f} s, assess {python['assess_seconds']:.1f} s)"
    )
    print(f"  ratio                      {python['seconds'] / best:.0f}x")
    assert python["referred"] == check["referred"], "the two engines refer different citizens"
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
    def pass_options(command: list[str], args: Any) -> None:
        command += ["--citizens", str(args.citizens), "--sample", str(args.sample)]
        command += ["--work", str(args.work)]

    runner = micro.runner(processes=3, values=1, warmups=0, loops=1, add_cmdline_args=pass_options)
    parser = runner.argparser
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/osteofys-bench-screen"))
    parser.add_argument("--scaling", action="store_true", help="also run 3x the prescriptions")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FOLDER", "FORMAT"))
    args = runner.parse_args()
    if args.child:
        mode, folder, fmt = args.child
        print(json.dumps(child(mode, Path(folder), fmt)))
        return
    work: Path = args.work
    if not args.worker:
        made = {fmt: ensure_data(work / fmt, args.citizens, fmt) for fmt in ("csv", "parquet")}
        ensure_data(work / "sample", args.sample, "csv")
        describe(work, made)
    runs = {
        (mode, fmt): runner.bench_time_func(f"{fmt} {mode}", time_child, mode, work / fmt, fmt)
        for fmt in ("csv", "parquet")
        for mode, _ in MODES
    }
    sample = runner.bench_time_func("sample screen", time_child, "screen", work / "sample", "csv")
    if args.worker:
        return
    done = {key: bench for key, bench in runs.items() if bench is not None}
    assert sample is not None
    assert len(done) == len(runs)
    full_runs(done)
    sample_runs(work / "sample", args.sample, sample)
    if args.scaling:
        scaling_runs(work, args.citizens)
    print()
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
