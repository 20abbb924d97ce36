"""What the settings classes build on: the types of values read from the environment, and the
production checks an optional part's settings may add (`config.env.Env` runs them).

Each optional part's settings are a class in a module of that part, in the package
(`jobs/settings.py`, `core/redis_settings.py`, ...); config/features.py composes those of the
parts this project was generated with.
"""

from typing import Annotated

from pydantic import BeforeValidator
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


class ProductionChecks(BaseSettings):
    """Settings with values refused in production: Env runs these checks there, after its
    own, so its errors (secrets, SQLite) come first.
    """

    def _refuse_unsafe_in_production(self) -> None:
        """Raise ValueError naming a setting unsafe in production; do nothing here.

        An optional part's settings that refuse a value extend this, then call super() so
        that every part's check runs.
        """
