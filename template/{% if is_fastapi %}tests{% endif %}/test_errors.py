"""Errors: JSON bodies with the headers of a success; unhandled ones logged once, contained."""

import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from .conftest import call_asgi, open_client


def boom() -> None:
    """A route that fails as a bug would."""
    msg = "a bug"
    raise RuntimeError(msg)


@pytest.fixture
def failing_app(make_app: Callable[..., FastAPI]) -> FastAPI:
    """Return an app with one more route, /boom, that raises."""
    app = make_app()
    app.add_api_route("/boom", boom)
    return app


async def test_an_unhandled_error_is_500_json_with_the_usual_headers(
    failing_app: FastAPI,
) -> None:
    # httpx's ASGITransport re-raises what the app lets out: getting a response at all
    # shows the exception stopped inside the app, as the server's connection must be kept.
    async with open_client(failing_app) as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Request-ID"]


async def test_an_unhandled_error_is_logged_once_with_its_traceback_and_request_id(
    failing_app: FastAPI, service_logs: pytest.LogCaptureFixture
) -> None:
    response = await call_asgi(failing_app, "GET", "/boom", headers=[("X-Request-ID", "req-1")])

    assert response.status == 500
    errors = [record for record in service_logs.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert getattr(errors[0], "request_id", None) == "req-1"
    assert b"a bug" not in response.body


async def test_an_unknown_path_is_404_json_with_the_usual_headers(client: AsyncClient) -> None:
    response = await client.get("/no-such-page")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Request-ID"]


async def test_a_wrong_method_is_405_json(client: AsyncClient) -> None:
    response = await client.put("/healthz")

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


async def test_a_wrong_method_names_every_method_of_the_path_in_allow(
    client: AsyncClient,
) -> None:
    # GET and POST /items are two routes, as are GET, PATCH and DELETE /items/{item_id}.
    listing = await client.put("/items")
    one = await client.put("/items/1")

    assert (listing.status_code, one.status_code) == (405, 405)
    assert listing.headers["Allow"] == "GET, POST"
    assert one.headers["Allow"] == "DELETE, GET, PATCH"
    assert one.json() == {"detail": "Method Not Allowed"}


async def test_a_trailing_slash_is_404_not_a_redirect_built_from_the_host(
    client: AsyncClient,
) -> None:
    response = await client.get("/items/", headers={"Host": "evil.example"})

    assert response.status_code == 404
    assert "Location" not in response.headers
