"""Logging for the service's own loggers: JSON lines or text, each record with its request id
and, when tracing is on, the ids of the span it was logged in.

gunicorn and uvicorn configure their own loggers; this module configures the package's.
gunicorn.conf.py gives gunicorn's (and so uvicorn's) the same JsonFormatter and
RequestIdFilter when LOG_FORMAT is json: one shape for every line.
"""

import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal, TextIO

# The id of the request being served, set by RequestIdMiddleware; None outside a request.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(name)s] [%(request_id)s] %(message)s"

# Returns the current span's trace id (32 hex) and span id (16 hex), or (None, None).
type SpanIds = Callable[[], tuple[str | None, str | None]]


def _no_span() -> tuple[str | None, str | None]:
    return None, None


# Tracing (core/tracing.py, observability=full) replaces it with OpenTelemetry's reader.
_span_ids: list[SpanIds] = [_no_span]


def span_ids() -> tuple[str | None, str | None]:
    """Return the current span's trace id and span id as lowercase hex, or (None, None)."""
    return _span_ids[0]()


def read_span_ids_with(reader: SpanIds) -> None:
    """Stamp records with the ids `reader` returns from now on (tracing installs its own)."""
    _span_ids[0] = reader


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served, when there is one, and
    with the trace and span ids of the current span (None when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Set `record.request_id` (outside a request it stays unset), `record.trace_id` and
        `record.span_id`; keep every record."""
        current = request_id.get()
        if current is not None:
            record.request_id = current
        record.trace_id, record.span_id = span_ids()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, trace_id,
    span_id [, exception].

    The shape log collectors parse without a pattern; the time is ISO 8601 in UTC. The ids
    are null when the record was not logged in a request (or a span).
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return `record` as one line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "trace_id": getattr(record, "trace_id", None),
            "span_id": getattr(record, "span_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PackageHandler(logging.StreamHandler[TextIO]):
    """The stdout handler `configure_logging` installs, so a second call can replace it."""


def build_formatter(log_format: Literal["json", "text"]) -> logging.Formatter:
    """Return the formatter for `log_format`."""
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def configure_logging(level: str, log_format: Literal["json", "text"] = "text") -> None:
    """Send the package's records at `level` and above to stdout, formatted as `log_format`.

    Calling it again (another app in the same process) replaces the handler it added.
    """
    package_logger = logging.getLogger(__name__.split(".")[0])
    package_logger.setLevel(level)
    for handler in package_logger.handlers[:]:
        if isinstance(handler, PackageHandler):
            package_logger.removeHandler(handler)
    # stdout, as gunicorn's access log: a container's collector reads one stream per service.
    handler = PackageHandler(sys.stdout)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(build_formatter(log_format))
    package_logger.addHandler(handler)
    # Records stay out of the root logger, which Alembic's fileConfig may also print.
    package_logger.propagate = False
