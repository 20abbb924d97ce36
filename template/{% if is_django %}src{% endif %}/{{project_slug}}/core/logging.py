"""Structured logs: one JSON object per line, which log shippers parse without patterns."""

import json
import logging
from datetime import UTC, datetime
from typing import override


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON: time (UTC), level, logger, message, and the traceback."""

    @override
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
