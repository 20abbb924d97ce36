"""Readiness checks that answer in bounded time without abandoning the check they run.

A check that has not answered within CHECK_TIMEOUT_SECONDS counts as down, but it is left
to finish rather than cancelled: a cancelled driver call (aiosqlite's worker thread, a
half-open socket) may still complete after its event loop has gone. While a check of a
dependency is still running, the next probe waits on that one instead of starting another,
so a hung database never accumulates checks. Shutdown waits for the running ones.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

# A check that waits longer than this counts as down. The checks run at once, so the probe
# answers within about this long even when every dependency hangs: well inside 1 s.
CHECK_TIMEOUT_SECONDS = 0.8
# How long shutdown waits for checks still running before it cancels them.
SHUTDOWN_WAIT_SECONDS = 3.0

Probe = Callable[[], Awaitable[None]]
# Told each check's outcome (name, up) as a probe answers: the readiness gauge (metrics).
ReadinessListener = Callable[[str, bool], None]


class ReadinessChecks:
    """The running check of each dependency, shared by every probe of one app."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Future[None]] = {}
        self.listeners: list[ReadinessListener] = []

    async def check(self, name: str, probe: Probe) -> str:
        """Return "ok", or "down: <why>" when `probe` fails or has not answered in time;
        tell the listeners which."""
        outcome = await self._outcome(name, probe)
        for listener in self.listeners:
            listener(name, outcome == "ok")
        return outcome

    async def _outcome(self, name: str, probe: Probe) -> str:
        running = self._running.get(name)
        if running is None or running.done():
            running = asyncio.ensure_future(probe())
            running.add_done_callback(_note_outcome)
            self._running[name] = running
        done, _ = await asyncio.wait({running}, timeout=CHECK_TIMEOUT_SECONDS)
        if not done:
            logger.warning("Readiness check %s timed out", name)
            return f"down: no answer within {CHECK_TIMEOUT_SECONDS:g}s"
        error = running.exception()
        if error is None:
            return "ok"
        logger.warning("Readiness check %s failed: %s: %s", name, type(error).__name__, error)
        return f"down: {type(error).__name__}"

    async def aclose(self) -> None:
        """Wait a bounded time for the checks still running, then cancel the rest."""
        running = {future for future in self._running.values() if not future.done()}
        self._running.clear()
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=SHUTDOWN_WAIT_SECONDS)
        for future in late:
            future.cancel()
        if late:
            await asyncio.wait(late)


def _note_outcome(future: asyncio.Future[None]) -> None:
    # Marks the outcome as seen, so a check that ended after its probe had answered is not
    # reported by asyncio as "exception was never retrieved"; the probe logged it already.
    if not future.cancelled():
        future.exception()
