"""The API's JSON parser: bounded in size and in nesting."""

import io
from collections.abc import Mapping
from typing import IO, Any, override

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestBodyTooLarge(APIException):
    """A request body over MAX_REQUEST_BODY_BYTES (DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large"
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """The REST framework's JSON parser, refusing a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    (413; the REST framework reads the body as a stream, past Django's own check of that
    setting) and JSON nested too deeply for Python's decoder (400 instead of a 500).
    """

    @override
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        # Refused before reading when the client says so; else read one byte past the limit.
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestBodyTooLarge
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestBodyTooLarge
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
