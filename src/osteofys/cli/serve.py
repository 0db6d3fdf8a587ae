"""`osteofys serve`: migrate the database and run the web application with a real WSGI server."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

from osteofys.cli import EXIT_OK, EXIT_USAGE


def _default_workers() -> int:
    # One process per core where gunicorn runs (it forks); Python threads in one process share
    # one core because of the GIL, so a clinic server with 2 cores would use only half of it.
    if sys.platform == "win32":
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="adresse (standard: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (standard: 8000)")
    parser.add_argument(
        "--data-dir",
        help="mappe til database og nøgle (standard: OSTEOFYS_DATA_DIR eller ./data)",
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="samtidige forespørgsler pr. proces (standard: 4)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="antal processer (standard: én pr. CPU-kerne; altid 1 på Windows)",
    )


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        print(f"--port = {args.port} er ikke en gyldig port (1–65535).", file=sys.stderr)
        return EXIT_USAGE
    workers = _default_workers() if args.workers is None else args.workers
    for name, value in (("--threads", args.threads), ("--workers", workers)):
        if not 1 <= value <= 64:
            print(f"{name} = {value} er uden for det tilladte område (1–64).", file=sys.stderr)
            return EXIT_USAGE
    # Whatever the server writes (database files, static cache, temporary PDFs) is readable by
    # its own user only: it may hold health data.
    os.umask(0o077)
    if not _loopback(args.host):
        # Reachable from the network: production settings (HTTPS only, secure cookies).
        os.environ.setdefault("OSTEOFYS_DEPLOY", "1")

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from osteofys.cli import webapp

    config = webapp.prepare(args.data_dir)
    django.setup()
    _warn_if_readable_by_others(config.data_dir)
    call_command("migrate", interactive=False, verbosity=0)
    # The workers must not inherit the migration's connection: each opens its own.
    connections.close_all()
    from osteofys.web.warmup import warm_up
    from osteofys.web.wsgi import application

    warm_up()

    url = f"http://{args.host if args.host not in ('0.0.0.0', '::') else 'localhost'}:{args.port}/"
    print(f"OsteoFys kører på {url}  (data: {settings.DATA_DIR})", flush=True)
    if settings.DEPLOY:
        print(
            "Netværkstilstand: kun HTTPS (fx bag en reverse proxy med certifikat), sikre cookies."
            f" Tilladte værtsnavne: {', '.join(settings.ALLOWED_HOSTS)} (OSTEOFYS_ALLOWED_HOSTS).",
            flush=True,
        )
    print("Stop med Ctrl+C.", flush=True)
    if workers > 1 and sys.platform != "win32":
        _serve_gunicorn(application, args.host, args.port, workers, args.threads)
    else:
        from waitress import serve

        serve(
            application,
            host=args.host,
            port=args.port,
            threads=args.threads,
            ident="OsteoFys",
            # Django alone reads the proxy headers (OSTEOFYS_TRUSTED_PROXIES: the client's
            # address in audit.context, the scheme by SECURE_PROXY_SSL_HEADER). waitress must
            # pass them on untouched: by default it deletes them (no trusted_proxy set), and
            # trusting them here as well would count the proxy's hop twice.
            clear_untrusted_proxy_headers=False,
        )
    return EXIT_OK


def _warn_if_readable_by_others(directory: Path) -> None:
    from osteofys.web.config import too_open

    for path, mode in too_open(directory):
        wanted = "700" if path.is_dir() else "600"
        print(
            f"Advarsel: {path} har rettighederne {mode:04o}, så andre brugere på computeren kan"
            f" læse patientdata. Ret det med: chmod {wanted} '{path}'",
            file=sys.stderr,
            flush=True,
        )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def _serve_gunicorn(application: Any, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                # Loaded once in the master, then forked: less memory, and a broken install
                # fails before any worker starts.
                "preload_app": True,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "timeout": 60,
                "graceful_timeout": 10,
                "proc_name": "osteofys",
                # Trust no peer's X-Forwarded-*: gunicorn would otherwise set the scheme from
                # X-Forwarded-Proto for any request from 127.0.0.1, even when no proxy is
                # declared. Django alone reads them (see the waitress call in `run`).
                "forwarded_allow_ips": "",
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Server().run()
