"""The database seen from requests: which errors mean "unavailable", the pool's check, and
which reads may lag behind writes (a read replica may serve those).

Imported by the settings (config/env.py, for PostgreSQL's pool), so it reads no settings at
import time, and it imports no driver: SQLite projects install none.
"""

from collections.abc import Generator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import InterfaceError, OperationalError

# Errors that mean the database cannot answer now (server down or restarting, pool
# exhausted: psycopg_pool's PoolTimeout reaches Django as OperationalError), as opposed to
# a mistake in the request or the code.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

# Set while a request's reads may be a little stale: a read replica's router reads it.
_reads_may_lag: ContextVar[bool] = ContextVar("reads_may_lag", default=False)


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


@contextmanager
def reads_may_lag() -> Generator[None]:
    """Mark the queries of the block as reads that may lag behind writes (list endpoints).

    A project with a read replica (DATABASE_REPLICA_URL) reads them there; every other
    query, in the block or not, and every write, goes to the primary. Async ORM calls carry
    the mark into the thread that runs them.
    """
    token = _reads_may_lag.set(True)
    try:
        yield
    finally:
        _reads_may_lag.reset(token)


def reads_may_lag_now() -> bool:
    """Return True inside `reads_may_lag()`."""
    return _reads_may_lag.get()
