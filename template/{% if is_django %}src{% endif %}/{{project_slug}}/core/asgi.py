"""The ASGI application: Django's handler without a thread per request, and liveness
answered before Django.

Django's own ASGI handler gives every request a thread of its own, created and joined for
that request, and hands each request to it twice (the request_started signal, then
closing the response) even when nothing in the request needs a thread. Here, a request
borrows an idle thread from a pool for whatever synchronous work it has (the ORM, password
hashing) and only hands off when it has such work: a request served from the event loop
alone (liveness, an account read from the cache) never leaves it.

At most REQUEST_THREADS requests of a worker are in Django's views at once; the others
wait on the event loop, holding no thread. More threads serve no more requests (they
share one interpreter lock and the database pool) and each costs memory: 2 workers under
50 connections on the list, with about 40 threads each, served no more requests than with
4 or 8 and held 20 to 30 MB more. A response is sent, and streamed, after its request has
left the views, so a long stream (server-sent events) takes no turn from the others.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import closing
from contextvars import ContextVar
from typing import Any, override

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections, reset_queries
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix
from django.utils.module_loading import import_string

from .logging import request_id
from .middleware import REQUEST_ID_PATTERN

type Scope = dict[str, Any]
type Message = Mapping[str, Any]
type Receive = Callable[[], Awaitable[Message]]
type Send = Callable[[Message], Awaitable[None]]
type ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Answered here without Django: liveness does no I/O, and its answer never varies.
LIVENESS_PATH = "/healthz"
# Accept headers whose answer is the JSON one (what probes and load balancers send).
PLAIN_ACCEPT = frozenset({b"*/*", b"application/json"})


class RequestThreads:
    """Single-thread executors lent to requests, one request at a time each, then kept for
    the next requests.

    Django's database connections are thread-local: the request that opened one closes it
    (request_finished gives it back to the pool) on its thread before the thread is lent
    again.
    """

    def __init__(self, keep: int) -> None:
        # Idle executors kept for the next requests; one given back past this many (while
        # responses are still being closed) has its thread ended.
        self.keep = keep
        self.idle: list[ThreadPoolExecutor] = []

    def borrow(self) -> ThreadPoolExecutor:
        """Return an idle executor, or a new one (its thread starts with its first task)."""
        if self.idle:
            return self.idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        """Keep `executor` for another request, or end its thread when enough are idle."""
        if len(self.idle) < self.keep:
            self.idle.append(executor)
        else:
            executor.shutdown(wait=False)


class RequestExecutor(Executor):
    """One request's executor: a thread borrowed with its first task (in the views, during
    the request's turn) and given back after the request, so a request waiting for its turn
    holds none.
    """

    def __init__(self, threads: RequestThreads) -> None:
        self.threads = threads
        self.thread: ThreadPoolExecutor | None = None

    @property
    def used(self) -> bool:
        """Whether the request ran anything on a thread."""
        return self.thread is not None

    @override
    def submit[**P, T](self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        if self.thread is None:
            self.thread = self.threads.borrow()
        return self.thread.submit(fn, *args, **kwargs)

    def release(self) -> None:
        """Give the request's thread back, when it borrowed one."""
        if self.thread is not None:
            self.threads.give_back(self.thread)
            self.thread = None


# The executor of the request being served in this context.
_request_executor: ContextVar[RequestExecutor] = ContextVar("request_executor")


