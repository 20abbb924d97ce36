"""Readiness: whether each dependency in READINESS_CHECKS answers, and if not, why.

The checks run at once, each in a thread of its own, and readiness waits at most
CHECK_TIMEOUT_SECONDS for them all: a dependency that hangs is reported down in time for
the probe, which must not time out itself.
"""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.dispatch import Signal
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 0.8
# A check that outlives the wait keeps its thread until its own timeout ends it; a few
# spare threads keep one stuck check from delaying the next probe's.
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")
# Sent with `states` (each check's state) after every probe: core/metrics.py records them.
checked = Signal()


async def check_dependencies() -> dict[str, str]:
    """Return each dependency's state: "ok", or "down: <error type>" ("down: timeout")."""
    # Looked up on every probe, so a test may replace a check (or the setting).
    probes: dict[str, Callable[[], None]] = {
        name: import_string(path) for name, path in settings.READINESS_CHECKS.items()
    }
    running: dict[str, asyncio.Future[str]] = {
        name: asyncio.wrap_future(_checks.submit(_check, name, probe))
        for name, probe in probes.items()
    }
    if running:
        await asyncio.wait(running.values(), timeout=CHECK_TIMEOUT_SECONDS)
    states: dict[str, str] = {}
    for name, check in running.items():
        if check.done():
            states[name] = check.result()
        else:
            # Its thread runs on until the check's own timeout; nobody waits for it.
            check.cancel()
            logger.warning("Readiness check %s took over %ss", name, CHECK_TIMEOUT_SECONDS)
            states[name] = "down: timeout"
    checked.send(sender=check_dependencies, states=states)
    return states


def ping_database() -> None:
    """Run SELECT 1 on the default database; raise whatever the driver raises when it cannot.

    Runs in a readiness thread, on that thread's own connection, given back (to the pool,
    for PostgreSQL) when done.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def _check(name: str, probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as error:  # noqa: BLE001 - any failure means not ready; logged in one line
        logger.warning("Readiness check %s failed: %s: %s", name, type(error).__name__, error)
        return f"down: {type(error).__name__}"
    return "ok"
