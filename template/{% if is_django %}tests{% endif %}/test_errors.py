"""Every error is JSON `{"detail": ...}` with the security headers and the request id,
with Django's debug pages on (as ENVIRONMENT=local has them) or off; a 500 is logged
once, at ERROR, with its traceback.
"""

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from .package import ItemListView


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request: pytest.FixtureRequest, settings: Settings) -> bool:
    """Run the test without and with Django's debug pages."""
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def django_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture the records of Django's loggers too, which do not propagate to the root."""
    django_logger = logging.getLogger("django")
    django_logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        django_logger.removeHandler(caplog.handler)


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    """Assert that `response` is a JSON error with `status`, the security headers and an id;
    return its body.
    """
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Request-ID"]
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str)
    return body


def errors_logged(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the records logged at ERROR or above."""
    return [record for record in logs.records if record.levelno >= logging.ERROR]


@pytest.mark.usefixtures("debug")
def test_an_unknown_path_is_a_json_404(client: APIClient) -> None:
    body = assert_json_error(client.get("/no-such-page"), 404)

    assert body == {"detail": "Not found."}


@pytest.mark.usefixtures("debug")
def test_a_method_not_allowed_is_a_json_405(client: APIClient) -> None:
    response = client.put("/healthz")

    assert_json_error(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.usefixtures("debug")
def test_an_unknown_host_is_a_json_400(client: APIClient, settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["api.example.com"]

    response = client.get("/no-such-page", headers={"Host": "evil.example"})

    assert_json_error(response, 400)


def test_a_body_over_max_request_body_bytes_is_a_json_413(user_client: APIClient) -> None:
    too_big = '{"title": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'

    response = user_client.generic("POST", "/items", too_big, content_type="application/json")

    assert_json_error(response, 413)
    assert len(response.content) < 100


@pytest.mark.usefixtures("debug")
def test_an_unhandled_exception_is_a_json_500_logged_once_at_error(
    user_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    django_logs: pytest.LogCaptureFixture,
) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("the secret inner workings")

    monkeypatch.setattr(ItemListView, "get", fail)
    user_client.raise_request_exception = False

    response = user_client.get("/items")

    assert assert_json_error(response, 500) == {"detail": "Internal server error"}
    assert b"secret" not in response.content
    [error] = errors_logged(django_logs)
    assert error.exc_info is not None


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
def test_deeply_nested_json_is_a_short_400_without_an_error_log(
    user_client: APIClient, django_logs: pytest.LogCaptureFixture, depth: int
) -> None:
    nested = '{"title": ' + "[" * depth + "]" * depth + "}"

    response = user_client.generic("POST", "/items", nested, content_type="application/json")

    assert response.status_code == 400
    assert len(response.content) < 200
    assert errors_logged(django_logs) == []


def test_the_api_answers_503_with_retry_after_while_the_database_is_down(
    user_client: APIClient, database_down: None
) -> None:
    response = user_client.get("/items")

    assert_json_error(response, 503)
    assert response.headers["Retry-After"] == "5"


def test_the_api_answers_503_within_2_seconds_when_the_database_is_unreachable(
    user_client: APIClient, unreachable_database: None
) -> None:
    started = time.monotonic()
    response = user_client.post("/items", {"title": "x"})
    elapsed = time.monotonic() - started

    assert_json_error(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert elapsed < 2.0


def test_a_view_outside_the_api_answers_503_json_too(
    admin_client: Client, settings: Settings, database_down: None
) -> None:
    # The admin process (APP_ROLE=admin): its pages are Django views, not the API's.
    settings.ROOT_URLCONF = "config.admin_urls"

    response = admin_client.get(f"/{settings.ADMIN_URL}")

    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable; retry shortly"}
    assert response.headers["Retry-After"] == "5"
