"""What `serve` and `migrate` do for Django: runserver, and migrate (cli.py parses the commands)."""

import os

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
# Errors `cli.main` reports in one line instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (ImproperlyConfigured, ValidationError)


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
