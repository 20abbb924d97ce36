"""The smoke run's HTTP client: plain urllib against loopback URLs the harness built.

Every call returns status, headers, body and how long it took; a step raises `StepError`
with one line when the answer is not the one it expects.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "StepError", "expect", "request"]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the answer it is; following it could leave loopback."""

    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class StepError(Exception):
    """A step failed; the message is the one line the report shows."""


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, headers (lower-case names), decoded body, seconds taken."""

    status: int
    headers: dict[str, str] = field(hash=False)
    body: Any = field(hash=False)
    seconds: float


def request(
    url: str,
    *,
    method: str | None = None,
    headers: dict[str, str] | None = None,
    body: object = None,
    raw: bytes | None = None,
    timeout: float = 10,
) -> Answer:
    """Send one request and return its answer; OSError when nothing answered.

    Redirects are not followed: a 3xx is returned as the answer.

    `body` is sent as JSON, `raw` as it is. Production runs behind a TLS proxy, so the
    request says so, as nginx does, and HTTPS-only settings behave as in production.
    """
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", "X-Forwarded-Proto": "https", **(headers or {})}
    verb = method or ("GET" if data is None else "POST")
    prepared = urllib.request.Request(url, data=data, headers=sent, method=verb)  # noqa: S310 - loopback URLs we built
    started = time.perf_counter()
    try:
        with _OPENER.open(prepared, timeout=timeout) as response:
            content, status = response.read(), int(response.status)
            received = dict(response.headers.items())
    except urllib.error.HTTPError as error:
        content, status = error.read(), int(error.code)
        received = dict(error.headers.items())
    seconds = time.perf_counter() - started
    try:
        decoded: Any = json.loads(content) if content else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        decoded = content.decode(errors="replace")
    lowered = {name.lower(): value for name, value in received.items()}
    return Answer(status=status, headers=lowered, body=decoded, seconds=seconds)


def expect(
    url: str,
    status: int,
    *,
    method: str | None = None,
    headers: dict[str, str] | None = None,
    body: object = None,
    timeout: float = 10,
) -> Answer:
    """Send one request and return its answer when its status is `status`.

    Raises:
        StepError: when nothing answered or the status differs (the body's start is shown).
    """
    try:
        answer = request(url, method=method, headers=headers, body=body, timeout=timeout)
    except OSError as error:
        raise StepError(f"{method or 'GET'} {url}: {error}") from error
    if answer.status != status:
        shown = json.dumps(answer.body)[:200] if answer.body is not None else "(empty body)"
        raise StepError(
            f"{method or ('GET' if body is None else 'POST')} {url} answered {answer.status}, "
            f"expected {status}: {shown}"
        )
    return answer
