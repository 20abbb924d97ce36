"""Middleware: request ids, JSON errors, the probes answered ahead of host checks, and the
admin's own CSP.
"""

import inspect
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csp import get_nonce
from django.template.response import SimpleTemplateResponse
from django.utils.csp import CSP, build_policy

from .errors import detail_for, response_for_exception
from .logging import request_id
from .urls import probe_urlpatterns

type GetResponse = Callable[[HttpRequest], HttpResponseBase]

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

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.admin_prefix = f"/{settings.ADMIN_URL}"

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """Answer a view's exception that is not a bug; None lets Django answer 500."""
        return response_for_exception(exception)

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


class ProbeMiddleware:
    """Answers /healthz and /readyz before host validation, sessions and authentication.

    Container healthchecks and orchestrators call the app by IP address over plain http, so
    their Host header is not in ALLOWED_HOSTS; production settings exempt these paths from
    the https redirect too (SECURE_REDIRECT_EXEMPT). The security headers of the middleware
    listed above this one still apply.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.probes = {f"/{pattern.pattern}": pattern.callback for pattern in probe_urlpatterns}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        """Answer a probe here (HEAD like GET, without the body); pass any other request on."""
        probe = self.probes.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        # REST framework responses render lazily; Django renders them after URL dispatch only.
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        if request.method == "HEAD" and isinstance(response, HttpResponse):
            response.content = b""
        return response


class AdminContentSecurityPolicyMiddleware:
    """Gives the admin's pages (under ADMIN_URL) a policy that lets them work.

    Every other response keeps SECURE_CSP, which forbids loading anything. Listed below
    ContentSecurityPolicyMiddleware, which leaves a header set here alone.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.prefix = f"/{settings.ADMIN_URL}"

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        """Add the admin's policy to responses under ADMIN_URL."""
        response = self.get_response(request)
        if request.path_info.startswith(self.prefix):
            policy = build_policy(ADMIN_CSP, get_nonce(request))
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
