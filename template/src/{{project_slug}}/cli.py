"""The service's command line: `serve` (development server), `migrate`, and the processes
and checks of the services the project has; commands.py says what each runs."""

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.util import find_spec

from pydantic import ValidationError

from . import commands

PACKAGE = __name__.rpartition(".")[0]

# The services' commands, each offered only in projects that have its service: those where
# the module it runs exists (commands.SERVICE_MODULES).
SERVICE_COMMANDS: dict[str, tuple[str, str]] = {
    "worker": (
        "run the task worker (Celery)",
        "Run the Celery worker: it takes tasks from CELERY_BROKER_URL until stopped.",
    ),
    "beat": (
        "run the periodic task scheduler (Celery beat)",
        "Run Celery beat: it sends the periodic tasks (one process per deployment).",
    ),
    "sentry-check": (
        "send a test event to Sentry (SENTRY_DSN)",
        "Send a test event to SENTRY_DSN and wait until it has been sent.",
    ),
}


def offered(command: str) -> bool:
    """Return whether this project has the service `command` runs (its module exists)."""
    module = commands.SERVICE_MODULES.get(command)
    return module is None or find_spec(module) is not None


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the subcommands."""
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
    for name, (summary, description) in SERVICE_COMMANDS.items():
        if offered(name):
            subcommands.add_parser(name, help=summary, description=description)
    return parser


# The subcommands that take no options, and what each runs.
ACTIONS: dict[str, Callable[[], None]] = {
    "migrate": commands.migrate,
    "worker": commands.worker,
    "beat": commands.beat,
    "sentry-check": commands.sentry_check,
}


def one_line(error: Exception) -> str:
    """Return `error` as one line; for invalid settings, each one's name and problem.

    A setting's value is never shown: it may be a secret.
    """
    if not isinstance(error, ValidationError):
        return " ".join(str(error).split())
    problems: list[str] = []
    for detail in error.errors(include_url=False, include_input=False, include_context=False):
        # A default computed from another setting is skipped when that one is invalid:
        # the invalid one is the problem, already named.
        if detail["type"] == "default_factory_not_called":
            continue
        problem = detail["msg"].removeprefix("Value error, ")
        where = ".".join(str(part) for part in detail["loc"])
        problems.append(f"{where}: {problem}" if where else problem)
    return "; ".join(problems)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        commands.setup()
        if args.command == "serve":
            commands.serve(host=args.host, port=args.port, reload=args.reload)
        else:
            ACTIONS[args.command]()
    except commands.USER_ERRORS as error:
        print(f"error: {one_line(error)}", file=sys.stderr)  # noqa: T201 - the CLI's message to its user
        return 1
    return 0
