"""Logging for the service's own loggers: JSON lines or text, each record with its request id.

gunicorn and uvicorn configure their own loggers; this module configures the package's.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal, TextIO

# The id of the request being served, set by RequestIdMiddleware; None outside a request.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(name)s] [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served, when there is one."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Set `record.request_id` (outside a request it stays unset); keep every record."""
        current = request_id.get()
        if current is not None:
            record.request_id = current
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id [, exception].

    The shape log collectors parse without a pattern; the time is ISO 8601 in UTC.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return `record` as one line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PackageHandler(logging.StreamHandler[TextIO]):
    """The stderr handler `configure_logging` installs, so a second call can replace it."""


def build_formatter(log_format: Literal["json", "text"]) -> logging.Formatter:
    """Return the formatter for `log_format`."""
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def configure_logging(level: str, log_format: Literal["json", "text"] = "text") -> None:
    """Send the package's records at `level` and above to stderr, formatted as `log_format`.

    Calling it again (another app in the same process) replaces the handler it added.
    """
    package_logger = logging.getLogger(__name__.split(".")[0])
    package_logger.setLevel(level)
    for handler in package_logger.handlers[:]:
        if isinstance(handler, PackageHandler):
            package_logger.removeHandler(handler)
    handler = PackageHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(build_formatter(log_format))
    package_logger.addHandler(handler)
    # Records stay out of the root logger, which Alembic's fileConfig may also print.
    package_logger.propagate = False
