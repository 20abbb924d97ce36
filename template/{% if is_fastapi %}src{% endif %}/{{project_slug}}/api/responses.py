"""The error responses routes declare, so the OpenAPI schema lists what they answer.

FastAPI documents 422 by itself; the others come from middleware, dependencies and
exception handlers it cannot see.
"""

from typing import Any

from fastapi import status
from pydantic import BaseModel


class ErrorMessage(BaseModel):
    """The body of every error but validation errors: what went wrong, in one sentence."""

    detail: str


type Responses = dict[int | str, dict[str, Any]]

RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}

BAD_REQUEST: Responses = {
    status.HTTP_400_BAD_REQUEST: {
        "model": ErrorMessage,
        "description": "A body that is not parseable, or a Host not in ALLOWED_HOSTS",
    }
}
BODY_TOO_LARGE: Responses = {
    status.HTTP_413_CONTENT_TOO_LARGE: {
        "model": ErrorMessage,
        "description": "A body larger than MAX_REQUEST_BODY_BYTES",
    }
}
UNAUTHORIZED: Responses = {
    status.HTTP_401_UNAUTHORIZED: {
        "model": ErrorMessage,
        "description": "A missing, invalid or expired access token, or an inactive account",
    }
}
RATE_LIMITED: Responses = {
    status.HTTP_429_TOO_MANY_REQUESTS: {
        "model": ErrorMessage,
        "description": "Too many attempts; see Retry-After",
        "headers": {"Retry-After": RETRY_AFTER},
    }
}
DATABASE_UNAVAILABLE: Responses = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "model": ErrorMessage,
        "description": "The database is unavailable; see Retry-After",
        "headers": {"Retry-After": RETRY_AFTER},
    }
}
# Every route that reads the database; those taking a body add BODY_TOO_LARGE.
DATA_ROUTE: Responses = BAD_REQUEST | DATABASE_UNAVAILABLE
