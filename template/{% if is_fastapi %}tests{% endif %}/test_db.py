"""The engine the app makes for its DATABASE_URL, and the gate to its pool."""

import asyncio

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import make_url, text

from .package import Settings, db


async def test_sqlite_connections_enforce_foreign_keys(settings: Settings) -> None:
    if make_url(settings.DATABASE_URL).get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    engine = db.create_engine(settings)
    try:
        async with engine.connect() as connection:
            enforced = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
    finally:
        await engine.dispose()
    assert enforced == 1


async def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    app: FastAPI, client: AsyncClient
) -> None:
    engine = app.state.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to close a connection")
    async with engine.connect() as connection:
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        closed = asyncio.Event()

        def on_close(_connection: object) -> None:
            closed.set()

        driver.add_termination_listener(on_close)
    # Back in the pool; the server ends it, as a restart or failover would.
    killer = db.create_engine(app.state.settings)
    try:
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await killer.dispose()
    async with asyncio.timeout(5):
        await closed.wait()  # asyncpg has seen the socket close, as it would after a restart

    async with engine.connect() as connection:
        replaced = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()

    assert replaced != pid
    assert (await client.get("/readyz")).status_code == 200


async def test_the_gate_admits_waiting_sessions_in_arrival_order() -> None:
    gate = db.ConnectionGate(1)
    admitted: list[str] = []

    async def session(name: str) -> None:
        async with gate.admitted():
            admitted.append(name)
            await asyncio.sleep(0)

    async with gate.admitted():
        first = asyncio.create_task(session("waiting"))
        await asyncio.sleep(0)  # it now waits for the place
    # A newcomer arriving as the place frees must not overtake the one already waiting.
    newcomer = asyncio.create_task(session("newcomer"))
    await asyncio.gather(first, newcomer)

    assert admitted == ["waiting", "newcomer"]


async def test_a_session_left_waiting_too_long_is_refused_as_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "POOL_TIMEOUT_SECONDS", 0.05)
    gate = db.ConnectionGate(1)

    async with gate.admitted():
        with pytest.raises(db.DatabaseUnavailableError, match="no database connection came free"):
            async with gate.admitted():
                pass
    async with gate.admitted():  # the place a refused session waited for is not lost
        pass


async def test_sqlite_sessions_are_not_gated(settings: Settings) -> None:
    sqlite = settings.model_copy(update={"DATABASE_URL": "sqlite+aiosqlite:///:memory:"})
    engine = db.create_engine(sqlite)
    factory = db.create_session_factory(engine, sqlite)
    try:
        gate: db.ConnectionGate = factory().info[db.GATE]
        async with gate.admitted(), gate.admitted(), gate.admitted():
            pass
    finally:
        await engine.dispose()
