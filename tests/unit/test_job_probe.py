"""The smoke run's job probe, against a fake API on a fake clock.

A job waits in the queue while the worker starts (slow on a busy machine) and while its
task retries a locked SQLite file; once a worker takes it, it must finish promptly.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stackcraft.smoke import platform
from stackcraft.smoke.http import Answer, StepError

BASE = "http://127.0.0.1:1"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _fake_api(monkeypatch: pytest.MonkeyPatch, status_at: Callable[[float], str]) -> _Clock:
    """Serve a job whose status at each poll is `status_at(seconds since enqueue)`."""
    clock = _Clock()
    monkeypatch.setattr(platform.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(platform.time, "sleep", clock.sleep)

    def expect(url: str, status: int, **_: object) -> Answer:
        if url.endswith("/items"):
            body: object = {"id": "item-1"}
        elif url.endswith("/jobs"):
            body = {"id": "job-1", "status": "pending"}
        else:
            now = status_at(clock.now)
            body = {"id": "job-1", "status": now, "result": {"words": 5}, "error": "boom"}
        return Answer(status=status, headers={}, body=body, seconds=0.0)

    monkeypatch.setattr(platform, "expect", expect)
    return clock


def _never_exits() -> int | None:
    return None


def test_a_job_a_slow_worker_takes_late_still_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    def status_at(seconds: float) -> str:
        if seconds < 60:
            return "pending"
        return "running" if seconds < 70 else "succeeded"

    _fake_api(monkeypatch, status_at)
    said = platform.job_completes(BASE, {}, _never_exits)
    assert said.startswith("job job-1 succeeded through the broker in 70.")


def test_a_job_no_worker_takes_names_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _fake_api(monkeypatch, lambda _seconds: "pending")
    with pytest.raises(StepError, match=r"still 'pending' after 90s: no worker took it"):
        platform.job_completes(BASE, {}, _never_exits)
    assert platform.PICKUP_SECONDS <= clock.now < platform.PICKUP_SECONDS + 1


def test_a_taken_job_that_hangs_fails_soon_after(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _fake_api(monkeypatch, lambda seconds: "pending" if seconds < 5 else "running")
    with pytest.raises(StepError, match=r"still 'running' 20s after a worker took it"):
        platform.job_completes(BASE, {}, _never_exits)
    assert clock.now < 5 + platform.JOB_SECONDS + 1


def test_a_failed_job_and_a_dead_worker_fail_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_api(monkeypatch, lambda _seconds: "failed")
    with pytest.raises(StepError, match="job job-1 failed: boom"):
        platform.job_completes(BASE, {}, _never_exits)
    _fake_api(monkeypatch, lambda _seconds: "pending")
    with pytest.raises(StepError, match="the worker exited 1 before the job finished"):
        platform.job_completes(BASE, {}, lambda: 1)
