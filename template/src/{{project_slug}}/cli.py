"""The service's command line: `serve` (development server) and `migrate`."""

import argparse
import sys
from collections.abc import Sequence

from . import commands

PACKAGE = __name__.rpartition(".")[0]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the `serve` and `migrate` subcommands."""
    parser = argparse.ArgumentParser(prog=PACKAGE, description=__doc__)
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = subcommands.add_parser(
        "serve",
        help=f"run the development server ({commands.SERVER}, auto-reload)",
        description="Run the development server. With ENVIRONMENT=local (the default) it "
        "applies migrations first. In production use gunicorn (see README.md).",
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    serve_parser.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    serve_parser.add_argument(
        "--no-reload", dest="reload", action="store_false", help="do not restart on code changes"
    )
    subcommands.add_parser(
        "migrate",
        help=f"apply database migrations ({commands.MIGRATIONS})",
        description="Apply every migration to the database at DATABASE_URL.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        commands.setup()
        if args.command == "serve":
            commands.serve(host=args.host, port=args.port, reload=args.reload)
        else:
            commands.migrate()
    except commands.USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201 - the CLI's message to its user
        return 1
    return 0
