"""API docs as DOCS_MODE says: public, behind HTTP basic auth, or off."""

import pytest
from httpx import AsyncClient

from .conftest import DOCS_PASSWORD, DOCS_USERNAME, ClientFactory
from .package import Settings

PATHS = ["/docs", "/openapi.json"]
# What /openapi.json answers a request without credentials, per DOCS_MODE.
STATUS_BY_MODE = {"public": 200, "basic": 401, "off": 404}


async def test_public_docs_page_may_load_its_cdn_assets(make_client: ClientFactory) -> None:
    async with make_client(DOCS_MODE="public") as client:
        response = await client.get("/docs")

    assert response.status_code == 200
    assert "swagger-ui" in response.text
    assert "cdn.jsdelivr.net" in response.headers["Content-Security-Policy"]


async def test_public_openapi_schema_lists_the_api_not_the_docs(
    make_client: ClientFactory,
) -> None:
    async with make_client(DOCS_MODE="public") as client:
        response = await client.get("/openapi.json")

    assert response.status_code == 200
    assert "/healthz" in response.json()["paths"]
    assert "/docs" not in response.json()["paths"]


@pytest.mark.parametrize("path", PATHS)
async def test_basic_docs_need_credentials(make_client: ClientFactory, path: str) -> None:
    async with make_client(DOCS_MODE="basic") as client:
        response = await client.get(path)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("path", PATHS)
async def test_basic_docs_refuse_a_wrong_password(make_client: ClientFactory, path: str) -> None:
    async with make_client(DOCS_MODE="basic") as client:
        response = await client.get(path, auth=(DOCS_USERNAME, "wrong"))

    assert response.status_code == 401


async def test_basic_docs_open_with_the_right_credentials(make_client: ClientFactory) -> None:
    async with make_client(DOCS_MODE="basic") as client:
        page = await client.get("/docs", auth=(DOCS_USERNAME, DOCS_PASSWORD))
        schema = await client.get("/openapi.json", auth=(DOCS_USERNAME, DOCS_PASSWORD))

    assert page.status_code == 200
    assert "swagger-ui" in page.text
    assert schema.status_code == 200
    assert "/healthz" in schema.json()["paths"]


@pytest.mark.parametrize("path", PATHS)
async def test_docs_turned_off_answer_404_json(make_client: ClientFactory, path: str) -> None:
    async with make_client(DOCS_MODE="off") as client:
        response = await client.get(path, auth=(DOCS_USERNAME, DOCS_PASSWORD))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_redoc_is_never_served(make_client: ClientFactory) -> None:
    async with make_client(DOCS_MODE="public") as client:
        response = await client.get("/redoc")

    assert response.status_code == 404


async def test_docs_answer_as_the_default_mode_says(
    client: AsyncClient, settings: Settings
) -> None:
    # The default is the project's api_docs answer (test_config.py).
    response = await client.get("/openapi.json")

    assert response.status_code == STATUS_BY_MODE[settings.DOCS_MODE]
