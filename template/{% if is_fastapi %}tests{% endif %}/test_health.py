"""Liveness and readiness probes."""

import asyncio
import time

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import ClientFactory
from .package import health, readiness

# A database file in a directory that does not exist: SQLite cannot open it.
UNREACHABLE_DATABASE_URL = "sqlite+aiosqlite:////nonexistent-directory/unreachable.db"


async def test_healthz_answers_ok(client: AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_answered_before_routing_is_the_routes_own_answer(
    client: AsyncClient,
) -> None:
    # An Origin header sends the request through the route (CORS may answer it).
    early = await client.get("/healthz")
    routed = await client.get("/healthz", headers={"Origin": "https://app.example"})

    assert early.content == routed.content
    for name in ("content-type", "content-length", "x-content-type-options"):
        assert early.headers[name] == routed.headers[name]
    assert early.headers["x-request-id"] != routed.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_probes_answer_head_with_no_body(client: AsyncClient, path: str) -> None:
    response = await client.head(path)

    assert response.status_code == 200
    assert response.content == b""


async def test_readyz_head_answers_503_when_the_database_is_unreachable(
    make_client: ClientFactory,
) -> None:
    async with make_client(DATABASE_URL=UNREACHABLE_DATABASE_URL) as client:
        response = await client.head("/readyz")

    assert response.status_code == 503
    assert response.content == b""


async def test_readyz_answers_ok_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["database"] == "ok"


async def test_readyz_answers_503_naming_an_unreachable_database(
    make_client: ClientFactory,
) -> None:
    async with make_client(DATABASE_URL=UNREACHABLE_DATABASE_URL) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("down:")


async def test_readyz_answers_503_in_time_and_lets_a_hung_check_finish(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[float] = []
    finished: list[float] = []
    release = asyncio.Event()

    async def hung_ping(_engine: AsyncEngine) -> None:
        started.append(time.monotonic())
        await release.wait()
        finished.append(time.monotonic())

    monkeypatch.setattr(health, "ping_database", hung_ping)
    # Shorter than the real wait, which the next test bounds.
    monkeypatch.setattr(readiness, "CHECK_TIMEOUT_SECONDS", 0.1)
    began = time.monotonic()
    first = await client.get("/readyz")
    second = await client.get("/readyz")
    elapsed = time.monotonic() - began
    checks_while_hung = len(started)
    release.set()
    await asyncio.sleep(0)
    third = await client.get("/readyz")

    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["checks"]["database"] == "down: no answer within 0.1s"
    # Two probes, each answered once the wait ran out (not after the hung check).
    assert elapsed < 2 * 0.1 + 0.5
    # The second probe waited on the running check instead of piling up another one, and
    # that check was not cancelled: it finished once the database answered.
    assert checks_while_hung == 1
    assert third.status_code == 200
    assert len(finished) == 2


def test_readiness_waits_less_than_a_second_for_its_checks() -> None:
    # Orchestrators' probes time out after a second by default.
    assert readiness.CHECK_TIMEOUT_SECONDS < 1.0


async def test_healthz_stays_ok_when_the_database_is_unreachable(
    make_client: ClientFactory,
) -> None:
    async with make_client(DATABASE_URL=UNREACHABLE_DATABASE_URL) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
