"""`osteofys serve`: migrate the database and run the web application with a real WSGI server."""

from __future__ import annotations

import argparse
import os
import sys

from osteofys.cli import EXIT_OK, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="adresse (standard: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (standard: 8000)")
    parser.add_argument(
        "--data-dir",
        help="mappe til database og nøgle (standard: OSTEOFYS_DATA_DIR eller ./data)",
    )
    parser.add_argument(
        "--threads", type=int, default=8, help="antal samtidige forespørgsler (standard: 8)"
    )


def run(args: argparse.Namespace) -> int:
    if args.data_dir:
        os.environ["OSTEOFYS_DATA_DIR"] = args.data_dir
    if not 0 < args.port < 65536:
        print(f"--port = {args.port} er ikke en gyldig port (1–65535).", file=sys.stderr)
        return EXIT_USAGE
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osteofys.web.settings")

    import django
    from django.conf import settings
    from django.core.management import call_command
    from waitress import serve

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from osteofys.web.wsgi import application

    url = f"http://{args.host if args.host not in ('0.0.0.0', '::') else 'localhost'}:{args.port}/"
    print(f"OsteoFys kører på {url}  (data: {settings.DATA_DIR})", flush=True)
    print("Stop med Ctrl+C.", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="OsteoFys")
    return EXIT_OK
