"""What the commands do for Django: runserver, migrate, and the services' own processes and
checks (cli.py parses the commands, and offers only those of the services the project has).
"""

import os
from importlib import import_module
from importlib.util import find_spec

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from pydantic import ValidationError

from config.settings import use_environment_settings

PACKAGE = __name__.rpartition(".")[0]
# How the shared help text names this framework's server and migrations.
SERVER = "runserver"
MIGRATIONS = "manage.py migrate"
# The module each service's command runs. It exists only in the projects that have the
# service, so cli.py offers the command only there, and the command imports it when run.
SERVICE_MODULES = {
    "worker": "config.celery",
    "beat": "config.celery",
    "sentry-check": f"{PACKAGE}.core.sentry",
}
# The app of the items' locations, when the project has spatial data.
SPATIAL_APP = f"{PACKAGE}.geo"
# Errors `cli.main` reports in one line instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (ImproperlyConfigured, ValidationError)


def setup() -> None:
    """Load the settings of ENVIRONMENT (config.settings.<ENVIRONMENT>) and the apps."""
    use_environment_settings()
    django.setup()
    # With spatial data on SQLite, the items' locations need SpatiaLite: say what to
    # install, in one line.
    if find_spec(SPATIAL_APP) is None:
        return
    spatialite = import_module(f"{SPATIAL_APP}.spatialite")
    if problem := spatialite.spatialite_problem(settings.DATABASES["default"]["ENGINE"]):
        raise ImproperlyConfigured(problem)


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


def worker() -> None:
    """Run the Celery worker until it is stopped (config/celery.py)."""
    import_module(SERVICE_MODULES["worker"]).run_worker()


def beat() -> None:
    """Run Celery beat, which sends the periodic tasks, until it is stopped (config/celery.py)."""
    import_module(SERVICE_MODULES["beat"]).run_beat()


def sentry_check() -> None:
    """Send a test event to SENTRY_DSN and wait until it is sent (core/sentry.py).

    Raises core.sentry.SentryError (ImproperlyConfigured) when SENTRY_DSN is empty or the
    event was dropped.
    """
    event_id = import_module(SERVICE_MODULES["sentry-check"]).send_test_event()
    print(f"sent test event {event_id} to Sentry")  # noqa: T201 - the command's answer
