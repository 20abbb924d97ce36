"""Outages: with a dependency refused or silent, requests fail fast and say so (503).

"Silent" servers accept connections and never answer, like a host that hangs: the
service's own timeouts must end the wait.
"""

import logging
import time

import pytest
from httpx import AsyncClient
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from .conftest import (
    DATA_DEADLINE_SECONDS,
    MISSING_SQLITE_URL,
    READYZ_DEADLINE_SECONDS,
    UNAVAILABLE,
    ClientFactory,
)


async def test_items_answer_503_with_retry_after_when_the_database_is_unreachable(
    make_client: ClientFactory, user_headers: dict[str, str]
) -> None:
    async with make_client(DATABASE_URL=MISSING_SQLITE_URL) as client:
        client.headers.update(user_headers)
        started = time.monotonic()
        responses = [await client.get("/items"), await client.post("/items", json={"title": "x"})]
        elapsed = time.monotonic() - started

    for response in responses:
        assert response.status_code == 503
        assert response.json() == UNAVAILABLE
        assert response.headers["Retry-After"] == "5"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert elapsed < DATA_DEADLINE_SECONDS


async def test_readyz_answers_503_within_a_second_when_the_database_is_unreachable(
    make_client: ClientFactory,
) -> None:
    async with make_client(DATABASE_URL=MISSING_SQLITE_URL) as client:
        started = time.monotonic()
        response = await client.get("/readyz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert elapsed < READYZ_DEADLINE_SECONDS


async def test_a_connection_that_breaks_by_the_end_of_a_request_is_discarded_quietly(
    user_client: AsyncClient,
    service_logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The session closes (rolls back) after the response is sent: a connection the
    # database dropped meanwhile fails there, with nothing left to answer.
    async def broken_close(_session: AsyncSession) -> None:
        raise DBAPIError("ROLLBACK", None, ConnectionResetError(104, "reset by peer"))

    monkeypatch.setattr(AsyncSession, "close", broken_close)
    response = await user_client.get("/items")

    assert response.status_code == 200
    assert not [r for r in service_logs.records if r.levelno >= logging.ERROR]
    assert any("Discarding a broken" in r.message for r in service_logs.records)
