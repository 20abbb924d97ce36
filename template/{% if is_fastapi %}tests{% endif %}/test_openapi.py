"""The OpenAPI schema describes what the service answers, errors included."""

from collections.abc import Callable
from importlib.metadata import metadata
from typing import Any

import pytest
from fastapi import FastAPI

PROBES = {"/healthz", "/readyz"}
# Operations that never touch the database: the probes, and local-disk file transfers.
NO_DATABASE = PROBES | {"/uploads/{token}", "/files/{token}"}
METHODS = {"get", "head", "post", "put", "patch", "delete"}


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    """Return each operation of `app`'s schema as (path, method, operation)."""
    return [
        (path, method, operation)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def data_operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    """Return the operations that read the database: all but NO_DATABASE's."""
    return [op for op in operations(app) if op[0] not in NO_DATABASE]


@pytest.fixture
def app_schema(make_app: Callable[..., FastAPI]) -> FastAPI:
    """Return an unstarted app: building its schema needs no database."""
    return make_app()


def test_the_title_is_a_setting_and_the_description_the_packages(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(APP_TITLE="Orders API")
    package = metadata(type(app).__module__.split(".")[0])

    info = app.openapi()["info"]

    assert info["title"] == "Orders API"
    assert info["description"] == package["Summary"]
    assert info["version"] == package["Version"]


def test_authenticated_operations_document_401(app_schema: FastAPI) -> None:
    for path, method, operation in operations(app_schema):
        if operation.get("security"):
            assert "401" in operation["responses"], (method, path)


def test_operations_with_a_body_document_400_413_and_422(app_schema: FastAPI) -> None:
    with_body = [op for op in operations(app_schema) if "requestBody" in op[2]]

    assert with_body
    for path, method, operation in with_body:
        assert {"400", "413", "422"} <= set(operation["responses"]), (method, path)


def test_operations_with_parameters_document_422(app_schema: FastAPI) -> None:
    for path, method, operation in operations(app_schema):
        if operation.get("parameters"):
            assert "422" in operation["responses"], (method, path)


def test_database_backed_operations_document_503_with_retry_after(app_schema: FastAPI) -> None:
    for path, method, operation in data_operations(app_schema):
        unavailable = operation["responses"].get("503")
        assert unavailable is not None, (method, path)
        assert "Retry-After" in unavailable["headers"], (method, path)


def test_readiness_documents_503(app_schema: FastAPI) -> None:
    paths = app_schema.openapi()["paths"]

    assert "503" in paths["/readyz"]["get"]["responses"]
    assert "503" in paths["/readyz"]["head"]["responses"]


def test_logins_document_429_with_retry_after(app_schema: FastAPI) -> None:
    for path, method, operation in operations(app_schema):
        if path.endswith("/login"):
            assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)


def test_item_update_does_not_offer_a_null_title(app_schema: FastAPI) -> None:
    title = app_schema.openapi()["components"]["schemas"]["ItemUpdate"]["properties"]["title"]

    assert title["type"] == "string"
    assert "anyOf" not in title


def test_integer_parameters_are_bounded(app_schema: FastAPI) -> None:
    for path, method, operation in operations(app_schema):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            if schema.get("type") == "integer":
                assert "minimum" in schema, (method, path, parameter["name"])
                assert "maximum" in schema, (method, path, parameter["name"])
