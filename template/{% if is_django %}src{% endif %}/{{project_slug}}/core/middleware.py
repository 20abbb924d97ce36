"""Middleware: request ids, JSON errors, the probes answered ahead of host checks, the
admin's own CSP, and Django's and whitenoise's middleware made to run on the event loop.

Every middleware here runs sync or async, as the server does: under ASGI none hands the
request to a thread (Django's MiddlewareMixin would, twice per middleware).
"""

import inspect
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, cast, override

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, csp, security
from django.middleware.csp import get_nonce
from django.template.response import SimpleTemplateResponse
from django.utils.csp import CSP, build_policy
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

from .errors import detail_for, response_for_exception
from .logging import request_id
from .urls import probe_urlpatterns

# An X-Request-ID worth keeping (nginx sends its own 32 hex digits); any other is replaced.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# The admin's pages load their own scripts, styles and images, and post their own forms;
# the few inline scripts and styles carry the request's nonce.
ADMIN_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
}


class HybridMiddleware:
    """Base of middleware that runs sync or async, as the handler around it does, so it adds
    no thread handoff: subclasses say what happens before and after the rest of the chain.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = inspect.iscoroutinefunction(get_response)
        if self.is_async:
            inspect.markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        """Run the request through `before`, the rest of the chain, and `after`."""
        if self.is_async:
            return self._call_async(request)
        response: HttpResponseBase = self.before(request) or self.get_response(request)
        return self.after(request, response)

    async def _call_async(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = self.before(request) or await self.get_response(request)
        return self.after(request, response)

    def before(self, request: HttpRequest) -> HttpResponseBase | None:
        """Return an answer to give without the rest of the chain, or None to go on."""
        return None

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Return the response to give, from the one the rest of the chain gave."""
        return response


class OnTheEventLoop(MiddlewareMixin):
    """Base of Django middleware whose hooks do no I/O: in an async chain they run on the
    event loop, where MiddlewareMixin would hand each hook to a thread and back.
    """

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        """Run the hooks around the rest of the chain, without leaving the event loop."""
        process_request = getattr(self, "process_request", None)
        response = process_request(request) if process_request else None
        response = response or await self.get_response(request)  # pyright: ignore[reportGeneralTypeIssues, reportUnknownVariableType] - async in this mode
        process_response = getattr(self, "process_response", None)
        if process_response:
            response = process_response(request, response)
        return response  # pyright: ignore[reportUnknownVariableType]


class SecurityMiddleware(OnTheEventLoop, security.SecurityMiddleware):
    """Django's: https redirect, HSTS, nosniff, referrer and opener policies."""


class ContentSecurityPolicyMiddleware(OnTheEventLoop, csp.ContentSecurityPolicyMiddleware):
    """Django's: SECURE_CSP on every response (a view may override it)."""


class XFrameOptionsMiddleware(OnTheEventLoop, clickjacking.XFrameOptionsMiddleware):
    """Django's: X-Frame-Options: DENY."""


class CommonMiddleware(OnTheEventLoop, common.CommonMiddleware):
    """Django's: the Host header checked against ALLOWED_HOSTS (400), Content-Length."""


class _WhiteNoise(Protocol):
    autorefresh: bool
    files: dict[str, Any]

    def find_file(self, url: str) -> Any: ...

    def serve(self, static_file: Any, request: HttpRequest) -> HttpResponseBase: ...


class StaticFilesMiddleware(HybridMiddleware):
    """whitenoise's middleware (STATIC_URL's files, collected), async: a request for another
    path costs a dictionary look-up, and only a static file is read in a thread.
    """

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        # whitenoise ships no types: what this class uses of it is _WhiteNoise.
        whitenoise_class = import_string("whitenoise.middleware.WhiteNoiseMiddleware")
        self.whitenoise = cast("_WhiteNoise", whitenoise_class(get_response))

    @override
    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self._serve_async(request)
        static_file = self._find(request)
        if static_file is not None:
            return self.whitenoise.serve(static_file, request)
        return self.get_response(request)

    async def _serve_async(self, request: HttpRequest) -> HttpResponseBase:
        if self.whitenoise.autorefresh:
            # Looked up on disk at each request (local and test settings only).
            static_file = await sync_to_async(self._find, thread_sensitive=False)(request)
        else:
            static_file = self._find(request)
        if static_file is None:
            return await self.get_response(request)
        return await sync_to_async(self.whitenoise.serve, thread_sensitive=False)(
            static_file, request
        )

    def _find(self, request: HttpRequest) -> Any:
        if self.whitenoise.autorefresh:
            return self.whitenoise.find_file(request.path_info)
        return self.whitenoise.files.get(request.path_info)


