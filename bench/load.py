"""Benchmark: 50 simulated clinicians for 60 s against `osteofys serve` on loopback, no lost writes.

What it does, in order:
1. a fresh data directory in /tmp (SQLite, WAL, as `osteofys serve` makes it; with
   `--database-url postgres://...` a fresh database `osteofys_load_<pid>` on that server instead,
   dropped at the end);
2. migrations, one clinic with one clinician account per simulated clinician, and patients with
   two assessments each (varied, valid cases assessed by the real clinical core, written as
   bench/seeding.py seeds them);
3. `osteofys serve` (the product server, with `--workers`/`--threads` passed through) on a free
   loopback port;
4. every clinician logs in through the login form, then repeats a visit until the time is up,
   pausing 0.5–2 s (uniform) before every request: the patient list, a search, a patient's page,
   the live result (htmx POST) one to three times as the form is filled in, then one write:
   save the assessment (half of the visits), record a re-test (three in ten) or create a patient
   (two in ten). Each request uses a fresh connection, so an idle keep-alive connection closed by
   the server can never pass for an error or make a write be sent twice;
5. every request's latency and status is kept; a write counts as acknowledged when the server
   answered with its redirect (302). After the server has stopped, every acknowledged write is
   looked up in the database: the assessment and patient by the id in the redirect, the re-test
   by its patient and its unique value.

It prints p50/p95/p99 per action and overall, throughput, errors and acknowledged against found
writes. With `--write-docs` it replaces this database's block in the "Load: 50 clinicians, 60 s"
section of docs/benchmarks.md (the rest of the file is kept).

Run: `.venv/bin/python bench/load.py [--database-url postgres://postgres@127.0.0.1:5432/postgres]
[--workers N] [--write-docs]` (about 2 minutes).
Exit status: 0 when every request got its expected status and every acknowledged write was found,
1 when not.
"""

# Django is configured from the environment of the fresh data directory, so it is imported only
# after that is set up (inside functions).
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script, `python bench/load.py`: import the package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import harness, seeding
from bench.form import assessment_body
from bench.seeding import PASSWORD

ROOT = harness.ROOT
SECTION = "## Load: 50 clinicians, 60 s"
THINK_S = (0.5, 2.0)
LOGIN_SPREAD_S = 10.0
TIMEOUT_S = 30
WRITES = (("assessment save", 5), ("re-test", 3), ("patient create", 2))
ACTIONS = (
    "login page",
    "login",
    "patient list",
    "search",
    "patient page",
    "live result",
    "assessment save",
    "re-test",
    "patient create",
)
EXPECTED = {"login": 302, "assessment save": 302, "re-test": 302, "patient create": 302}


# --- database and seeding --------------------------------------------------------------------


@dataclass
class Seeded:
    usernames: list[str]
    patient_ids: list[int]
    counts: dict[str, int]
    seconds: float


