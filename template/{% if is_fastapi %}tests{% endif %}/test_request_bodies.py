"""Request bodies: capped in size, parsed safely at any depth, never echoed back at length."""

import logging
from collections.abc import AsyncIterator, Callable

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from starlette.types import Message, Scope

from .conftest import ClientFactory

# How deep attackers nested JSON to crash the service's error encoder.
DEPTHS = [1_000, 5_000, 100_000]
SHORT_BODY_BYTES = 1_000


def body_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Return the method and a concrete path of every operation that takes a JSON body."""
    return [
        (method.upper(), path.replace("{item_id}", "1"))
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", ["whole body", "field value", "unknown field"])
async def test_deeply_nested_json_is_refused_briefly_on_every_body_route(
    app: FastAPI,
    user_client: AsyncClient,
    service_logs: pytest.LogCaptureFixture,
    depth: int,
    shape: str,
) -> None:
    bodies = {
        "whole body": nested(depth),
        "field value": '{"title": ' + nested(depth) + "}",
        "unknown field": '{"title": "ok", "extra": ' + nested(depth) + "}",
    }
    headers = {"Content-Type": "application/json"}
    routes = body_routes(app)
    assert routes

    for method, path in routes:
        response = await user_client.request(method, path, content=bodies[shape], headers=headers)

        assert response.status_code in {400, 422}, (method, path, response.text[:200])
        assert len(response.content) < SHORT_BODY_BYTES, (method, path)
    assert not [r for r in service_logs.records if r.levelno >= logging.ERROR]


async def test_a_body_over_the_cap_is_413_json(make_client: ClientFactory) -> None:
    async with make_client(MAX_REQUEST_BODY_BYTES=100) as client:
        response = await client.post("/items", json={"title": "x" * 200})

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body larger than 100 bytes"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_streamed_body_over_the_cap_is_413_json(make_client: ClientFactory) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "'
        for _ in range(10):
            yield b"x" * 50
        yield b'"}'

    async with make_client(MAX_REQUEST_BODY_BYTES=100) as client:
        response = await client.post(
            "/items", content=chunks(), headers={"Content-Type": "application/json"}
        )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["detail"] == "Request body larger than 100 bytes"


async def test_a_body_under_the_cap_is_read(make_client: ClientFactory) -> None:
    async with make_client(MAX_REQUEST_BODY_BYTES=100) as client:
        response = await client.post("/items", json={"extra": "x"})

    assert response.status_code in {401, 422}


async def test_an_oversized_content_length_is_refused_before_reading(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(MAX_REQUEST_BODY_BYTES=100)
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/items",
        "query_string": b"",
        "scheme": "http",
        "headers": [(b"host", b"test"), (b"content-length", b"200")],
    }
    sent: list[Message] = []
    reads = 0

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 200, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)

    assert sent[0]["status"] == 413
    assert reads == 0


async def test_validation_errors_repeat_at_most_64_characters_of_the_input(
    user_client: AsyncClient,
) -> None:
    response = await user_client.post("/items", json={"title": "x" * 10_000})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "title"]
    assert error["type"] == "string_too_long"
    assert error["input"] == "x" * 64
    assert len(response.content) < SHORT_BODY_BYTES


async def test_validation_errors_never_repeat_containers(user_client: AsyncClient) -> None:
    response = await user_client.post("/items", json={"title": {"big": ["x"] * 1000}})

    [error] = response.json()["detail"]
    assert error["type"] == "string_type"
    assert "input" not in error


async def test_a_body_with_many_unknown_fields_gets_a_few_errors(user_client: AsyncClient) -> None:
    body = {"title": "ok"} | {f"field{number}": 0 for number in range(1_000)}

    response = await user_client.post("/items", json=body)

    assert response.status_code == 422
    assert len(response.json()["detail"]) == 20
