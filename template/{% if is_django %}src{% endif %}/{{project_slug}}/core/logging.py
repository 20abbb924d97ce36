"""Logs: the request id in every record of a request, and one JSON object per line.

LOG_FORMAT picks the formatter (config/settings/base.py): `json` for log shippers, `text`
(TEXT_FORMAT) for people. Both show the request id that core.middleware.RequestIdMiddleware
puts in `request_id` for the length of a request.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import override

# The id of the request being served in this context; None outside a request.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(name)s] [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the current request's id, or None outside one."""

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, with "-" for the request id outside a request."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    @override
    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time (ISO 8601, UTC), level, logger, message,
    request_id (null outside a request), trace_id and span_id (32 and 16 lowercase hex,
    null outside a traced request) and, with exc_info, the formatted exception.

    The request id is the one RequestIdFilter gives the record; the trace ids are those
    core/tracing.py gives every record when tracing is on.
    """

    @override
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str | None] = {
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
        return json.dumps(entry, ensure_ascii=False)
