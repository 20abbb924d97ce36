"""The service's command line: `serve` (development server) and `migrate`."""

import argparse
import os
import sys
from collections.abc import Sequence

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from pydantic import ValidationError

from config.settings import use_environment_settings

PACKAGE = __name__.rpartition(".")[0]


def setup() -> None:
    """Load the settings of ENVIRONMENT (config.settings.<ENVIRONMENT>) and the apps."""
    use_environment_settings()
    django.setup()


def migrate() -> None:
    """Apply every migration to the database at DATABASE_URL (manage.py migrate)."""
    call_command("migrate", interactive=False)


def serve(*, host: str, port: int, reload: bool) -> None:
    """Run Django's development server; with ENVIRONMENT=local, migrate the database first."""
    # With reload on, the server runs in a child process that calls this again: the parent
    # has already migrated.
    if settings.ENVIRONMENT == "local" and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
        migrate()
    call_command("runserver", f"{host}:{port}", use_reloader=reload)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the `serve` and `migrate` subcommands."""
    parser = argparse.ArgumentParser(prog=PACKAGE, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve",
        help="run the development server (runserver, auto-reload)",
        description="Run Django's development server. With ENVIRONMENT=local (the default) "
        "it applies migrations first. In production use gunicorn (see README.md).",
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    serve_parser.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    serve_parser.add_argument(
        "--no-reload", dest="reload", action="store_false", help="do not restart on code changes"
    )
    commands.add_parser(
        "migrate",
        help="apply database migrations (manage.py migrate)",
        description="Apply every migration to the database at DATABASE_URL.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        setup()
        if args.command == "serve":
            serve(host=args.host, port=args.port, reload=args.reload)
        else:
            migrate()
    except (ImproperlyConfigured, ValidationError) as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201 - the CLI's message to its user
        return 1
    return 0
