"""Error responses: every error is JSON {"detail": ...} and none repeats much of the input.

FastAPI's own handler echoes each invalid value whole: a 10 MiB field comes back as a
10 MiB error, and a deeply nested one makes its encoder recurse until it fails with 500.
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from .db import DatabaseUnavailableError
from .middleware import flattened_routes

logger = logging.getLogger(__name__)

# Of a string input, an error repeats at most this many characters; containers not at all.
INPUT_ECHO_LIMIT = 64
# A body with thousands of unknown fields gets the first few of its errors, not thousands.
MAX_REPORTED_ERRORS = 20
# What a client should wait before retrying while the database is down.
RETRY_AFTER_SECONDS = 5


def install_error_handlers(app: FastAPI) -> None:
    """Register the service's handlers for invalid requests, outages and unhandled errors."""
    app.exception_handler(RequestValidationError)(validation_error_handler)
    app.exception_handler(StarletteHTTPException)(allow_every_method_handler)
    app.exception_handler(DatabaseUnavailableError)(database_unavailable_handler)
    app.exception_handler(Exception)(internal_error_handler)


async def validation_error_handler(
    _request: Request, error: RequestValidationError
) -> JSONResponse:
    """Answer 422 with each error's loc, msg and type, and at most a prefix of its input."""
    errors = [_summarise(item) for item in error.errors()[:MAX_REPORTED_ERRORS]]
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def allow_every_method_handler(request: Request, error: StarletteHTTPException) -> Response:
    """FastAPI's answer to an HTTP error; a 405's `Allow` names every method of the path.

    Starlette's names only those of the first route whose path matched, and GET /items
    and POST /items are two routes: `Allow: GET` would hide POST.
    """
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        routes: list[BaseRoute] = request.app.router.routes
        allowed = {
            method
            for route in flattened_routes(routes)
            if isinstance(route, Route) and route.matches(request.scope)[0] is not Match.NONE
            for method in route.methods or ()
        }
        if allowed:
            error.headers = {**(error.headers or {}), "Allow": ", ".join(sorted(allowed))}
    return await http_exception_handler(request, error)


async def database_unavailable_handler(
    _request: Request, error: DatabaseUnavailableError
) -> JSONResponse:
    """Answer 503 with Retry-After, logging the cause in one line (it is not a bug)."""
    logger.warning("Database unavailable: %r", error.__cause__)
    return JSONResponse(
        {"detail": "The database is unavailable; try again shortly"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def internal_error_handler(_request: Request, _error: Exception) -> JSONResponse:
    """Answer 500 without details; UnhandledErrorMiddleware logs the traceback."""
    return JSONResponse(
        {"detail": "Internal server error"}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


def _summarise(error: Mapping[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "type": error["type"],
        "loc": [_shorten(part) for part in error["loc"]],
        "msg": error["msg"],
    }
    value = error.get("input")
    if isinstance(value, str):
        summary["input"] = _shorten(value)
    elif isinstance(value, int | float | None) and len(repr(value)) <= INPUT_ECHO_LIMIT:
        summary["input"] = value
    return summary


def _shorten(value: object) -> object:
    return value[:INPUT_ECHO_LIMIT] if isinstance(value, str) else value
