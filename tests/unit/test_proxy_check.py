"""The proxy step's login-limit check, against small fake apps on loopback.

A real limit counts in fixed one-minute windows, so a round of attempts may cross a
window's end and start counting again; an app that keys the limit on the forwarded
address never limits at all. The check must tell the two apart.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Generator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stackcraft.smoke.http import StepError
from stackcraft.smoke.proxy import check_forwarded_headers

LIMIT = 3

# Decides a login's status from (attempt number since start, X-Forwarded-For, email).
Decide = Callable[[int, str, str], int]


def _serve(decide: Decide) -> Generator[str]:
    attempts = 0
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(200, {"status": "ok"}, {"X-Request-ID": "set-by-nginx"})

        def do_POST(self) -> None:
            nonlocal attempts
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/items":
                self._answer(413, {"detail": "Request body too large"})
                return
            with lock:
                attempts += 1
                forwarded = self.headers.get("X-Forwarded-For", "")
                status = decide(attempts, forwarded, json.loads(body)["email"])
            self._answer(status, {"detail": "no"})

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def serve() -> Generator[Callable[[Decide], str]]:
    servers: list[Generator[str]] = []

    def start(decide: Decide) -> str:
        server = _serve(decide)
        servers.append(server)
        return next(server)

    yield start
    for server in servers:
        server.close()


def test_a_limit_that_holds_passes(serve: Callable[[Decide], str]) -> None:
    base = serve(lambda attempt, _forwarded, _email: 429 if attempt > LIMIT else 401)

    said = check_forwarded_headers(base, login_limit=LIMIT)

    assert said.endswith(f"429 at attempt {LIMIT + 1}")


def test_a_window_ending_during_the_first_round_passes_on_the_second(
    serve: Callable[[Decide], str],
) -> None:
    # The window ends after the second attempt: the first round of LIMIT + 1 counts two
    # in the old window and two in the new one, and gets no 429.
    counts: dict[tuple[int, str], int] = {}

    def decide(attempt: int, _forwarded: str, email: str) -> int:
        key = (0 if attempt <= 2 else 1, email)
        counts[key] = counts.get(key, 0) + 1
        return 429 if counts[key] > LIMIT else 401

    said = check_forwarded_headers(serve(decide), login_limit=LIMIT)

    assert said.endswith(f"429 at attempt {LIMIT + 1}")


def test_a_limit_keyed_on_the_forwarded_address_fails(serve: Callable[[Decide], str]) -> None:
    seen: dict[str, int] = {}

    def decide(_attempt: int, forwarded: str, _email: str) -> int:
        seen[forwarded] = seen.get(forwarded, 0) + 1
        return 429 if seen[forwarded] > LIMIT else 401

    with pytest.raises(StepError, match="got no 429, twice: the rate limit keys on an address"):
        check_forwarded_headers(serve(decide), login_limit=LIMIT)


def test_a_limit_stricter_than_configured_fails(serve: Callable[[Decide], str]) -> None:
    base = serve(lambda attempt, _forwarded, _email: 429 if attempt > 1 else 401)

    with pytest.raises(StepError, match=f"429 after 2 attempts; the limit is {LIMIT}"):
        check_forwarded_headers(base, login_limit=LIMIT)
