"""What the commands do for FastAPI: uvicorn, Alembic, and the services' own processes
(cli.py parses the commands)."""

from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import uvicorn
from alembic import command
from alembic.config import Config
from pydantic import ValidationError

from .core.config import get_settings

PACKAGE = __name__.rpartition(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent
# How the shared help text names this framework's server and migrations.
SERVER = "uvicorn"
MIGRATIONS = "alembic upgrade heads"
# The module each service's command runs. It exists only in the projects that have the
# service, so cli.py offers the command only there, and the command imports it when run.
SERVICE_MODULES = {
    "worker": f"{PACKAGE}.worker",
    "beat": f"{PACKAGE}.worker",
    "sentry-check": f"{PACKAGE}.core.sentry",
}
# Where the items' locations live when the project has spatial data.
SPATIAL_MODULE = f"{PACKAGE}.spatial"


class CommandError(Exception):
    """A problem the user can fix: `cli.main` prints it and exits with status 1."""


# Errors `cli.main` reports in one line instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (CommandError, ValidationError)


def setup() -> None:
    """Check what every command needs; settings are read when first needed.

    With spatial data on SQLite, the items' locations need SpatiaLite: say what to
    install, in one line.
    """
    if find_spec(SPATIAL_MODULE) is None:
        return
    if problem := import_module(SPATIAL_MODULE).spatialite_problem(get_settings().DATABASE_URL):
        raise CommandError(problem)


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
    """Upgrade the database at DATABASE_URL to the latest migrations (alembic upgrade heads).

    Each optional service keeps its tables on a branch of its own from the initial
    revision, so turning a service on later adds its branch: `heads` applies them all.
    """
    command.upgrade(Config(str(find_alembic_ini())), "heads")


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


def worker() -> None:
    """Run the Celery worker until it is stopped (worker.py)."""
    import_module(SERVICE_MODULES["worker"]).run_worker()


def beat() -> None:
    """Run Celery beat, which sends the periodic tasks, until it is stopped (worker.py)."""
    import_module(SERVICE_MODULES["beat"]).run_beat()


def sentry_check() -> None:
    """Send a test event to SENTRY_DSN and wait until it is sent (core/sentry.py).

    Raises CommandError when SENTRY_DSN is empty or the event could not be sent in time.
    """
    sentry = import_module(SERVICE_MODULES["sentry-check"])
    try:
        event_id = sentry.send_test_event(get_settings())
    except sentry.SentryError as error:
        raise CommandError(str(error)) from None
    print(f"sent test event {event_id} to Sentry")  # noqa: T201 - the command's answer
