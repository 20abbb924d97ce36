"""What `serve` and `migrate` do for FastAPI: uvicorn, and Alembic (cli.py parses the commands)."""

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
MIGRATIONS = "alembic upgrade head"


class CommandError(Exception):
    """A problem the user can fix: `cli.main` prints it and exits with status 1."""


# Errors `cli.main` reports in one line instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (CommandError, ValidationError)


def setup() -> None:
    """Nothing to load before a command: settings are read when first needed."""


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
