"""The fault steps: stop a backing service under the booted app, then start it again.

Only servers this run started are stopped. While one is down, readiness must say so fast
and data endpoints must answer 503 JSON with Retry-After (never a 500 or a hang); once it is
back, every endpoint must answer 200 within the recovery budget and keep doing so (no stale
pooled connection may fail a request).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from stackcraft.smoke.http import Answer, StepError, request
from stackcraft.smoke.services import Service

__all__ = ["Limits", "database_outage", "redis_outage"]

# Answers of 200 in a row that make an endpoint recovered: more than the smoke's two server
# workers, each of which reconnects on its own.
RECOVERED_IN_A_ROW = 4


@dataclass(frozen=True)
class Limits:
    """The budgets of SPEC §6's fault step, in seconds."""

    readiness: float = 1.0
    data: float = 2.0
    recovery: float = 2.0
    # Requests sent after recovery, so that every worker's pool is exercised.
    after: int = 20


def _timed(
    url: str, headers: dict[str, str], *, method: str = "GET", body: object = None
) -> Answer:
    try:
        return request(url, method=method, headers=headers, body=body, timeout=10)
    except OSError as error:
        raise StepError(f"{method} {url}: no answer ({error})") from error


def _down(url: str, headers: dict[str, str], budget: float, *, data: bool) -> float:
    answer = _timed(url, headers)
    if answer.status != 503 or not isinstance(answer.body, dict):
        raise StepError(f"GET {url} answered {answer.status} during the outage, not JSON 503")
    if answer.seconds > budget:
        raise StepError(f"GET {url} took {answer.seconds:.2f}s to answer 503 (budget {budget:g}s)")
    if data and not answer.headers.get("retry-after"):
        raise StepError(f"GET {url} answered 503 without Retry-After during the outage")
    return answer.seconds


def _recovered(urls: list[str], headers: dict[str, str], limits: Limits) -> float:
    """Poll `urls` from the restart until each answers 200 several times in a row (so every
    server worker has reconnected, not just the one that answered first); return how long
    that took."""
    started = time.perf_counter()
    pending = list(urls)
    in_a_row = 0
    while pending:
        elapsed = time.perf_counter() - started
        if elapsed > limits.recovery + 8:
            raise StepError(f"{pending[0]} still not 200 {elapsed:.1f}s after the restart")
        answer = _timed(pending[0], headers)
        if answer.status == 200:
            in_a_row += 1
            if in_a_row == RECOVERED_IN_A_ROW:
                pending.pop(0)
                in_a_row = 0
        elif answer.status != 503:
            raise StepError(f"GET {pending[0]} answered {answer.status} while recovering")
        else:
            in_a_row = 0
            time.sleep(0.05)
    recovery = time.perf_counter() - started
    if recovery > limits.recovery:
        raise StepError(
            f"recovery took {recovery:.2f}s after the restart (budget {limits.recovery:g}s)"
        )
    for index in range(limits.after):
        url = urls[index % len(urls)]
        answer = _timed(url, headers)
        if answer.status != 200:
            raise StepError(
                f"GET {url} answered {answer.status} after recovering (request {index + 1}): "
                f"{json.dumps(answer.body)[:200]}"
            )
    return recovery


def _outage(
    service: Service,
    *,
    probe: Callable[[], str],
    urls: list[str],
    headers: dict[str, str],
    limits: Limits,
) -> str:
    service.stop()
    try:
        during = probe()
    finally:
        service.start()
    recovery = _recovered(urls, headers, limits)
    after = f"{limits.after}/{limits.after} ok"
    return f"{during}; back: all 200 {recovery:.2f}s after the restart, {after}"


def database_outage(
    service: Service,
    base: str,
    *,
    headers: dict[str, str],
    replica: bool = False,
    limits: Limits = Limits(),
) -> str:
    """Stop PostgreSQL under the app and start it again; return what was measured.

    With a read replica streaming from it (`replica`), lists still answer from the replica
    while the primary is down: the data endpoint probed is then a new item's, read from
    the primary.

    Raises:
        StepError: when an answer, its timing or the recovery breaks a budget.
    """
    readyz, items = f"{base}/readyz", f"{base}/items"
    if replica:
        created = _timed(items, headers, method="POST", body={"title": "fault probe"})
        item: object = created.body
        if created.status != 201 or not isinstance(item, dict):
            raise StepError(f"POST {items} answered {created.status} before the outage, not 201")
        items = f"{items}/{cast('dict[str, object]', item).get('id')}"
    path = items.removeprefix(base)

    def probe() -> str:
        ready = _down(readyz, headers, limits.readiness, data=False)
        data = _down(items, headers, limits.data, data=True)
        return f"down: /readyz 503 in {ready:.2f}s, {path} 503 in {data:.2f}s with Retry-After"

    return _outage(service, probe=probe, urls=[readyz, items], headers=headers, limits=limits)


def redis_outage(
    service: Service,
    base: str,
    *,
    headers: dict[str, str],
    use_jwt: bool,
    limits: Limits = Limits(),
) -> str:
    """Stop Redis under the app and start it again; return what was measured.

    While Redis is down the data endpoints still answer 200 (they do not need it) and a
    login still gets its answer (the rate limit falls back to the process's memory).

    Raises:
        StepError: when an answer, its timing or the recovery breaks a budget.
    """
    readyz, items = f"{base}/readyz", f"{base}/items"

    def probe() -> str:
        ready = _down(readyz, headers, limits.readiness, data=False)
        data = _timed(items, headers)
        if data.status != 200:
            raise StepError(f"GET {items} answered {data.status} with Redis down, not 200")
        said = f"down: /readyz 503 in {ready:.2f}s, /items still 200"
        if not use_jwt:
            return said
        email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
        login = _timed(
            f"{base}/auth/login", {}, method="POST", body={"email": email, "password": "wrong"}
        )
        if login.status != 401:
            raise StepError(f"POST /auth/login answered {login.status} with Redis down, not 401")
        return f"{said}, login still answers (401 in {login.seconds:.2f}s)"

    return _outage(service, probe=probe, urls=[readyz, items], headers=headers, limits=limits)