class Handler(ASGIHandler):
    """Django's ASGI handler, with each request's synchronous work on a pooled thread and no
    thread handoff for a request that has none.
    """

    def __init__(self) -> None:
        super().__init__()
        limit: int = settings.REQUEST_THREADS
        self.threads = RequestThreads(keep=limit)
        # Turns in the views: taken before request_started, given back once the view has
        # answered (before the response is sent).
        self.turns = asyncio.Semaphore(limit)
        # At a request's start both only reset connections its thread has left open, and the
        # request before closed them (close_response): as receivers they would cost a handoff.
        signals.request_started.disconnect(reset_queries)
        signals.request_started.disconnect(close_old_connections)

    @override
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request with a borrowed thread for its synchronous work."""
        if scope["type"] != "http":
            # As Django's handler: lifespan and websockets are not served.
            msg = f"Django can only handle ASGI/HTTP connections, not {scope['type']}."
            raise ValueError(msg)
        executor = RequestExecutor(self.threads)
        token = _request_executor.set(executor)
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            _request_executor.reset(token)
            executor.release()

    @override
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Django 6.1's `ASGIHandler.handle`, but the request waits for a turn in the views
        (REQUEST_THREADS) and gives it back before its response is sent; the response is
        closed (request_finished: the request's database connections go back to the pool)
        on the request's thread only when the request used the database or streams a file,
        otherwise on the event loop. A client gone while waiting is let go, its request
        never started.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            started = False
            response: HttpResponseBase | None = None
            try:
                async with asyncio.TaskGroup() as tasks:
                    tasks.create_task(self.listen_for_disconnect(receive))
                    async with self.turns:
                        set_script_prefix(get_script_prefix(scope))
                        await signals.request_started.asend(sender=self.__class__, scope=scope)
                        started = True
                        request, response = self.create_request(scope, body_file)
                        if request is not None:
                            response = await self.run_get_response(request)
                    if response is not None:
                        await self.send_response(response, send)
                    raise _RequestProcessed
            except* (_RequestProcessed, RequestAborted):
                pass
            if response is not None:
                await self.close_response(response)
            elif started:
                await signals.request_finished.asend(sender=self.__class__)

    async def close_response(self, response: HttpResponseBase) -> None:
        """Close `response` (which sends request_finished) where its resources live: on the
        request's thread when the request ran anything there (a database connection to give
        back), else on the event loop when its body is in memory (not streamed, not a file).
        """
        executor = _request_executor.get(None)
        if isinstance(response, HttpResponse) and executor is not None and not executor.used:
            response.close()
        else:
            await sync_to_async(response.close)()


class _RequestProcessed(Exception):  # noqa: N818 - a signal to leave the task group, not an error
    pass


class Liveness:
    """Answers GET /healthz before Django, with the very answer Django gives it.

    The first such request of each kind (http or https, as SECURE_PROXY_SSL_HEADER tells)
    goes through Django; its status, headers and body are kept and given to the next ones,
    each with its own X-Request-ID. A request with an Origin header (CORS may answer it
    differently) and HEAD go through Django every time.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answers: dict[bool, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        proxy_header: tuple[str, str] | None = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        self.proxy_ssl: tuple[bytes, bytes] | None = None
        if proxy_header:
            name, value = proxy_header
            header = name.removeprefix("HTTP_").replace("_", "-").lower()
            self.proxy_ssl = (header.encode("latin-1"), value.encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer liveness from memory when it can; pass everything else to Django."""
        if (
            scope["type"] != "http"
            or scope["path"] != LIVENESS_PATH
            or scope["method"] != "GET"
            or scope.get("query_string")
        ):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        sent_headers = dict(headers)
        # CORS answers an Origin differently, and content negotiation an unusual Accept.
        if b"origin" in sent_headers or sent_headers.get(b"accept", b"*/*") not in PLAIN_ACCEPT:
            await self.app(scope, receive, send)
            return
        secure = self._is_secure(scope, sent_headers)
        answer = self.answers.get(secure)
        if answer is None:
            await self._learn(scope, receive, send, secure=secure)
            return
        status, kept, body = answer
        sent = sent_headers.get(b"x-request-id", b"").decode("latin-1")
        identifier = sent if REQUEST_ID_PATTERN.fullmatch(sent) else uuid.uuid4().hex
        # The same id Django's middleware would have set for this request's logs.
        request_id.set(identifier)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*kept, (b"x-request-id", identifier.encode("latin-1"))],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _is_secure(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        # As HttpRequest.is_secure(): the proxy's header when one is trusted, else the scheme.
        if self.proxy_ssl is not None:
            name, value = self.proxy_ssl
            forwarded = headers.get(name)
            if forwarded is not None:
                return forwarded.split(b",")[0].strip() == value
        return scope.get("scheme") == "https"

    async def _learn(self, scope: Scope, receive: Receive, send: Send, *, secure: bool) -> None:
        """Serve the request through Django, keeping its answer when it is a plain 200."""
        start: dict[str, Any] = {}
        body = bytearray()
        complete = False

        async def keep(message: Message) -> None:
            nonlocal complete
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keep)
        if start.get("status") == 200 and complete:
            kept = [
                (name, value)
                for name, value in start.get("headers", [])
                if name.lower() not in {b"x-request-id", b"set-cookie"}
            ]
            self.answers[secure] = (200, kept, bytes(body))


def application() -> ASGIApp:
    """Return the service's ASGI application (the settings must be loaded): Django behind
    liveness, wrapped in each of ASGI_MIDDLEWARE in turn (the last one outermost).
    """
    app: ASGIApp = Liveness(Handler())
    for path in settings.ASGI_MIDDLEWARE:
        app = import_string(path)(app)
    return app
