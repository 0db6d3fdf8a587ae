"""Benchmark: the web application under load, on loopback (issue 3, acceptance).

What it does, in order:
1. a fresh data directory in /tmp (SQLite, WAL, as `osteofys serve` makes it; with
   OSTEOFYS_DATABASE_URL=postgres://... a fresh database `osteofys_bench_<pid>` is created on that
   server instead, and dropped at the end);
2. migrations, then one clinic, one user and 10,000 patients with 3 assessments each: varied,
   valid cases assessed by the real clinical core (`clinical.evaluate`), stored as
   `services.assessment_record` stores them (result, trace, plan and plan items), plus re-tests
   for a quarter of the patients; written with bulk_create to stay well under two minutes;
3. `osteofys serve --workers 2` (the product server: gunicorn, one process per core) on a free
   loopback port, a login with urllib
   (session cookie and CSRF token), and one request per endpoint to check it answers as expected;
4. wrk (Debian's package) with a generated Lua script that prints p50/p95/p99 from
   `latency:percentile()` in `done()` and counts every response whose status is not the expected
   one: 10 s each with 1 client (-t1 -c1) and with 20 (-t2 -c20), after a 2 s warm-up, for the
   patient list, search, the patient page, the live result (htmx POST), assessment save (POST,
   302), and a bare Django view rendering a 50-row template (bench/webbaseline/) served by
   gunicorn with the same workers and threads: every throughput is reported as a fraction of that;
5. with `--think LOW,HIGH`, the read endpoints once more with 20 clients that pause LOW-HIGH ms
   before each request (threads with http.client here, not wrk: see `run_paced`): closer to a
   clinic than back-to-back load.

Only loopback traffic; it stops by itself and ends the servers it started. Nothing in the
repository is written unless `--write-docs` is given: then the generated part of the
"Web application" section of docs/benchmarks.md is replaced (the rest of the file is kept).

The jobs are modules of the bench package: `seeding` (patients and cases), `form` (the posted
assessment form), `endpoints` (what is measured, wrk and paced threads), `webreport` (table and
docs block), on the shared `harness` (servers, login, machine line, percentiles, docs writer).

Run: `.venv/bin/python bench/web.py [--think 500,1500] [--write-docs]` (about 8 minutes).
Needs wrk: `apt-get install -y wrk`.
Exit status: 0 when every request got its expected status, 1 when not, 2 when wrk is missing.
"""

# Django is configured from the environment of the fresh data directory, so it is imported only
# after that is set up (inside functions).
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script, `python bench/web.py`: import the package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import harness
from bench.endpoints import (
    BASELINE,
    FLOOR,
    ROTATE,
    Measured,
    endpoints,
    measure,
    measure_think,
    smoke,
)
from bench.form import assessment_body
from bench.seeding import PASSWORD, USERNAME, seed, seed_training
from bench.webreport import SECTION, report, write_docs

ROOT = harness.ROOT


def display_command() -> str:
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(ROOT))
    except ValueError:
        shown = "python"
    script = Path(sys.argv[0]).resolve()
    try:
        name = str(script.relative_to(ROOT))
    except ValueError:
        name = sys.argv[0]
    return shlex.join([shown, name, *sys.argv[1:]])


def wrk_version() -> str:
    """`wrk 4.1.0` or so, for the machine line."""
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return f"{done.stdout.split('[')[0].strip()} on the same machine"


def _think(text: str) -> tuple[int, int]:
    low, high = (int(x) for x in text.split(","))
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError("LOW,HIGH: two milliseconds, LOW <= HIGH")
    return low, high


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--assessments", type=int, default=3, help="per patient")
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--threads", type=int, default=4, help="server threads per process")
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes (osteofys serve and baseline)"
    )
    parser.add_argument("--clients", default="1,20", help="comma-separated connection counts")
    parser.add_argument("--only", help="measure only endpoints whose name contains this")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and servers' logs)")
    parser.add_argument("--hold", type=int, default=0, help="keep the servers up N s (profiling)")
    parser.add_argument(
        "--think",
        type=_think,
        metavar="LOW,HIGH",
        help="also measure list, search, patient page and live result with the largest client "
        "count pausing LOW-HIGH ms between requests (a clinic's real use), for twice --seconds",
    )
    parser.add_argument("--write-docs", action="store_true", help=f"update {SECTION!r} in docs")
    return parser.parse_args()


def prepare(args: argparse.Namespace, workdir: Path, database_url: str | None) -> dict[str, Any]:
    """Environment for the servers, then migrate and seed in this process."""
    env = harness.django_setup(workdir / "data", database_url)
    from django.db import connections

    rng = random.Random(20261126)
    print(f"Seeding {args.patients:,} patients × {args.assessments} assessments in {workdir} ...")
    seeded = seed(args.patients, args.assessments, rng)
    print(f"  done in {seeded.seconds:.0f} s: {seeded.counts}")
    rotation = rng.sample(seeded.patient_ids, min(ROTATE, len(seeded.patient_ids)))
    training = seed_training(seeded.patient_ids, rng)
    prepared = {
        "training": training,
        "env": env,
        "seeded": seeded,
        "rotation": rotation,
        "body": assessment_body(rotation[0]),
        "database": harness.database_description(),
    }
    connections.close_all()
    return prepared


