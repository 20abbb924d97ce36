"""The OpenAPI schema says what the service answers: its errors, and no unknown fields.

`ApiSchema` (DEFAULT_SCHEMA_CLASS) adds the error answers every operation can give;
`refuse_unknown_fields` (a postprocessing hook) marks request bodies closed, as
core.serializers.StrictSerializer makes them, and `refuse_null_characters` says their text
fields refuse NUL characters, as every CharField does.
"""

from collections.abc import Iterator
from typing import Any, override

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry

from .serializers import ErrorSerializer

# Each error answer and what it means.
INVALID = "Invalid request: each field sent wrong names its errors (or `detail` says why)"
UNAUTHORIZED = "No valid access token, or its account is inactive or gone"
TOO_LARGE = "Request body over MAX_REQUEST_BODY_BYTES"
THROTTLED = "Too many attempts: retry after Retry-After seconds"
UNAVAILABLE = "The database is unavailable: retry after Retry-After seconds"
# What every CharField refuses (the REST framework's ProhibitNullCharactersValidator).
NO_NULL_CHARACTER = r"^[^\x00]*$"


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, with each operation's error answers:

    400 where a body or query parameters are taken, 413 where a body is, 401 where a token
    is needed, 429 where requests are throttled, and 503 unless the view says it uses no
    database (`uses_database = False`). Answers a view declares itself win.
    """

    @override
    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        # drf-spectacular leaves the serializer's type parameters unknown.
        component = self.resolve_serializer(ErrorSerializer, "response")  # pyright: ignore[reportUnknownMemberType]
        error = {"application/json": {"schema": component.ref}}
        invalid = {"application/json": {"schema": {"type": "object"}}}
        responses: dict[str, Any] = operation["responses"]
        for code, description in self._errors(operation).items():
            content = invalid if code == "400" else error
            responses.setdefault(code, {"description": description, "content": content})
        return operation

    def _errors(self, operation: dict[str, Any]) -> dict[str, str]:
        takes_body = "requestBody" in operation
        takes_query = any(
            parameter.get("in") == "query" for parameter in operation.get("parameters", [])
        )
        security: list[dict[str, Any]] = operation.get("security", [])
        errors: dict[str, str] = {}
        if takes_body or takes_query:
            errors["400"] = INVALID
        if takes_body:
            errors["413"] = TOO_LARGE
        if security and {} not in security:
            errors["401"] = UNAUTHORIZED
        if self.view.get_throttles():
            errors["429"] = THROTTLED
        if getattr(self.view, "uses_database", True):
            errors["503"] = UNAVAILABLE
        return errors


def refuse_unknown_fields(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: every request body's schema gets `additionalProperties: false`."""
    for body in _request_bodies(result):
        body["additionalProperties"] = False
    return result


def refuse_null_characters(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: a request body's text field says it refuses NUL characters (the
    REST framework's ProhibitNullCharactersValidator, on every CharField), as a pattern,
    unless a pattern, format or enum of its own says more."""
    for body in _request_bodies(result):
        for field in body.get("properties", {}).values():
            if field.get("type") == "string" and not {"pattern", "format", "enum"} & set(field):
                field["pattern"] = NO_NULL_CHARACTER
    return result


def _request_bodies(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the component schema of each operation's request body."""
    components: dict[str, Any] = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                reference: str = media.get("schema", {}).get("$ref", "")
                name = reference.rpartition("/")[2]
                if name in components:
                    yield components[name]
