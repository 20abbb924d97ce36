"""Middleware: the probes answered ahead of host checks, and the admin's own CSP."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.csp import get_nonce
from django.template.response import SimpleTemplateResponse
from django.utils.csp import CSP, build_policy

from .urls import probe_urlpatterns

type GetResponse = Callable[[HttpRequest], HttpResponseBase]

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
        """Answer a probe here; pass any other request on."""
        probe = self.probes.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        # REST framework responses render lazily; Django renders them after URL dispatch only.
        if isinstance(response, SimpleTemplateResponse):
            response.render()
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
