"""Pure ASGI middleware (no per-request task): request ids, security headers, allowed
hosts, the request-body cap, and the last guard against unhandled exceptions; and how
metrics and traces name a request's route."""

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logging import request_id

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is short and safe to copy into logs and headers.
_REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Orchestrators probe by IP address, so the probes answer whatever the Host header says.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})

# JSON responses never load anything: forbid it all.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI is one HTML page with an inline bootstrap script that loads its bundle and
# stylesheet from the CDN FastAPI uses (jsDelivr) and its favicon from fastapi.tiangolo.com.
DOCS_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# Browsers heed HSTS only over https; the proxy in front sets the scheme (X-Forwarded-Proto).
HSTS = "max-age=63072000; includeSubDomains"

# Wraps the whole stack, outside even the request ids: what observes every request
# (metrics, tracing) adds one to `app.state.outer_middleware` (main.Service).
type OuterMiddleware = Callable[[ASGIApp], ASGIApp]


def route_template(routes: Iterable[BaseRoute], scope: Scope) -> str | None:
    """Return the template of the route `scope` goes to (`/items/{item_id}`), or None.

    A route whose path matches but not its method (405) still names the request. The
    template, never the raw path, is what metrics label and spans are named by: raw paths
    hold ids, one series or span name per item.
    """
    if scope["path"] in PROBE_PATHS:  # the most frequent requests, and routes of their own
        return scope["path"]
    partial: str | None = None
    for route in flattened_routes(routes):
        if not isinstance(route, Route | Mount):
            continue
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route.path_format
        if match is Match.PARTIAL and partial is None:
            partial = route.path_format
    return partial


def flattened_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Yield every route of `routes`, those of included routers one by one.

    FastAPI keeps an included router whole (one route holding its routes) rather than
    copying its routes into the app's; their paths are whole, as no router has a prefix.
    """
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is None:
            yield route
        else:
            yield from flattened_routes(included.routes)


class RequestIdMiddleware:
    """Gives each request an id: logged with every record, echoed in X-Request-ID.

    The incoming X-Request-ID is kept when it looks like an id (nginx in front sets its
    own), otherwise a new one is made, so a client cannot inject text into the logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app with the request's id set, adding the header to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        current = incoming if _REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = current
            await send(message)

        token = request_id.set(current)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class LivenessMiddleware:
    """Answers GET /healthz before routing, with the body its route gives: liveness does no
    I/O and its answer never varies.

    FastAPI matches a request against its routes one by one before it runs one, which is
    most of the work of a request this small, and probes come often. A request with an
    Origin header (CORS answers it) or a query string, and HEAD, still go to the route.
    """

    def __init__(self, app: ASGIApp, *, body: bytes) -> None:
        self.app = app
        self.body = body
        self.headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("latin-1")),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer liveness here when the route would answer it the same; else pass it on."""
        if (
            scope["type"] != "http"
            or scope["path"] != "/healthz"
            or scope["method"] != "GET"
            or scope["query_string"]
            or any(name == b"origin" for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


class SecurityHeadersMiddleware:
    """Adds nosniff, frame-deny, referrer policy, a CSP, and HSTS on https requests.

    Headers a route sets itself are kept.
    """

    def __init__(self, app: ASGIApp, *, docs_path: str = "/docs") -> None:
        self.app = app
        self.docs_path = docs_path
        # Encoded once, as ASGI sends them: lowercase names, latin-1 bytes.
        common = [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cross-origin-opener-policy", "same-origin"),
        ]
        self.added = {
            (docs, https): [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in [
                    *common,
                    ("content-security-policy", DOCS_CSP if docs else API_CSP),
                    *([("strict-transport-security", HSTS)] if https else []),
                ]
            ]
            for docs in (False, True)
            for https in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, adding the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self.added[scope["path"] == self.docs_path, scope["scheme"] == "https"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UnhandledErrorMiddleware:
    """Logs an exception that escaped the app once, at ERROR, and keeps it from the server.

    Starlette's ServerErrorMiddleware has already answered 500 when the exception gets
    here, then re-raises it; a server that sees it logs it again and closes the keep-alive
    connection. Were nothing answered yet, this answers the 500 itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; log and swallow what it raises."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking_start)
        except Exception:
            logger.exception("Unhandled exception in %s %s", scope["method"], scope["path"])
            if not started:
                response = JSONResponse({"detail": "Internal server error"}, status_code=500)
                await response(scope, receive, send)


class AllowedHostsMiddleware:
    """Refuses, with 400, requests whose Host header is not one of `allowed_hosts`.

    Entries are host names (no port): "api.example.com", ".example.com" for the domain
    and its subdomains, or "*" for any. No entries lets every host through. The probes
    are exempt.
    """

    def __init__(self, app: ASGIApp, *, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(host.lower() for host in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 400 for a host not allowed; pass any other request on."""
        if (
            scope["type"] != "http"
            or not self.allowed
            or "*" in self.allowed
            or scope["path"] in PROBE_PATHS
            or self._is_allowed(Headers(scope=scope).get("host", ""))
        ):
            await self.app(scope, receive, send)
            return
        response = JSONResponse({"detail": "Invalid Host header"}, status_code=400)
        await response(scope, receive, send)

    def _is_allowed(self, host_header: str) -> bool:
        host = _strip_port(host_header.lower()).rstrip(".")
        if not host:
            return False
        return host in self.allowed or any(
            entry.startswith(".") and (host.endswith(entry) or host == entry[1:])
            for entry in self.allowed
        )


def _strip_port(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal: [::1]:8000
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0]


class RequestBodyTooLargeError(HTTPException):
    """Raised while the app reads a body past the cap; FastAPI answers it as 413 JSON."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, detail=f"Request body larger than {max_bytes} bytes")


class BodySizeLimitMiddleware:
    """Refuses request bodies larger than `max_bytes` with 413, reading no further.

    A Content-Length above the cap is refused before the app runs; a body without one
    (chunked) is counted as it streams in, and the read that crosses the cap raises
    RequestBodyTooLargeError, which FastAPI re-raises from its body parsing and answers.
    Paths starting with a key of `prefix_limits` (uploads) have that cap instead.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, prefix_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix_limits = dict(prefix_limits or {})

    def limit_for(self, path: str) -> int:
        """Return the largest body accepted on `path`."""
        for prefix, limit in self.prefix_limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 for a declared oversize body; otherwise count what the app reads."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            error = RequestBodyTooLargeError(max_bytes)
            response = JSONResponse({"detail": error.detail}, status_code=error.status_code)
            await response(scope, receive, send)
            return
        received = 0
        started = False

        async def receive_counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise RequestBodyTooLargeError(max_bytes)
            return message

        async def send_tracking_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive_counting, send_tracking_start)
        except RequestBodyTooLargeError as error:
            # Read outside FastAPI's body parsing (by other middleware): answer it here.
            if started:
                raise
            response = JSONResponse({"detail": error.detail}, status_code=error.status_code)
            await response(scope, receive, send)