def start_servers(
    args: argparse.Namespace, env: dict[str, str], workdir: Path, servers: list[harness.Server]
) -> dict[str, str]:
    """`osteofys serve`, the bare baseline and the signed-in floor, each on a free loopback port;
    their base URLs by name (the order of `servers`)."""
    port = harness.free_port()
    serve = harness.serve_command(
        port,
        env["OSTEOFYS_DATA_DIR"],
        *("--threads", str(args.threads), "--workers", str(args.workers)),
    )
    app = harness.start_server(
        serve, port=port, env=env, log=workdir / "serve.log", ready="/konto/login/"
    )
    servers.append(app)
    bases = {"app": app.base}
    # The floor shares the app's data directory (its secret key, sessions and users), so the
    # session cookie of the login below is valid there too.
    for name, module, ready in (("baseline", "webbaseline", "/"), ("floor", "webfloor", "/floor/")):
        reference_port = harness.free_port()
        reference_env = {
            **env,
            "PYTHONPATH": str(ROOT / "bench"),
            "DJANGO_SETTINGS_MODULE": f"{module}.settings",
        }
        gunicorn = [sys.executable, "-m", "gunicorn", f"--bind={harness.HOST}:{reference_port}"]
        gunicorn += [f"--workers={args.workers}", f"--threads={args.threads}"]
        gunicorn += ["--worker-class=gthread", f"{module}.wsgi:application"]
        reference = harness.start_server(
            gunicorn,
            port=reference_port,
            env=reference_env,
            log=workdir / f"{name}.log",
            ready=ready,
            name=name,
        )
        servers.append(reference)
        bases[name] = reference.base
    print("Servers: " + ", ".join(f"{url} ({name})" for name, url in bases.items()))
    return bases


def benchmark(
    args: argparse.Namespace,
    workdir: Path,
    servers: list[harness.Server],
    database_url: str | None,
) -> int:
    prepared = prepare(args, workdir, database_url)
    bases = start_servers(args, prepared["env"], workdir, servers)
    eps = endpoints(
        bases,
        harness.login(bases["app"], USERNAME, PASSWORD),
        prepared["rotation"],
        prepared["body"],
        prepared["training"],
    )
    pids = {url: server.pid for url, server in zip(bases.values(), servers, strict=True)}
    for endpoint in eps:
        endpoint.pid = pids[endpoint.base]
    for endpoint in eps:
        smoke(endpoint)
    if args.hold:
        print(f"Holding the servers for {args.hold} s (PIDs {[s.pid for s in servers]}) ...")
        time.sleep(args.hold)
    if args.only:
        eps = [e for e in eps if args.only in e.name or e.name in (BASELINE, FLOOR)]
    clients = [int(c) for c in args.clients.split(",")]
    # Saving adds assessments to the rotated patients, so it comes after everything that reads.
    reads = [e for e in eps if e.method == "GET" or e.expect != 302]
    results = measure(reads, clients, args.seconds, workdir)
    thinking: list[Measured] = []
    if args.think:
        thinking = measure_think(eps, args.think, max(clients), 2 * args.seconds)
    results += measure([e for e in eps if e not in reads], clients, args.seconds, workdir)
    # The references once more at the end: on this shared machine they have drifted by a factor
    # of two within an hour, and the rows between them are read against both.
    references_again = [
        replace(endpoint, name=f"{endpoint.name}, again at the end")
        for endpoint in eps
        if endpoint.name in (BASELINE, FLOOR)
    ]
    results += measure(references_again, [max(clients)], args.seconds, workdir)
    context = {
        "machine": harness.machine(prepared["database"], wrk_version()),
        "command": display_command(),
        "threads": args.threads,
        "workers": args.workers,
        "seconds": args.seconds,
        "think": args.think,
    }
    block = report(results, thinking, prepared["seeded"], context)
    print()
    print(block)
    errors = sum(m.errors for m in results + thinking)
    if errors:
        print(f"\n{errors} request(s) did not get the expected status: see the errors column.")
        print(harness.tail(workdir / "serve.log"))
        return 1
    if args.write_docs:
        write_docs(block)
        print(f"\nWrote the {SECTION!r} section of {harness.DOCS.relative_to(ROOT)}.")
    return 0


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("bench/web.py needs wrk: install it with `apt-get install -y wrk`.", file=sys.stderr)
        return 2
    if args.write_docs and args.only:
        print("--write-docs records the whole table: leave out --only.", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="osteofys-bench-web-"))
    servers: list[harness.Server] = []
    database_url, pg_name = None, None
    try:
        database_url, pg_name = harness.fresh_database(os.environ.get("OSTEOFYS_DATABASE_URL"))
        return benchmark(args, workdir, servers, database_url)
    finally:
        for server in servers:
            server.stop(10)
        if pg_name and database_url:
            from django.db import connections

            connections.close_all()
            harness.drop_database(database_url, pg_name)
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
