"""The smoke run's server-sent events probe, against a small real HTTP server.

The wait for `item.created` starts once POST /items has answered, however slow that was
(a loaded machine's SQLite commit), and a failure says what the stream carried.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stackcraft.smoke import platform
from stackcraft.smoke.http import StepError


@dataclass
class _Behaviour:
    create_seconds: float = 0.0
    deliver: bool = True
    other_event: bool = False
    end_stream: bool = False
    streams: list[BaseHTTPRequestHandler] = field(default_factory=list[BaseHTTPRequestHandler])
    lock: threading.Lock = field(default_factory=threading.Lock)


def _write_event(handler: BaseHTTPRequestHandler, event: str, data: object) -> None:
    handler.wfile.write(f"id: 1-0\nevent: {event}\ndata: {json.dumps(data)}\n\n".encode())
    handler.wfile.flush()


def _handler(behaviour: _Behaviour) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # Listening before the headers go out, as the services' streams do.
            if not behaviour.end_stream:
                with behaviour.lock:
                    behaviour.streams.append(self)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.flush()
            if behaviour.end_stream:
                return
            # Held open until the client shuts its socket (the read sees the end).
            self.rfile.read(1)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(behaviour.create_seconds)
            with behaviour.lock:
                streams = list(behaviour.streams)
            for stream in streams:
                if behaviour.other_event:
                    _write_event(stream, "job.finished", {"id": "job-1"})
                if behaviour.deliver:
                    _write_event(stream, "item.created", {"id": 7})
            body = json.dumps({"id": 7, "title": "smoke"}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


@pytest.fixture
def served() -> Generator[tuple[str, _Behaviour]]:
    behaviour = _Behaviour()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(behaviour))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", behaviour
    finally:
        server.shutdown()
        server.server_close()


def test_an_event_after_a_slow_create_still_counts(
    served: tuple[str, _Behaviour], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, behaviour = served
    monkeypatch.setattr(platform, "EVENT_SECONDS", 0.5)
    # POST /items answers after longer than the whole wait: the stream must not time out.
    behaviour.create_seconds = 0.8
    assert platform.sse_delivers(base, {}) == "item.created for item 7 arrived, id 1-0"


def test_a_missing_event_names_what_the_stream_carried(
    served: tuple[str, _Behaviour], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, behaviour = served
    monkeypatch.setattr(platform, "EVENT_SECONDS", 0.3)
    behaviour.deliver, behaviour.other_event = False, True
    with pytest.raises(StepError) as raised:
        platform.sse_delivers(base, {})
    said = str(raised.value)
    assert said.startswith("no item.created event for item 7 within 0.3s of POST /items")
    assert said.endswith("the stream stayed open and carried 1 other event(s) (job.finished)")


def test_a_stream_the_server_ends_is_named(
    served: tuple[str, _Behaviour], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, behaviour = served
    monkeypatch.setattr(platform, "EVENT_SECONDS", 0.3)
    behaviour.end_stream = True
    with pytest.raises(StepError, match=r"the server ended the stream and carried no event$"):
        platform.sse_delivers(base, {})
