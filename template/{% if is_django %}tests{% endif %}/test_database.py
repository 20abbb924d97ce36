"""The database from the requests' side: a server restart costs no request.

psycopg's pool checks each connection it hands out (core.database.check_pooled_connection);
one found broken discards the pool's other idle connections at once, so the request
waits for one new connection instead of checking each broken one in turn.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from .package import check_pooled_connection


class FakePool:
    """Records whether it was drained."""

    def __init__(self) -> None:
        self.drained = False

    def drain(self) -> None:
        self.drained = True


class FakeConnection:
    """A pooled connection that works, or whose server has gone."""

    def __init__(self, pool: FakePool, *, broken: bool, autocommit: bool = True) -> None:
        self.broken = broken
        self.autocommit = autocommit
        self._pool: FakePool | None = pool

    def execute(self, query: str) -> Any:
        if self.broken:
            raise OSError("server closed the connection unexpectedly")
        return None


def test_a_working_connection_passes_the_check_and_keeps_its_mode() -> None:
    pool = FakePool()
    working = FakeConnection(pool, broken=False, autocommit=False)

    check_pooled_connection(working)

    assert working.autocommit is False
    assert not pool.drained


def test_a_broken_connection_fails_the_check_and_drains_its_pool() -> None:
    pool = FakePool()

    with pytest.raises(OSError, match="server closed"):
        check_pooled_connection(FakeConnection(pool, broken=True))

    assert pool.drained


def query_in_another_thread() -> float:
    """Run SELECT 1 on a connection of a new thread (from the pool); return the seconds."""

    def query() -> float:
        started = time.monotonic()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        finally:
            connection.close()
        return time.monotonic() - started

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(query).result()


@pytest.mark.django_db
def test_connections_broken_by_a_server_restart_cost_no_request() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server to restart")
    pool: Any = getattr(connection, "pool")  # noqa: B009 - the PostgreSQL backend's own pool
    query_in_another_thread()
    deadline = time.monotonic() + 5
    while pool.get_stats()["pool_available"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    # What a restart does to the pool's idle connections: their server processes end.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    elapsed = query_in_another_thread()

    assert elapsed < 0.5
