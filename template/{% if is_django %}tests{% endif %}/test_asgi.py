"""The ASGI application as the server runs it: liveness answered before Django, exactly as
Django answers it, and requests that need no thread served without leaving the event loop.
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from django.core import signals
from django.http import HttpRequest, HttpResponse
from pytest_django import Settings

from config.settings.base import middleware

from .package import ASGIApp, Handler, Liveness, Message, RequestExecutor, RequestThreads

type Answer = tuple[int, dict[str, str], bytes]


async def serve(
    app: ASGIApp,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    scheme: str = "http",
) -> Answer:
    """Send one request to `app` as uvicorn does; return its status, headers and body."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (name.lower().encode(), value.encode())
            for name, value in {"host": "testserver", **(headers or {})}.items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    pending: list[Message] = [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[Message] = []

    async def receive() -> Message:
        if pending:
            return pending.pop()
        # The client stays connected: Django's listener waits until the answer is sent.
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    [start] = [message for message in sent if message["type"] == "http.response.start"]
    body = b"".join(message.get("body", b"") for message in sent[1:])
    found = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    return start["status"], found, body


def without_request_id(headers: dict[str, str]) -> dict[str, str]:
    """Return `headers` less X-Request-ID, which is each request's own."""
    return {name: value for name, value in headers.items() if name != "x-request-id"}


async def refuse(*args: Any) -> None:
    raise AssertionError("Django was asked")


@pytest.fixture
def handoffs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the name of each function handed from the event loop to a thread."""
    names: list[str] = []
    # asgiref types __call__ with its class's type parameters, unknown here.
    original = cast("Callable[..., Awaitable[Any]]", SyncToAsync.__call__)  # pyright: ignore[reportUnknownMemberType]

    async def record(self: SyncToAsync[Any, Any], *args: Any, **kwargs: Any) -> Any:
        names.append(getattr(self.func, "__qualname__", None) or type(self.func).__name__)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", record)
    return names


@pytest.mark.django_db
def test_liveness_is_answered_before_django_as_django_answers_it() -> None:
    app = Liveness(Handler())

    first = async_to_sync(serve)(app, "/healthz")
    app.app = refuse
    second = async_to_sync(serve)(app, "/healthz")

    assert first[0] == second[0] == 200
    assert first[2] == second[2] == b'{"status":"ok"}'
    assert without_request_id(first[1]) == without_request_id(second[1])
    assert second[1]["x-request-id"] != first[1]["x-request-id"]
    assert second[1]["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.django_db
def test_liveness_over_https_is_learned_apart_and_keeps_hsts() -> None:
    app = Liveness(Handler())

    async_to_sync(serve)(app, "/healthz")
    first = async_to_sync(serve)(app, "/healthz", scheme="https")
    app.app = refuse
    second = async_to_sync(serve)(app, "/healthz", scheme="https")

    assert "strict-transport-security" in first[1]
    assert without_request_id(first[1]) == without_request_id(second[1])


@pytest.mark.django_db
def test_liveness_from_memory_echoes_a_sent_request_id() -> None:
    app = Liveness(Handler())
    async_to_sync(serve)(app, "/healthz")

    answer = async_to_sync(serve)(app, "/healthz", headers={"X-Request-ID": "probe-7"})

    assert answer[1]["x-request-id"] == "probe-7"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "headers"),
    [("HEAD", {}), ("GET", {"Origin": "https://a.example"}), ("GET", {"Accept": "text/html"})],
)
def test_liveness_goes_to_django_when_its_answer_may_differ(
    method: str, headers: dict[str, str]
) -> None:
    app = Liveness(Handler())
    async_to_sync(serve)(app, "/healthz")
    app.app = refuse

    with pytest.raises(AssertionError, match="Django was asked"):
        async_to_sync(serve)(app, "/healthz", method=method, headers=headers)


@pytest.mark.django_db
def test_a_request_without_blocking_work_never_leaves_the_event_loop(
    settings: Settings, handoffs: list[str], tmp_path: Path
) -> None:
    # The API process's chain (the test settings add the admin's, which hands off), and
    # whitenoise's file list made once, as in production.
    settings.MIDDLEWARE = middleware(admin=False)
    settings.WHITENOISE_AUTOREFRESH = False
    settings.STATIC_ROOT = tmp_path
    handler = Handler()

    status, headers, body = async_to_sync(serve)(handler, "/healthz", method="HEAD")

    assert (status, body) == (200, b"")
    assert headers["x-request-id"]
    assert handoffs == []


@pytest.mark.django_db
def test_a_request_that_used_its_thread_ends_on_it() -> None:
    # request_finished gives the request's database connections back to the pool: it must
    # run on the thread that opened them (they are thread-local), not on the event loop.
    finished_on: list[int] = []

    def record(**kwargs: object) -> None:
        finished_on.append(threading.get_ident())

    handler = Handler()

    async def serve_both() -> int:
        # The docs' views are synchronous: the request hands them to its thread.
        await serve(handler, "/openapi.json")
        await serve(handler, "/healthz", method="HEAD")
        return threading.get_ident()

    signals.request_finished.connect(record)
    try:
        event_loop = async_to_sync(serve_both)()
    finally:
        signals.request_finished.disconnect(record)

    [executor] = handler.threads.idle
    [request_thread] = executor._threads  # pyright: ignore[reportAttributeAccessIssue] - ThreadPoolExecutor's own set
    assert finished_on == [request_thread.ident, event_loop]


def test_request_threads_are_kept_for_the_next_requests() -> None:
    threads = RequestThreads(keep=1)
    first, second = threads.borrow(), threads.borrow()

    threads.give_back(first)
    threads.give_back(second)

    assert threads.idle == [first]
    assert threads.borrow() is first
    assert second._shutdown  # pyright: ignore[reportAttributeAccessIssue] - ThreadPoolExecutor's own flag


@pytest.mark.django_db
def test_at_most_request_threads_requests_are_in_the_views_at_once(settings: Settings) -> None:
    settings.REQUEST_THREADS = 2
    handler = Handler()
    inside = 0
    most = 0

    async def view(_request: HttpRequest) -> HttpResponse:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1
        return HttpResponse(b"{}", content_type="application/json")

    handler.run_get_response = view  # pyright: ignore[reportAttributeAccessIssue] - the views, replaced

    async def six_at_once() -> list[Answer]:
        return list(await asyncio.gather(*(serve(handler, "/items") for _ in range(6))))

    answers = async_to_sync(six_at_once)()

    assert [status for status, _headers, _body in answers] == [200] * 6
    assert most == 2


def test_a_request_takes_a_thread_with_its_first_task_and_gives_it_back_after() -> None:
    threads = RequestThreads(keep=1)
    request = RequestExecutor(threads)
    assert not request.used

    first = request.submit(threading.get_ident).result()
    again = request.submit(threading.get_ident).result()
    request.release()
    later = RequestExecutor(threads)

    assert first == again
    assert len(threads.idle) == 1
    assert later.submit(threading.get_ident).result() == first
    later.release()
