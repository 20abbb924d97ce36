"""The OpenAPI schema says what the service answers: every error it can give, ids and
paging bounded like the database, and request bodies closed to unknown fields.
"""

from importlib.metadata import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from config.env import Env

from .conftest import needs_a_token

BODY_METHODS = {"post", "put", "patch"}


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Return every (path, method, operation) of the schema."""
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_the_schema_is_valid_openapi_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s"))


def test_the_title_is_a_setting_and_the_description_the_packages(
    schema: dict[str, Any],
) -> None:
    package = metadata(settings.PACKAGE)

    assert schema["info"]["title"] == Env().APP_TITLE
    assert schema["info"]["description"] == package["Summary"]
    assert schema["info"]["version"] == package["Version"]


def test_every_operation_but_liveness_documents_503(schema: dict[str, Any]) -> None:
    for path, method, operation in operations(schema):
        assert ("503" in operation["responses"]) == (path != "/healthz"), (path, method)


def test_every_operation_that_needs_a_token_documents_401(schema: dict[str, Any]) -> None:
    for path, method, operation in operations(schema):
        if needs_a_token(operation):
            assert "401" in operation["responses"], (path, method)


def test_every_operation_with_a_body_documents_400_and_413(schema: dict[str, Any]) -> None:
    for path, method, operation in operations(schema):
        if "requestBody" in operation:
            assert {"400", "413"} <= set(operation["responses"]), (path, method)


def test_paging_documents_400_and_its_bounds(schema: dict[str, Any]) -> None:
    listing = schema["paths"]["/items"]["get"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in listing["parameters"]}

    assert "400" in listing["responses"]
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 100)
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, 2**31 - 1)


def test_item_ids_are_bounded_to_their_column(schema: dict[str, Any]) -> None:
    [item_id] = schema["paths"]["/items/{item_id}"]["get"]["parameters"]

    assert item_id["schema"] == {
        "type": "integer",
        "format": "int64",
        "minimum": 1,
        "maximum": 2**63 - 1,
    }


def test_request_bodies_refuse_unknown_fields(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    bodies = [
        media["schema"]["$ref"].rpartition("/")[2]
        for _, _, operation in operations(schema)
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]

    assert bodies
    for name in bodies:
        assert components[name]["additionalProperties"] is False, name


def test_request_text_fields_say_they_refuse_null_characters(
    schema: dict[str, Any], user_client: APIClient
) -> None:
    components = schema["components"]["schemas"]
    title = components["ItemRequest"]["properties"]["title"]

    response = user_client.post("/items", {"title": "a\x00b"}, format="json")

    assert title["pattern"] == "^[^\\x00]*$"
    assert response.status_code == 400
    assert response.json() == {"title": ["Null characters are not allowed."]}
