"""Error answers: every error is JSON `{"detail": ...}`, whatever raised it.

The REST framework's views go through `exception_handler`; other views (the admin) through
core.middleware.JsonErrorMiddleware, which uses `response_for_exception` too; and Django's
own error views are the handlers below (config/urls.py).
"""

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from rest_framework import status
from rest_framework.views import exception_handler as rest_framework_exception_handler

from .database import is_database_unavailable

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = 5
# What each error status says when nothing more specific is known.
DETAILS = {
    status.HTTP_400_BAD_REQUEST: "Bad request",
    status.HTTP_403_FORBIDDEN: "Forbidden",
    status.HTTP_404_NOT_FOUND: "Not found.",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "Request body too large",
    status.HTTP_500_INTERNAL_SERVER_ERROR: "Internal server error",
    status.HTTP_503_SERVICE_UNAVAILABLE: "The database is unavailable; retry shortly",
}


def detail_for(status_code: int, reason: str = "") -> str:
    """Return the `detail` of an error answer with `status_code` (`reason` when unlisted)."""
    return DETAILS.get(status_code) or reason or "Error"


def error_response(status_code: int, detail: str | None = None) -> JsonResponse:
    """Return `{"detail": ...}` with `status_code`."""
    return JsonResponse({"detail": detail or detail_for(status_code)}, status=status_code)


def response_for_exception(error: BaseException) -> JsonResponse | None:
    """Return the answer to an error that is not a bug, or None for one that is (a 500).

    The database being unavailable is 503 with Retry-After, logged as a warning without a
    traceback: it is the server's state, not the code's fault. A body over
    MAX_REQUEST_BODY_BYTES (DATA_UPLOAD_MAX_MEMORY_SIZE) is 413.
    """
    if is_database_unavailable(error):
        logger.warning("Database unavailable: %s: %s", type(error).__name__, error)
        response = error_response(status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(error, RequestDataTooBig):
        return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return None


def exception_handler(error: Exception, context: dict[str, Any]) -> Any:
    """The REST framework's EXCEPTION_HANDLER: its own answers, plus 503 and 413 above.

    Returns None for anything else, which Django then logs once at ERROR and answers 500.
    """
    return response_for_exception(error) or rest_framework_exception_handler(error, context)


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    """handler400: e.g. a Host header not in ALLOWED_HOSTS."""
    return error_response(status.HTTP_400_BAD_REQUEST)


def permission_denied(request: HttpRequest, exception: Exception) -> JsonResponse:
    """handler403."""
    return error_response(status.HTTP_403_FORBIDDEN)


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    """handler404: an unknown path."""
    return error_response(status.HTTP_404_NOT_FOUND)


def server_error(request: HttpRequest) -> JsonResponse:
    """handler500: never the traceback, which the log has."""
    return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR)
