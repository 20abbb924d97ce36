"""Liveness and readiness probes."""

import threading
import time

import pytest
from pytest_django import Settings
from rest_framework.test import APIClient

from .package import readiness


def test_healthz_answers_ok(client: APIClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_ok_when_the_database_answers(client: APIClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head_like_get_without_a_body(client: APIClient, path: str) -> None:
    response = client.head(path)

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["X-Request-ID"]


@pytest.mark.usefixtures("database_down")
def test_readyz_answers_503_naming_an_unreachable_database(client: APIClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "down: OperationalError"


def test_readyz_answers_503_when_a_check_hangs_past_its_wait(
    client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging = threading.Event()
    monkeypatch.setattr(readiness, "ping_database", lambda: hanging.wait(5))
    # Shorter than the real wait, which the next test bounds.
    monkeypatch.setattr(readiness, "CHECK_TIMEOUT_SECONDS", 0.1)

    started = time.monotonic()
    try:
        response = client.get("/readyz")
    finally:
        hanging.set()
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down: timeout"
    assert elapsed < 0.1 + 0.4


def test_readiness_waits_less_than_a_second_for_its_checks() -> None:
    # Orchestrators' probes time out after a second by default.
    assert readiness.CHECK_TIMEOUT_SECONDS < 1.0


@pytest.mark.usefixtures("database_down")
def test_healthz_stays_ok_when_the_database_is_unreachable(client: APIClient) -> None:
    assert client.get("/healthz").status_code == 200


def test_probes_answer_whatever_the_host_header(client: APIClient, settings: Settings) -> None:
    # Orchestrators probe the container by IP address; other paths still check the host.
    settings.ALLOWED_HOSTS = ["api.example.com"]

    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    assert client.get("/readyz", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    assert client.get("/items", headers={"Host": "10.0.0.7:8000"}).status_code == 400
