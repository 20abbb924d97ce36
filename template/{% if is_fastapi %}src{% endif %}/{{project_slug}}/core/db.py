"""The database engine and sessions: SQLAlchemy 2 async, on PostgreSQL or SQLite."""

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, make_url, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.ext import asyncio as sqlalchemy_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import Pool

from .config import Settings

# Seconds a PostgreSQL connection may live before the pool replaces it, so connections
# cut by a proxy or failover are not handed out stale.
POOL_RECYCLE_SECONDS = 1800
# During an outage a request fails within about these many seconds (then 503), instead of
# hanging on a connection that will not come: the connect attempt, and the wait for a free
# connection when all of the pool's are in use.
CONNECT_TIMEOUT_SECONDS = 1.5
POOL_TIMEOUT_SECONDS = 1.5
# PostgreSQL's error classes for a lost or refused connection (08) and for a server that
# is shutting down or starting up (57P01-57P03), as asyncpg reports them.
_UNAVAILABLE_SQLSTATES = ("08", "57P")


class DatabaseUnavailableError(Exception):
    """The database cannot be reached now; the request may succeed when retried."""


def create_engine(settings: Settings) -> AsyncEngine:
    """Return an engine for `settings.DATABASE_URL`; it connects lazily, on first use.

    PostgreSQL (postgresql+asyncpg://) gets a connection pool sized by DATABASE_POOL_SIZE
    whose connections the server closed (a restart, a failover) are replaced before use
    instead of failing a request; SQLite gets foreign keys and a busy timeout.
    """
    url = make_url(settings.DATABASE_URL)
    # Looked up when called, not imported: an instrumentation (tracing) that wraps it
    # process-wide then sees every engine made after it.
    create_async_engine = sqlalchemy_asyncio.create_async_engine
    if url.get_backend_name() == "sqlite":
        return create_async_engine(url, connect_args={"timeout": 15})
    return create_async_engine(
        url,
        pool_size=settings.DATABASE_POOL_SIZE,
        max_overflow=settings.DATABASE_POOL_SIZE,
        # No ping before each use (three round trips on asyncpg, about a third of a short
        # request's time): _replace_closed_connection checks without one.
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
    )


class ConnectionGate:
    """Admits sessions while the pool has connections for them, first come first served.

    SQLAlchemy's asyncio pool hands a connection given back to whichever request asks
    next, even ahead of the requests already waiting: under load a few of those then wait
    out the whole POOL_TIMEOUT_SECONDS and answer 503 while the database is healthy. Here
    they wait in line (asyncio.Semaphore is fair), so the pool itself never makes anyone
    wait. `limit` None admits every session (SQLite).
    """

    def __init__(self, limit: int | None) -> None:
        self._slots = asyncio.Semaphore(limit) if limit else None

    @asynccontextmanager
    async def admitted(self) -> AsyncGenerator[None]:
        """Hold a place for one session's connection while the block runs.

        Raises:
            DatabaseUnavailableError: no connection came free within POOL_TIMEOUT_SECONDS.
        """
        if self._slots is None:
            yield
            return
        try:
            async with asyncio.timeout(POOL_TIMEOUT_SECONDS):
                await self._slots.acquire()
        except TimeoutError as error:
            msg = f"no database connection came free within {POOL_TIMEOUT_SECONDS}s"
            raise DatabaseUnavailableError(msg) from error
        try:
            yield
        finally:
            self._slots.release()


# The key of a session's info (Session.info) that holds the gate of its engine's pool.
GATE = "connection_gate"


def create_session_factory(
    engine: AsyncEngine, settings: Settings
) -> async_sessionmaker[AsyncSession]:
    """Return the factory of request sessions bound to `engine`, made from `settings`.

    Objects stay usable after commit (expire_on_commit=False), so a route can return what
    it just saved without another query. Each session's info carries the ConnectionGate of
    the engine's pool (as many places as the pool has connections, overflow included).
    """
    sqlite = make_url(settings.DATABASE_URL).get_backend_name() == "sqlite"
    gate = ConnectionGate(None if sqlite else 2 * settings.DATABASE_POOL_SIZE)
    return async_sessionmaker(engine, expire_on_commit=False, info={GATE: gate})


def is_unavailable(error: BaseException) -> bool:
    """Return whether `error` says the database cannot be reached (rather than a bug).

    That is a refused, lost or timed-out connection (asyncpg raises OSError and
    TimeoutError as they are), a pool with no connection free in time, a server shutting
    down or starting up, or SQLite unable to open or lock its file.
    """
    if isinstance(error, OSError | TimeoutError | exc.TimeoutError | exc.OperationalError):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    driver_error = error.orig if isinstance(error, exc.DBAPIError) else error
    sqlstate = getattr(driver_error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


async def ping_database(engine: AsyncEngine) -> None:
    """Run SELECT 1 on `engine`; raise whatever the driver raises when it cannot."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


# One listener for every pool of the process, not one per engine: SQLAlchemy keeps
# per-engine listeners in a registry keyed by id(), which tests that make and drop many
# engines can trip when an id is reused (KeyError in _collection_gced).
@event.listens_for(Pool, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless each connection turns them on.
    if not isinstance(dbapi_connection, AsyncAdapt_aiosqlite_connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Pool, "checkout")
def _replace_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # A server that restarts or fails over closes its connections' sockets, and asyncpg
    # notices on its own, in the background: a connection it knows closed is replaced here,
    # with every older one of its pool (they went down with it), at no round trip's cost.
    if not isinstance(dbapi_connection, AsyncAdapt_asyncpg_connection):
        return
    if dbapi_connection.driver_connection.is_closed():
        raise exc.InvalidatePoolError("the database closed this connection")
