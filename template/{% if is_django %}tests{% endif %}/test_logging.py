"""Request ids (X-Request-ID) and the log lines that carry them (LOG_FORMAT json or text)."""

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from .package import JsonFormatter, RequestIdFilter, TextFormatter

JSON_KEYS = {"time", "level", "logger", "message", "request_id", "trace_id", "span_id"}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Collect what Django's loggers write, formatted as the console handler does in JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    django_logger = logging.getLogger("django")
    django_logger.addHandler(handler)
    try:
        yield stream
    finally:
        django_logger.removeHandler(handler)


def record(message: str, *, exc_info: bool = False) -> logging.LogRecord:
    """Return a record of `message` as a logger makes it, with the current exception."""
    return logging.LogRecord(
        "example", logging.WARNING, __file__, 1, message, None, sys.exc_info() if exc_info else None
    )


def test_a_well_formed_request_id_is_echoed(client: APIClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a:1.2_x"})

    assert response.headers["X-Request-ID"] == "edge-7f3a:1.2_x"


def test_a_request_without_an_id_gets_a_new_one(client: APIClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/no-such-page").headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


@pytest.mark.parametrize("sent", ["has space", "x" * 129, "<script>", ""])
def test_a_malformed_request_id_is_replaced(client: APIClient, sent: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": sent})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_log_records_of_a_request_carry_its_id(client: APIClient, json_lines: io.StringIO) -> None:
    client.get("/no-such-page", headers={"X-Request-ID": "trace-42"})

    [line] = json_lines.getvalue().splitlines()
    entry = json.loads(line)
    assert set(entry) == JSON_KEYS
    assert entry["request_id"] == "trace-42"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Not Found: /no-such-page"


def test_a_json_line_outside_a_request_has_a_null_id_and_the_exception() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        entry = json.loads(JsonFormatter().format(record("it failed", exc_info=True)))

    assert set(entry) == {*JSON_KEYS, "exception"}
    assert entry["request_id"] is None
    assert entry["time"].endswith("+00:00")
    assert "ValueError: broken" in entry["exception"]


def test_a_text_line_shows_the_request_id_or_a_dash() -> None:
    line = TextFormatter().format(record("hello"))

    assert line.endswith("WARNING [example] [-] hello")


def test_the_console_handler_adds_request_ids_and_uses_log_format() -> None:
    console = settings.LOGGING["handlers"]["console"]

    assert console["filters"] == ["request_id"]
    assert console["formatter"] in {"json", "text"}
