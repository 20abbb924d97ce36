"""Logging for the service's own loggers; gunicorn and uvicorn configure theirs."""

import logging

_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


def configure_logging(level: str) -> None:
    """Send the package's log records at `level` and above to stderr, once per process."""
    package_logger = logging.getLogger(__name__.split(".")[0])
    package_logger.setLevel(level)
    if not package_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        package_logger.addHandler(handler)
        package_logger.propagate = False
