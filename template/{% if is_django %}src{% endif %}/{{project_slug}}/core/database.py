"""The database seen from requests: which errors mean "unavailable", and the pool's check.

Imported by the settings (config/env.py), so it reads no settings at import time, and it
imports no driver: SQLite projects install none.
"""

from contextlib import suppress
from typing import Any, Protocol

from django.db import InterfaceError, OperationalError

# Errors that mean the database cannot answer now (server down or restarting, pool
# exhausted: psycopg_pool's PoolTimeout reaches Django as OperationalError), as opposed to
# a mistake in the request or the code.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class _Drainable(Protocol):
    def drain(self) -> None: ...


class PooledConnection(Protocol):
    """What the pool's check uses of a psycopg connection."""

    autocommit: bool

    @property
    def _pool(self) -> _Drainable | None: ...

    def execute(self, query: str) -> Any: ...


def is_database_unavailable(error: BaseException) -> bool:
    """Return True when `error` means the database cannot answer now (answer 503)."""
    return isinstance(error, UNAVAILABLE_ERRORS)


def check_pooled_connection(connection: PooledConnection) -> None:
    """Check a connection as psycopg's pool hands it out; raise when it is broken.

    What `ConnectionPool.check_connection` does (an empty query), plus: a broken connection
    means the server went away, so every idle connection of the pool is broken too. They
    are discarded at once (`drain`), rather than each one checked in turn with the pool's
    growing pauses between them, which outlast the request's wait for a connection.
    """
    try:
        if connection.autocommit:
            connection.execute("")
        else:
            connection.autocommit = True
            try:
                connection.execute("")
            finally:
                # A closed connection refuses this too; the error above is the one to keep.
                with suppress(Exception):
                    connection.autocommit = False
    except Exception:
        # psycopg's only link from a connection to the pool that handed it out.
        pool = connection._pool  # pyright: ignore[reportPrivateUsage]
        if pool is not None:
            pool.drain()
        raise
