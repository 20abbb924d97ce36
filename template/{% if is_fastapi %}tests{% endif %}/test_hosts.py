"""ALLOWED_HOSTS: requests for other hosts get 400, except the probes."""

import pytest

from .conftest import ClientFactory

ALLOWED = ["api.example.com", ".example.org"]


@pytest.mark.parametrize(
    "host", ["api.example.com", "API.example.com:8443", "example.org", "www.example.org"]
)
async def test_an_allowed_host_is_served(make_client: ClientFactory, host: str) -> None:
    async with make_client(ALLOWED_HOSTS=ALLOWED) as client:
        response = await client.get("/items", headers={"Host": host})

    assert response.status_code != 400


@pytest.mark.parametrize("host", ["evil.example", "api.example.com.evil.example", "example.com"])
async def test_another_host_gets_400_json(make_client: ClientFactory, host: str) -> None:
    async with make_client(ALLOWED_HOSTS=ALLOWED) as client:
        response = await client.get("/items", headers={"Host": host})

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid Host header"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_probes_answer_any_host(make_client: ClientFactory, path: str) -> None:
    async with make_client(ALLOWED_HOSTS=ALLOWED) as client:
        response = await client.get(path, headers={"Host": "10.0.0.7:8000"})

    assert response.status_code == 200


async def test_no_allowed_hosts_lets_every_host_through(make_client: ClientFactory) -> None:
    async with make_client(ALLOWED_HOSTS=[]) as client:
        response = await client.get("/healthz", headers={"Host": "anything.example"})

    assert response.status_code == 200
