"""The database engine and sessions: SQLAlchemy 2 async, on PostgreSQL or SQLite."""

from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .config import Settings

# Seconds a PostgreSQL connection may live before the pool replaces it, so connections
# cut by a proxy or failover are not handed out stale.
POOL_RECYCLE_SECONDS = 1800


def create_engine(settings: Settings) -> AsyncEngine:
    """Return an engine for `settings.DATABASE_URL`; it connects lazily, on first use.

    PostgreSQL (postgresql+asyncpg://) gets a connection pool sized by DATABASE_POOL_SIZE
    whose connections are pinged before use; SQLite gets foreign keys and a busy timeout.
    """
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 15})
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_async_engine(
        url,
        pool_size=settings.DATABASE_POOL_SIZE,
        max_overflow=settings.DATABASE_POOL_SIZE,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_timeout=10,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the factory of request sessions bound to `engine`.

    Objects stay usable after commit (expire_on_commit=False), so a route can return what
    it just saved without another query.
    """
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping_database(engine: AsyncEngine) -> None:
    """Run SELECT 1 on `engine`; raise whatever the driver raises when it cannot."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless each connection turns them on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
