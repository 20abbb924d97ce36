"""The service's command line: `serve` (development server) and `migrate`."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from alembic import command
from alembic.config import Config
from pydantic import ValidationError

from .core.config import get_settings

PACKAGE = __name__.rpartition(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent


class CommandError(Exception):
    """A problem the user can fix: `main` prints it and exits with status 1."""


def find_alembic_ini() -> Path:
    """Return the project's alembic.ini: in the working directory, else the source checkout.

    Raises CommandError naming both places when neither has one.
    """
    candidates = [Path.cwd() / "alembic.ini", PACKAGE_DIR.parent.parent / "alembic.ini"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    places = " or ".join(str(candidate.parent) for candidate in candidates)
    msg = f"alembic.ini not found in {places}: run this command from the project's root"
    raise CommandError(msg)


def migrate() -> None:
    """Upgrade the database at DATABASE_URL to the latest migration (alembic upgrade head)."""
    command.upgrade(Config(str(find_alembic_ini())), "head")


def serve(*, host: str, port: int, reload: bool) -> None:
    """Run the development server; with ENVIRONMENT=local, migrate the database first."""
    if get_settings().is_local:
        migrate()
    uvicorn.run(
        f"{PACKAGE}.main:app",
        host=host,
        port=port,
        reload=reload,
        reload_dirs=[str(PACKAGE_DIR)] if reload else None,
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the `serve` and `migrate` subcommands."""
    parser = argparse.ArgumentParser(prog=PACKAGE, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve",
        help="run the development server (uvicorn, auto-reload)",
        description="Run the development server. With ENVIRONMENT=local (the default) it "
        "applies migrations first. In production use gunicorn (see README.md).",
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    serve_parser.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    serve_parser.add_argument(
        "--no-reload", dest="reload", action="store_false", help="do not restart on code changes"
    )
    commands.add_parser(
        "migrate",
        help="apply database migrations (alembic upgrade head)",
        description="Upgrade the database at DATABASE_URL to the latest migration.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            serve(host=args.host, port=args.port, reload=args.reload)
        else:
            migrate()
    except (CommandError, ValidationError) as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201 - the CLI's message to its user
        return 1
    return 0
