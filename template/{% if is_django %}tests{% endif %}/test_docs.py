"""API docs as DOCS_MODE says: public, behind HTTP basic auth (DOCS_USERNAME,
DOCS_PASSWORD), or off (404). The project's default is its api_docs answer.
"""

import base64

import pytest
from django.conf import settings
from pytest_django import Settings
from rest_framework.test import APIClient

from .package import DOCS_MODE


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# What /openapi.json answers a request without credentials, per DOCS_MODE.
STATUS_BY_MODE = {"public": 200, "basic": 401, "off": 404}


def test_the_default_mode_is_the_api_docs_answer() -> None:
    assert settings.DOCS_MODE == DOCS_MODE


def test_docs_answer_as_the_default_mode_says(client: APIClient) -> None:
    assert client.get("/openapi.json").status_code == STATUS_BY_MODE[settings.DOCS_MODE]


@pytest.mark.usefixtures("public")
def test_redoc_is_never_served(client: APIClient) -> None:
    assert client.get("/redoc").status_code == 404


@pytest.fixture
def public(settings: Settings) -> None:
    settings.DOCS_MODE = "public"


@pytest.fixture
def basic(settings: Settings) -> None:
    settings.DOCS_MODE = "basic"


@pytest.mark.usefixtures("public")
def test_public_docs_page_may_load_its_cdn_assets(client: APIClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert "cdn.jsdelivr.net" in response.headers["Content-Security-Policy"]


@pytest.mark.usefixtures("public")
def test_docs_start_up_script_is_served_from_the_page_itself(client: APIClient) -> None:
    response = client.get("/docs", {"script": ""})

    assert response.status_code == 200
    assert b"SwaggerUIBundle" in response.content


@pytest.mark.usefixtures("public")
def test_public_schema_needs_no_credentials(client: APIClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/healthz" in paths
    assert "/items/{item_id}" in paths
    assert "/docs" not in paths


@pytest.mark.usefixtures("basic")
@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_basic_docs_need_credentials(client: APIClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.usefixtures("basic")
@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_basic_docs_refuse_a_wrong_password(client: APIClient, path: str) -> None:
    client.credentials(HTTP_AUTHORIZATION=basic_auth(settings.DOCS_USERNAME, "wrong"))

    assert client.get(path).status_code == 401


@pytest.mark.usefixtures("basic")
def test_basic_docs_open_with_the_right_credentials(client: APIClient) -> None:
    client.credentials(
        HTTP_AUTHORIZATION=basic_auth(settings.DOCS_USERNAME, settings.DOCS_PASSWORD)
    )

    page = client.get("/docs")
    schema = client.get("/openapi.json")

    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert schema.status_code == 200
    assert "/healthz" in schema.json()["paths"]


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_docs_turned_off_are_a_json_404(client: APIClient, settings: Settings, path: str) -> None:
    settings.DOCS_MODE = "off"

    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
