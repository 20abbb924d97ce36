"""What the settings classes build on: the types of values read from the environment, the
production checks an optional part's settings may add, and the release the telemetry reports.

Each optional part's settings are a class in a module of that part (`jobs/settings.py`,
`core/redis_settings.py`, ...), the same for both frameworks; the project's settings class
(FastAPI's `core.config.Settings`, Django's `config.env.Env`) composes those it was
generated with and runs their production checks.
"""

from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode


def split_commas(value: object) -> object:
    """Return a comma-separated string as a list of its non-empty items; other values as is."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def empty_as_none(value: object) -> object:
    """Return None for an empty or blank string (a variable set but left empty in `.env`)."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


# "a, b" in the environment -> ["a", "b"].
CommaSeparated = Annotated[list[str], NoDecode, BeforeValidator(split_commas)]
# An integer that may be left empty in `.env` (then None, its default).
OptionalInt = Annotated[int | None, BeforeValidator(empty_as_none)]
# A share of requests, tasks or traces, from 0.0 (none) to 1.0 (all).
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ProductionChecks(BaseSettings):
    """Settings with values refused in production: the project's settings class runs these
    checks there, after its own, so its errors (secrets, hosts, SQLite) come first.
    """

    def _refuse_unsafe_in_production(self) -> None:
        """Raise ValueError naming a setting unsafe in production; do nothing here.

        An optional part's settings that refuse a value extend this, then call super() so
        that every part's check runs.
        """


class ReleaseSettings(BaseSettings):
    """The release, which error reports and spans carry (Sentry's and the traces' settings
    extend this).
    """

    # The release: Sentry's events and the spans' service.version (the image tag); empty =
    # the package version.
    APP_VERSION: str = ""
