"""Logs: one JSON shape (or text), and a request id on each request's records and response."""

import json
import logging
import re
import sys

import pytest
from httpx import AsyncClient

from .conftest import ClientFactory
from .package import NAME, JsonFormatter, RequestIdFilter, build_formatter, request_id

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
# A database file in a directory that does not exist: readiness checks fail and log.
UNREACHABLE_DATABASE_URL = "sqlite+aiosqlite:////nonexistent-directory/unreachable.db"


def make_record(*, exc_info: bool = False) -> logging.LogRecord:
    """Return a record as the package's `test` logger would log it, with its request id."""
    error = None
    if exc_info:
        try:
            msg = "broken"
            raise ValueError(msg)
        except ValueError:
            error = sys.exc_info()
    record = logging.LogRecord(
        f"{NAME}.test", logging.WARNING, __file__, 1, "hello %s", ("world",), error
    )
    RequestIdFilter().filter(record)
    return record


def test_json_lines_have_the_shared_shape() -> None:
    entry = json.loads(JsonFormatter().format(make_record()))

    assert set(entry) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "trace_id",
        "span_id",
    }
    assert entry["level"] == "WARNING"
    assert entry["logger"] == f"{NAME}.test"
    assert entry["message"] == "hello world"
    assert entry["request_id"] is None
    assert entry["trace_id"] is None
    assert entry["span_id"] is None
    assert entry["time"].endswith("+00:00")


def test_json_lines_carry_the_traceback_and_the_request_id() -> None:
    token = request_id.set("abc-123")
    try:
        record = make_record(exc_info=True)
    finally:
        request_id.reset(token)

    entry = json.loads(JsonFormatter().format(record))

    assert entry["request_id"] == "abc-123"
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: broken" in entry["exception"]


def test_text_lines_show_a_dash_outside_a_request() -> None:
    line = build_formatter("text").format(make_record())

    assert line.endswith(f"WARNING [{NAME}.test] [-] hello world")


async def test_each_response_gets_a_new_request_id(client: AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")

    assert GENERATED_ID.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_a_well_formed_incoming_request_id_is_kept(client: AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "proxy-id.1:2"})

    assert response.headers["X-Request-ID"] == "proxy-id.1:2"


@pytest.mark.parametrize("incoming", ["", "with space", "x" * 129, "<script>"])
async def test_a_malformed_incoming_request_id_is_replaced(
    client: AsyncClient, incoming: str
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": incoming})

    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


async def test_records_logged_during_a_request_carry_its_id(
    make_client: ClientFactory, service_logs: pytest.LogCaptureFixture
) -> None:
    async with make_client(DATABASE_URL=UNREACHABLE_DATABASE_URL) as client:
        await client.get("/readyz", headers={"X-Request-ID": "req-42"})
    logging.getLogger(f"{NAME}.test").warning("outside any request")

    *during, outside = service_logs.records
    assert during
    assert all(getattr(record, "request_id", None) == "req-42" for record in during)
    assert getattr(outside, "request_id", None) is None