def seed(clients: int, n_patients: int, rng: random.Random) -> Seeded:
    """One clinic, one account per clinician (one password hash, computed once), patients."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from osteofys.web.accounts.models import Clinic, Profile, Role

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    clinic = Clinic.objects.create(name="Fysio Belastning", address="Testvej 1, 8000 Aarhus C")
    hashed = make_password(PASSWORD)
    names = [f"fysio{i:03d}" for i in range(clients)]
    users = User.objects.bulk_create(
        [User(username=n, password=hashed, first_name=f"Fysio {n[-3:]}") for n in names]
    )
    Profile.objects.bulk_create(
        [Profile(user=u, clinic=clinic, role=Role.CLINICIAN) for u in users]
    )
    counts = dict.fromkeys(("assessments", "plans", "plan items", "re-tests", "overrides"), 0)
    ids: list[int] = []
    today = date.today()
    for done in range(0, n_patients, seeding.BATCH):
        rows = [
            seeding.patient_row(rng, today) for _ in range(min(seeding.BATCH, n_patients - done))
        ]
        ids += seeding.seed_batch(
            rng, clinic=clinic, user=users[0], rows=rows, counts=counts, per_patient=2
        )
    counts = {"users": len(users), "patients": len(ids), **counts}
    return Seeded(names, ids, counts, time.perf_counter() - start)


# --- the server ------------------------------------------------------------------------------


def serve_options(args: argparse.Namespace) -> list[str]:
    """--workers/--threads for `osteofys serve`, if given and if this version has them."""
    script = Path(sys.executable).parent / "osteofys"
    available = subprocess.run(
        [str(script), "serve", "--help"], capture_output=True, text=True, check=False
    ).stdout
    options = []
    for name in ("workers", "threads"):
        value = getattr(args, name)
        if value is None:
            continue
        if f"--{name}" not in available:
            raise SystemExit(f"bench/load.py: this `osteofys serve` has no --{name}")
        options += [f"--{name}", str(value)]
    return options


# --- one clinician ---------------------------------------------------------------------------


@dataclass
class Sample:
    action: str
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == EXPECTED.get(self.action, 200) and not self.error


@dataclass
class Acks:
    """Writes the server acknowledged, by what identifies them in the database."""

    assessments: list[int] = field(default_factory=list)
    patients: list[int] = field(default_factory=list)
    retests: list[tuple[int, float]] = field(default_factory=list)


class Clinician:
    """One simulated clinician: a cookie jar, a random stream of visits, and what it saw."""

    values = itertools.count()  # re-test values are unique, so each can be found again
    lock = threading.Lock()

    def __init__(self, run: Run, username: str, seed: int) -> None:
        self.run, self.username = run, username
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self.samples: list[Sample] = []
        self.acks = Acks()

    def request(self, action: str, path: str, fields: list[tuple[str, str]] | None = None) -> str:
        """Send one request; keep its sample; return the Location of a redirect."""
        headers = {"Connection": "close"}
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode([*fields, ("csrfmiddlewaretoken", self.csrf())])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if action == "live result":
            headers["HX-Request"] = "true"
        host, port = self.run.address
        start = time.perf_counter()
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
        try:
            conn.request("POST" if fields is not None else "GET", path, body, headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.samples.append(Sample(action, 0, time.perf_counter() - start, repr(exc)))
            return ""
        finally:
            conn.close()
        self.samples.append(Sample(action, response.status, time.perf_counter() - start))
        for line in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            self.cookies.update({k: m.value for k, m in jar.items()})
        return response.headers.get("Location", "") if response.status == 302 else ""

    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def think(self) -> bool:
        """Pause as a clinician does; False once the run is over."""
        pause = self.rng.uniform(*THINK_S)
        return not self.run.over.wait(min(pause, max(0.0, self.run.deadline - time.monotonic())))

    def work(self) -> None:
        """Log in (spread over the first seconds, as a clinic's morning), wait for the others,
        then visit patients until the time is up."""
        time.sleep(self.rng.uniform(0, LOGIN_SPREAD_S))
        self.request("login page", "/konto/login/")  # sets the CSRF cookie
        fields = [("username", self.username), ("password", PASSWORD)]
        signed_in = bool(self.request("login", "/konto/login/", fields))
        with contextlib.suppress(threading.BrokenBarrierError):
            self.run.ready.wait()
        if not signed_in:
            return
        self.run.started.wait()
        while self.think():
            self.visit()

    def visit(self) -> None:
        """One patient: list, search, open, live result while typing, then one write."""
        patient = self.rng.choice(self.run.patient_ids)
        steps: list[tuple[str, str, Any]] = [
            ("patient list", "/patienter/", None),
            ("search", f"/patienter/?q={self.rng.choice(seeding.SEARCHES)}", None),
            ("patient page", f"/patienter/{patient}/", None),
        ]
        live = f"/patienter/{patient}/vurdering/live/"
        steps += [("live result", live, self.run.assessment_form)] * self.rng.randint(1, 3)
        for i, (action, path, form) in enumerate(steps):
            if i and not self.think():
                return
            self.request(action, path, form)
        if self.think():
            self.write(patient)

    def write(self, patient: int) -> None:
        kinds, weights = zip(*WRITES, strict=True)
        kind = self.rng.choices(kinds, weights)[0]
        if kind == "assessment save":
            location = self.request(
                kind, f"/patienter/{patient}/vurdering/", self.run.assessment_form
            )
            if match := re.search(r"/vurderinger/(\d+)/", location):
                self.acks.assessments.append(int(match.group(1)))
        elif kind == "re-test":
            with Clinician.lock:
                value = round(5.0 + next(Clinician.values) / 1000, 3)
            fields = [("test", "tug_s"), ("date", date.today().isoformat())]
            fields += [("value", f"{value:.3f}".replace(".", ","))]
            if self.request(kind, f"/patienter/{patient}/gentest/", fields):
                self.acks.retests.append((patient, value))
        else:
            fields = [("name", f"Belastning {self.username} {len(self.acks.patients)}")]
            fields += [("birth_date", "1951-06-15"), ("sex", "female"), ("cpr", "")]
            fields += [("height_cm", "166"), ("weight_kg", "63,5")]
            if match := re.search(
                r"/patienter/(\d+)/", self.request(kind, "/patienter/ny/", fields)
            ):
                self.acks.patients.append(int(match.group(1)))


@dataclass
class Run:
    address: tuple[str, int]
    patient_ids: list[int]
    assessment_form: list[tuple[str, str]]
    seconds: float
    ready: threading.Barrier = field(default_factory=lambda: threading.Barrier(1))
    started: threading.Event = field(default_factory=threading.Event)
    over: threading.Event = field(default_factory=threading.Event)
    deadline: float = 0.0


@dataclass
class Phase:
    """The clinicians after the run, and what the run cost (after the logins)."""

    clinicians: list[Clinician]
    wall: float
    server_cpu: float
    machine_busy: float
    load_before: float
    load_after: float
    processes: int


def run_clinicians(run: Run, usernames: list[str], server_pid: int) -> Phase:
    """All clinicians log in, then work at once until the time is up."""
    clinicians = [Clinician(run, name, seed) for seed, name in enumerate(usernames)]
    run.ready = threading.Barrier(len(clinicians) + 1, timeout=LOGIN_SPREAD_S + 4 * TIMEOUT_S)
    threads = [threading.Thread(target=c.work, daemon=True) for c in clinicians]
    for thread in threads:
        thread.start()
    run.ready.wait()
    (cpu0, processes), (busy0, total0) = harness.group_cpu(server_pid), harness.machine_cpu()
    load0 = os.getloadavg()[0]
    start = time.monotonic()
    run.deadline = start + run.seconds
    run.started.set()
    time.sleep(run.seconds)
    run.over.set()
    for thread in threads:
        thread.join(TIMEOUT_S + 5)  # a request in flight is finished, not cut off
    wall = time.monotonic() - start
    (cpu1, _), (busy1, total1) = harness.group_cpu(server_pid), harness.machine_cpu()
    return Phase(
        clinicians,
        wall,
        cpu1 - cpu0,
        (busy1 - busy0) / max(1e-9, total1 - total0),
        load0,
        os.getloadavg()[0],
        processes,
    )


# --- checking and reporting ------------------------------------------------------------------


def found_writes(acks: Acks) -> Acks:
    """The acknowledged writes that are in the database (read after the server has stopped)."""
    from django.db import connections

    from osteofys.web.records.models import Assessment, Patient, Retest

    connections.close_all()
    stored = set(
        Retest.objects.filter(patient_id__in={p for p, _ in acks.retests}, test="tug_s")
        .values_list("patient_id", "value")
        .iterator()
    )
    stored = {(p, round(v, 3)) for p, v in stored}
    return Acks(
        assessments=list(
            Assessment.objects.filter(pk__in=acks.assessments).values_list("pk", flat=True)
        ),
        patients=list(Patient.objects.filter(pk__in=acks.patients).values_list("pk", flat=True)),
        retests=[r for r in acks.retests if r in stored],
    )


@dataclass
class Row:
    action: str
    requests: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float


def rows(samples: list[Sample]) -> list[Row]:
    out = []
    for action in (*ACTIONS, "all (after login)"):
        chosen = [
            s
            for s in samples
            if s.action == action or (action.startswith("all") and not s.action.startswith("login"))
        ]
        if not chosen:
            continue
        ms = sorted(1000 * s.seconds for s in chosen)
        out.append(
            Row(
                action,
                len(chosen),
                sum(not s.ok for s in chosen),
                harness.percentile(ms, 50),
                harness.percentile(ms, 95),
                harness.percentile(ms, 99),
                ms[-1],
            )
        )
    return out


def table(result: list[Row]) -> str:
    lines = [
        "| action | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in result:
        lines.append(
            f"| {r.action} | {r.requests:,} | {r.errors} | {r.p50:.0f} | {r.p95:.0f} |"
            f" {r.p99:.0f} | {r.max:.0f} |"
        )
    return "\n".join(lines)


def writes_line(acked: Acks, found: Acks) -> str:
    parts = []
    for label, name in (
        ("assessments", "assessments"),
        ("re-tests", "retests"),
        ("patients", "patients"),
    ):
        parts.append(f"{label} {len(getattr(found, name))}/{len(getattr(acked, name))}")
    total_acked = sum(len(getattr(acked, n)) for n in ("assessments", "retests", "patients"))
    total_found = sum(len(getattr(found, n)) for n in ("assessments", "retests", "patients"))
    lost = total_acked - total_found
    return (
        f"Writes acknowledged (302) and found in the database afterwards: {total_found} of "
        f"{total_acked} ({', '.join(parts)}); lost: {lost}."
    )


def error_examples(samples: list[Sample]) -> list[str]:
    seen: dict[str, int] = {}
    for s in samples:
        if not s.ok:
            key = f"{s.action}: HTTP {s.status} {s.error}".strip()
            seen[key] = seen.get(key, 0) + 1
    return [f"{count} × {key}" for key, count in sorted(seen.items(), key=lambda x: -x[1])[:8]]


@dataclass
class Outcome:
    rows: list[Row]
    acked: Acks
    found: Acks
    phase: Phase
    requests: int  # after the logins
    errors: list[str]


def report(outcome: Outcome, seeded: Seeded, context: dict[str, Any]) -> str:
    counts = ", ".join(f"{v:,} {k}" for k, v in seeded.counts.items())
    o, p = outcome, outcome.phase
    errors = sum(r.errors for r in o.rows if not r.action.startswith("all"))
    lines = [
        f"Measured {date.today().isoformat()} on {context['machine']}.",
        "",
        f"Command: `{context['command']}`. Server: `osteofys serve {context['serve']}`, "
        f"{p.processes} processes.",
        "",
        f"Data: one clinic with {counts}; seeded in {seeded.seconds:.0f} s. Load: "
        f"{context['clients']} clinicians (threads, one account each) log in over "
        f"{LOGIN_SPREAD_S:.0f} s, then work for {context['seconds']} s, each pausing "
        f"{THINK_S[0]:g}–{THINK_S[1]:g} s before every request; a fresh connection per request.",
        "",
        table(o.rows),
        "",
        f"Throughput: {o.requests / p.wall:.1f} requests/s ({o.requests:,} requests in "
        f"{p.wall:.1f} s after the logins). Errors (an unexpected status or no answer, logins "
        f"included): {errors}." + (f" Kinds: {'; '.join(o.errors)}." if o.errors else ""),
        "",
        writes_line(o.acked, o.found),
        "",
        f"Server CPU: {1000 * p.server_cpu / max(1, o.requests):.1f} ms per request "
        f"({p.server_cpu:.0f} CPU s in all processes of the server after the logins); the whole "
        f"machine was {p.machine_busy:.0%} busy meanwhile (both cores, the load generator"
        + (" and PostgreSQL" if "PostgreSQL" in context["machine"] else "")
        + f" included); load average {p.load_before:.1f} before, {p.load_after:.1f} after.",
    ]
    return "\n".join(lines)


def markers(engine: str) -> tuple[str, str]:
    return (
        f"<!-- bench/load.py {engine}: begin (generated by `bench/load.py --write-docs`) -->",
        f"<!-- bench/load.py {engine}: end -->",
    )


def write_docs(engine: str, block: str) -> None:
    """Replace this engine's block of the Load section; add the section or block if missing."""
    begin, end = markers(engine)
    heading = "### SQLite" if engine == "sqlite" else "### PostgreSQL"
    harness.write_docs(SECTION, block, begin=begin, end=end, heading=heading, append=True)


# --- main ------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="simulated clinicians")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--patients", type=int, default=2000, help="seeded patients")
    parser.add_argument("--database-url", help="postgres://... server for a fresh database")
    parser.add_argument("--workers", type=int, help="passed to `osteofys serve --workers`")
    parser.add_argument("--threads", type=int, help="passed to `osteofys serve --threads`")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--write-docs", action="store_true", help=f"update {SECTION!r} in docs")
    return parser.parse_args()


def display_command() -> str:
    return shlex.join([".venv/bin/python", "bench/load.py", *sys.argv[1:]])


def measure(args: argparse.Namespace, data_dir: Path, env: dict[str, str]) -> int:
    from django.db import connections

    print(f"seeding {args.clients} clinicians and {args.patients:,} patients ...", flush=True)
    seeded = seed(args.clients, args.patients, random.Random(2026))
    form = urllib.parse.parse_qsl(assessment_body(seeded.patient_ids[0]), keep_blank_values=True)
    context = {
        "machine": harness.machine(harness.database_description()),
        "command": display_command(),
        "clients": args.clients,
        "seconds": args.duration,
    }
    connections.close_all()
    options = serve_options(args)
    context["serve"] = " ".join(options) or "(defaults)"
    port = harness.free_port()
    server = harness.start_server(
        harness.serve_command(port, data_dir, *options),
        port=port,
        env=env,
        log=data_dir / "serve.log",
        name="osteofys serve",
    )
    run = Run((harness.HOST, port), seeded.patient_ids, form, args.duration)
    print(f"{args.clients} clinicians for {args.duration} s against {server.base} ...", flush=True)
    try:
        phase = run_clinicians(run, seeded.usernames, server.process.pid)
    finally:
        server.stop(30)
    samples = [s for c in phase.clinicians for s in c.samples]
    acked = Acks()
    for c in phase.clinicians:
        acked.assessments += c.acks.assessments
        acked.patients += c.acks.patients
        acked.retests += c.acks.retests
    outcome = Outcome(
        rows=rows(samples),
        acked=acked,
        found=found_writes(acked),
        phase=phase,
        requests=sum(not s.action.startswith("login") for s in samples),
        errors=error_examples(samples),
    )
    block = report(outcome, seeded, context)
    print("\n" + block + "\n")
    if args.write_docs:
        write_docs("sqlite" if "SQLite" in context["machine"] else "postgresql", block)
        print(f"wrote {harness.DOCS.relative_to(ROOT)}")
    lost = sum(
        len(getattr(acked, n)) - len(getattr(outcome.found, n))
        for n in ("assessments", "retests", "patients")
    )
    failed = sum(r.errors for r in outcome.rows if not r.action.startswith("all"))
    return 0 if failed == 0 and lost == 0 else 1


def main() -> int:
    args = parse_args()
    url, created = harness.fresh_database(args.database_url, "osteofys_load")
    data_dir = Path(tempfile.mkdtemp(prefix="osteofys-load-"))
    try:
        return measure(args, data_dir, harness.django_setup(data_dir, url))
    finally:
        if url and created:
            harness.drop_database(url, created)
        if args.keep:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