class RequestIdMiddleware(HybridMiddleware):
    """Gives each request an id: its X-Request-ID when well formed, else a new uuid4 hex.

    The id is in every log record of the request (core.logging.request_id) and in the
    X-Request-ID header of every response, errors and probes included. Listed first, so
    that everything below logs with it. Each request runs in a context of its own (an
    asyncio task under ASGI, a thread under runserver), so the id never leaks to another.
    """

    def before(self, request: HttpRequest) -> None:
        """Set the request's id for its logs."""
        sent = request.headers.get("X-Request-ID", "")
        request_id.set(sent if REQUEST_ID_PATTERN.fullmatch(sent) else uuid.uuid4().hex)

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Echo the id in the response."""
        response["X-Request-ID"] = request_id.get() or ""
        return response


class JsonErrorMiddleware(HybridMiddleware):
    """Makes every error answer JSON `{"detail": ...}`, in local and production settings alike.

    Views' exceptions that are not bugs get their answer here (503 while the database is
    unavailable, 413); the REST framework's views get the same from core.errors. Any other
    error page (Django's debug pages, its plain 404, 405 and 500 pages, a third party's
    HTML) has its body replaced by JSON, keeping its status and headers: the object is
    changed in place so that Django, which has already logged a 500 with its traceback,
    does not log it again. The admin's pages under ADMIN_URL keep their own error pages.
    """

    # Answers a view's exception that is not a bug; None lets Django answer 500. A coroutine
    # in an async chain, where Django would hand a synchronous one to a thread.
    process_exception: Callable[[HttpRequest, Exception], Any]

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.admin_prefix = f"/{settings.ADMIN_URL}"
        self.process_exception = self._answer_async if self.is_async else self._answer

    def _answer(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        return response_for_exception(exception)

    async def _answer_async(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        return response_for_exception(exception)

    @override
    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Replace the body of an error answer that is not JSON."""
        if (
            response.status_code < 400
            # Streamed and file responses are left alone: no error page is one.
            or not isinstance(response, HttpResponse)
            or response.get("Content-Type", "").startswith("application/json")
            or request.path_info.startswith(self.admin_prefix)
        ):
            return response
        body = {"detail": detail_for(response.status_code, response.reason_phrase)}
        response.content = json.dumps(body).encode()
        response["Content-Type"] = "application/json"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        # The page replaced may have waived the policy (Django's debug pages do); JSON needs none.
        response.headers.setdefault("Content-Security-Policy", build_policy(settings.SECURE_CSP))
        return response


class ProbeMiddleware(HybridMiddleware):
    """Answers /healthz and /readyz before host validation, sessions and authentication.

    Container healthchecks and orchestrators call the app by IP address over plain http, so
    their Host header is not in ALLOWED_HOSTS; production settings exempt these paths from
    the https redirect too (SECURE_REDIRECT_EXEMPT). The security headers of the middleware
    listed above this one still apply. (The ASGI application answers most GET /healthz
    before Django with this very answer: core/asgi.py.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.probes: dict[str, Callable[..., Any]] = {
            f"/{pattern.pattern}": pattern.callback for pattern in probe_urlpatterns
        }

    @override
    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        """Answer a probe here (HEAD like GET, without the body); pass any other request on."""
        probe = self.probes.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if self.is_async:
            return self._probe_async(probe, request)
        # The probes' views are async; a synchronous server (runserver, tests) waits for them.
        return self._finish(request, async_to_sync(probe)(request))

    async def _probe_async(
        self, probe: Callable[..., Awaitable[HttpResponseBase]], request: HttpRequest
    ) -> HttpResponseBase:
        return self._finish(request, await probe(request))

    def _finish(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # REST framework responses render lazily; Django renders them after URL dispatch only.
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        if request.method == "HEAD" and isinstance(response, HttpResponse):
            response.content = b""
        return response


class AdminContentSecurityPolicyMiddleware(HybridMiddleware):
    """Gives the admin's pages (under ADMIN_URL) a policy that lets them work.

    Every other response keeps SECURE_CSP, which forbids loading anything. Listed below
    ContentSecurityPolicyMiddleware, which leaves a header set here alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.prefix = f"/{settings.ADMIN_URL}"

    @override
    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add the admin's policy to responses under ADMIN_URL."""
        if request.path_info.startswith(self.prefix):
            policy = build_policy(ADMIN_CSP, get_nonce(request))
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
