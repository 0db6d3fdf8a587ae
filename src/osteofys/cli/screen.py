"""`osteofys screen`: population case-finding over registry data (the batch path).

Reads citizens, diagnoses and prescriptions (CSV or Parquet), writes the referral list and prints
a summary. Bad input exits with code 2 and a report naming rows; `--skip-invalid` continues and
writes the rejected rows to side files instead. docs/screening.md describes it all.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from osteofys.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE

if TYPE_CHECKING:
    from osteofys.batch.inputs import InputError, Problem
    from osteofys.batch.summary import Summary
    from osteofys.kb.loader import KnowledgeBase

SOURCES = ("citizens", "diagnoses", "prescriptions")
OUTPUT_SUFFIXES = (".csv", ".parquet", ".pq")

T: dict[str, dict[str, str]] = {
    "da": {
        "citizens": "borgere",
        "diagnoses": "diagnoser",
        "prescriptions": "recepter",
        "rules": "regler",
        "done": "færdig",
        "not_found": "{source}: filen findes ikke: {detail}",
        "unknown_format": "{source}: ukendt filtype (brug .csv eller .parquet): {detail}",
        "unreadable": "{source}: filen kan ikke læses: {detail}",
        "missing_column": "{source}: mangler kolonne(r) {detail} (filen har: {found})",
        "ragged_row": (
            "{source}: række {row} har {got} felter, men overskriften har {want}: {detail}"
        ),
        "not_utf8": "{source}: række {row} er ikke UTF-8-tekst: {detail}",
        "at_row": " (række {row})",
        "not_a_date": "--date skal være en dato som 2026-11-26, ikke {value!r}",
        "no_input": "angiv en mappe med {files} eller --citizens, --diagnoses og --prescriptions",
        "ambiguous": "{dir} har både {a} og {b}: angiv filen med --{source}",
        "missing_in_dir": "{dir} har hverken {source}.csv eller {source}.parquet",
        "bad_output": "--out skal ende på .csv eller .parquet: {path}",
        "no_output_dir": "mappen til --out findes ikke: {path}",
        "problem": "{source}: {count} {rows} med {what} i kolonnen {column}: {where}",
        "row": "række",
        "rows": "rækker",
        "values": "værdier",
        "stopped": (
            "Intet er skrevet. Ret rækkerne, eller kør med --skip-invalid for at springe dem "
            "over (de skrives til en sidefil, og intet forsvinder i stilhed). Række 1 er den "
            "første række under overskriften."
        ),
        "skipped": "{count} {rows} sprunget over i {source}, skrevet til {path}",
        "missing_value": "manglende værdi",
        "duplicate_id": "samme borger-id flere gange",
        "bad_date": "en dato der ikke kan læses (brug ÅÅÅÅ-MM-DD)",
        "after_screening_date": "fødselsdato på eller efter screeningsdatoen",
        "bad_sex": "ukendt køn (brug female eller male)",
        "bad_bool": "ukendt ja/nej-værdi (brug true eller false)",
        "bad_choice": "ukendt værdi",
        "bad_number": "et tal der ikke kan læses",
        "out_of_range": "et tal uden for det tilladte interval",
        "unknown_citizen": "et borger-id der ikke findes i borgerfilen",
        "citizen_rejected": "en borger hvis egen række er afvist",
        "negative_ddd": "negativt antal DDD",
        "title": "Populationsopsporing {on} (videnbase {version})",
        "read": "Indlæst: {citizens} borgere, {diagnoses} diagnoser, {prescriptions} recepter",
        "screened": "Borgere screenet: {n}",
        "refer": "  Henvis til egen læge:      {n:>10} ({pct})",
        "refer_strong": "    heraf med stærk risikofaktor: {n}",
        "undecided": "  Uafklaret (mangler svar): {n:>10} ({pct})",
        "not_referred": "  Ikke henvist:              {n:>10} ({pct})",
        "already_known": "    heraf allerede kendt osteoporose: {n}",
        "by_band": "Henvisninger efter alder og køn:",
        "band_head": "  {band:>8} {women:>10} {men:>10} {total:>10}",
        "age": "alder",
        "women": "kvinder",
        "men": "mænd",
        "total": "i alt",
        "by_factor": "Risikofaktorer (borgere med faktoren; heraf henvist):",
        "written": "Henvisningslisten er skrevet til {path} ({n} rækker).",
        "rejected": "Afviste rækker: {parts}",
    },
    "en": {
        "citizens": "citizens",
        "diagnoses": "diagnoses",
        "prescriptions": "prescriptions",
        "rules": "rules",
        "done": "done",
        "not_found": "{source}: no such file: {detail}",
        "unknown_format": "{source}: unknown file type (use .csv or .parquet): {detail}",
        "unreadable": "{source}: cannot read the file: {detail}",
        "missing_column": "{source}: missing column(s) {detail} (the file has: {found})",
        "ragged_row": "{source}: row {row} has {got} fields, but the header has {want}: {detail}",
        "not_utf8": "{source}: row {row} is not UTF-8 text: {detail}",
        "at_row": " (row {row})",
        "not_a_date": "--date must be a date like 2026-11-26, not {value!r}",
        "no_input": "give a folder with {files} or --citizens, --diagnoses and --prescriptions",
        "ambiguous": "{dir} has both {a} and {b}: name the file with --{source}",
        "missing_in_dir": "{dir} has neither {source}.csv nor {source}.parquet",
        "bad_output": "--out must end in .csv or .parquet: {path}",
        "no_output_dir": "the folder for --out does not exist: {path}",
        "problem": "{source}: {count} {rows} with {what} in column {column}: {where}",
        "row": "row",
        "rows": "rows",
        "values": "values",
        "stopped": (
            "Nothing was written. Correct the rows, or run with --skip-invalid to skip them "
            "(they are written to a side file; nothing is dropped silently). Row 1 is the first "
            "row below the header."
        ),
        "skipped": "{count} {rows} skipped in {source}, written to {path}",
        "missing_value": "a missing value",
        "duplicate_id": "the same citizen id more than once",
        "bad_date": "a date that cannot be read (use YYYY-MM-DD)",
        "after_screening_date": "a birth date on or after the screening date",
        "bad_sex": "an unknown sex (use female or male)",
        "bad_bool": "an unknown yes/no value (use true or false)",
        "bad_choice": "an unknown value",
        "bad_number": "a number that cannot be read",
        "out_of_range": "a number outside the allowed range",
        "unknown_citizen": "a citizen id that is not in the citizens file",
        "citizen_rejected": "a citizen whose own row is rejected",
        "negative_ddd": "a negative number of DDD",
        "title": "Population case-finding {on} (knowledge base {version})",
        "read": "Read: {citizens} citizens, {diagnoses} diagnoses, {prescriptions} prescriptions",
        "screened": "Citizens screened: {n}",
        "refer": "  Refer to the GP:           {n:>10} ({pct})",
        "refer_strong": "    of whom with a strong risk factor: {n}",
        "undecided": "  Undecided (answers missing): {n:>8} ({pct})",
        "not_referred": "  Not referred:              {n:>10} ({pct})",
        "already_known": "    of whom osteoporosis already known: {n}",
        "by_band": "Referrals by age and sex:",
        "band_head": "  {band:>8} {women:>10} {men:>10} {total:>10}",
        "age": "age",
        "women": "women",
        "men": "men",
        "total": "total",
        "by_factor": "Risk factors (citizens with the factor; of whom referred):",
        "written": "The referral list is written to {path} ({n} rows).",
        "rejected": "Rejected rows: {parts}",
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder",
        nargs="?",
        help="mappe med citizens, diagnoses og prescriptions (.csv eller .parquet)",
    )
    for source, what in (
        ("citizens", "borgerfilen"),
        ("diagnoses", "diagnosefilen (ICD-10)"),
        ("prescriptions", "receptfilen (ATC)"),
    ):
        parser.add_argument(f"--{source}", metavar="FIL", help=f"{what} (.csv eller .parquet)")
    parser.add_argument(
        "--out", required=True, metavar="FIL", help="henvisningslisten (.csv eller .parquet)"
    )
    parser.add_argument("--date", metavar="ÅÅÅÅ-MM-DD", help="screeningsdato (standard: i dag)")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="spring fejlbehæftede rækker over og skriv dem til en sidefil",
    )
    parser.add_argument("--lang", choices=("da", "en"), default="da", help="sprog (standard: da)")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress", dest="progress", action="store_true", default=None, help="vis fremdrift"
    )
    shown.add_argument("--no-progress", dest="progress", action="store_false", help="skjul den")


class ProgressBar:
    """A progress bar on stderr, drawn only once a run has lasted `delay` seconds.

    Told the share of work done when each stage starts; within a stage it advances at the pace
    of the stages before (an estimate, never past the stage's end).
    """

    WIDTH = 28

    def __init__(self, out: TextIO, labels: dict[str, str], delay: float = 1.5) -> None:
        self.out, self.labels, self.delay = out, labels, delay
        self.start = time.monotonic()
        self.stage, self.stage_start, self.done, self.next = "", self.start, 0.0, 0.0
        self.shown = False
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> ProgressBar:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        if self.shown:
            self.out.write("\r" + " " * 78 + "\r")
            self.out.flush()

    def tell(self, stage: str, done: float, ends: float) -> None:
        with self.lock:
            self.stage, self.stage_start = stage, time.monotonic()
            self.done, self.next = done, ends
        self._draw()

    def _fraction(self, now: float) -> float:
        with self.lock:
            done, start, ends = self.done, self.stage_start, self.next
        elapsed = start - self.start
        if done <= 0 or elapsed <= 0 or ends <= done:
            return done
        pace = done / elapsed
        return min(done + (now - start) * pace, done + 0.95 * (ends - done))

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self.start < self.delay:
            return
        share = self._fraction(now)
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        label = self.labels.get(self.stage, self.stage)
        with self.lock:
            self.out.write(f"\r[{bar}] {share:4.0%} {label:<14} {now - self.start:5.1f} s")
            self.out.flush()
            self.shown = True

    def _loop(self) -> None:
        while not self.stop.wait(0.2):
            self._draw()


def _paths(args: argparse.Namespace, t: dict[str, str]) -> dict[str, Path] | str:
    """The three input files, from the folder and the explicit options; or what is wrong."""
    found: dict[str, Path] = {}
    folder = Path(args.folder) if args.folder else None
    for source in SOURCES:
        explicit = getattr(args, source)
        if explicit:
            found[source] = Path(explicit)
            continue
        if folder is None:
            return t["no_input"].format(files=", ".join(f"{s}.csv" for s in SOURCES))
        options = [folder / f"{source}{suffix}" for suffix in (".csv", ".parquet", ".pq")]
        present = [p for p in options if p.is_file()]
        if len(present) > 1:
            return t["ambiguous"].format(
                dir=folder, a=present[0].name, b=present[1].name, source=source
            )
        if not present:
            return t["missing_in_dir"].format(dir=folder, source=source)
        found[source] = present[0]
    return found


def _number(n: int, lang: str) -> str:
    from osteofys import kb

    return kb.load().texts.whole(n, lang)


def _percent(n: int, total: int, lang: str) -> str:
    from osteofys import kb

    share = f"{100 * n / total:.1f} %" if total else "-"
    return kb.load().texts.decimal(share, lang)


def _problem_line(p: Problem, t: dict[str, str], lang: str) -> str:
    shown = ", ".join(str(r) for r in p.rows) + (" …" if p.count > len(p.rows) else "")
    values = ", ".join("∅" if v is None else repr(v) for v in p.values)
    where = f"{t['rows'] if len(p.rows) > 1 else t['row']} {shown}"
    if values:
        where += f" ({t['values']}: {values})"
    return t["problem"].format(
        source=t[p.source],
        count=_number(p.count, lang),
        rows=t["row"] if p.count == 1 else t["rows"],
        what=t.get(p.problem, p.problem),
        column=p.column,
        where=where,
    )


def _input_error(e: InputError, t: dict[str, str]) -> str:
    values = {"source": t[e.source], "detail": e.detail, "row": e.row}
    if e.problem == "missing_column":
        return t["missing_column"].format(**values, found=", ".join(e.values) or "-")
    if e.problem == "ragged_row":
        return t["ragged_row"].format(**values, got=e.values[0], want=e.values[1])
    text = t.get(e.problem, "{source}: {detail}").format(**values)
    if e.row is not None and e.problem != "not_utf8":
        text += t["at_row"].format(row=e.row)
    return text


def _print_summary(
    s: Summary, base: KnowledgeBase, on: date, *, t: dict[str, str], lang: str, out: TextIO
) -> None:
    from osteofys.kb.explain import rule_label

    def say(line: str = "") -> None:
        print(line, file=out)

    n = s.citizens
    say(t["title"].format(on=on.isoformat(), version=base.version))
    say(t["read"].format(**{k: _number(v, lang) for k, v in s.rows_read.items()}))
    say(t["screened"].format(n=_number(n, lang)))
    for key, value in (("refer", s.refer), ("undecided", s.undecided)):
        say(t[key].format(n=_number(value, lang), pct=_percent(value, n, lang)))
        if key == "refer":
            say(t["refer_strong"].format(n=_number(s.refer_strong, lang)))
    say(
        t["not_referred"].format(
            n=_number(s.not_referred, lang), pct=_percent(s.not_referred, n, lang)
        )
    )
    say(t["already_known"].format(n=_number(s.already_known, lang)))
    if s.rejected:
        parts = ", ".join(f"{_number(n, lang)} {t[source]}" for source, n in s.rejected.items())
        say(t["rejected"].format(parts=parts))
    say()
    say(t["by_band"])
    say(t["band_head"].format(band=t["age"], women=t["women"], men=t["men"], total=t["total"]))
    for band in s.bands:
        cell = s.by_band.get(band, {})
        women, men = cell.get("female", 0), cell.get("male", 0)
        say(
            t["band_head"].format(
                band=band,
                women=_number(women, lang),
                men=_number(men, lang),
                total=_number(women + men, lang),
            )
        )
    say()
    say(t["by_factor"])
    for rf, (everyone, referred) in s.factors.items():
        label = rule_label(base, rf, lang)
        say(f"  {rf:<5} {_number(everyone, lang):>10} {_number(referred, lang):>10}  {label}")


def run(args: argparse.Namespace) -> int:
    lang: str = args.lang
    t = T[lang]
    try:
        on = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        print(t["not_a_date"].format(value=args.date), file=sys.stderr)
        return EXIT_USAGE
    paths = _paths(args, t)
    if isinstance(paths, str):
        print(paths, file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        print(t["bad_output"].format(path=out), file=sys.stderr)
        return EXIT_USAGE
    if not out.parent.is_dir():
        print(t["no_output_dir"].format(path=out), file=sys.stderr)
        return EXIT_USAGE
    return _screen(args, paths, on, out, t=t, lang=lang)


def _screen(
    args: argparse.Namespace,
    paths: dict[str, Path],
    on: date,
    out: Path,
    *,
    t: dict[str, str],
    lang: str,
) -> int:
    from osteofys import kb
    from osteofys.batch.mapping import MappingError
    from osteofys.batch.screen import Paths, UnusableFilesError, screen
    from osteofys.batch.summary import summarise

    base = kb.load()
    show = sys.stderr.isatty() if args.progress is None else args.progress
    bar = ProgressBar(sys.stderr, t, delay=1.5 if args.progress is None else 0.0)
    try:
        if show:
            with bar:
                result = screen(Paths(**paths), base, on, progress=bar.tell)
        else:
            result = screen(Paths(**paths), base, on)
    except UnusableFilesError as exc:
        for error in exc.errors:
            print(_input_error(error, t), file=sys.stderr)
        return EXIT_USAGE
    except MappingError as exc:
        print(f"registry.toml: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    for problem in result.problems:
        print(_problem_line(problem, t, lang), file=sys.stderr)
    if result.problems and not args.skip_invalid:
        print(t["stopped"], file=sys.stderr)
        return EXIT_USAGE
    for source in SOURCES:
        side = out.with_name(f"{out.stem}.rejected-{source}.csv")
        rows = result.rejected.get(source)
        if rows is None:
            # A side file left by an earlier run would report rows this run did not reject.
            side.unlink(missing_ok=True)
            continue
        rows.write_csv(side)
        print(
            t["skipped"].format(
                count=_number(rows.height, lang),
                rows=t["row"] if rows.height == 1 else t["rows"],
                source=t[source],
                path=side,
            ),
            file=sys.stderr,
        )
    table = result.output()
    if out.suffix.lower() == ".csv":
        table.write_csv(out)
    else:
        table.write_parquet(out)
    summary = summarise(result, base.knowledge.value("referral_min_age_years"))
    _print_summary(summary, base, on, t=t, lang=lang, out=sys.stdout)
    print(file=sys.stdout)
    print(t["written"].format(path=out, n=_number(table.height, lang)), file=sys.stdout)
    return EXIT_OK
