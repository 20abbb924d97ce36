"""The OpenAPI schema and Swagger UI, at /openapi.json and /docs, as DOCS_MODE says:

public: anyone reads them; basic: behind HTTP basic auth (DOCS_USERNAME, DOCS_PASSWORD);
off: both are 404, so production can turn them off without a new render. DOCS_MODE is
read per request.
"""

import base64
import binascii
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from .errors import error_response

type View = Callable[..., HttpResponseBase]

# Swagger UI is a page whose bundle and stylesheet come from jsDelivr (SPECTACULAR_SETTINGS)
# and whose start-up script from /docs?script; only its stylesheet is inline.
DOCS_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, "https://cdn.jsdelivr.net"],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE, "https://cdn.jsdelivr.net"],
    "img-src": [CSP.SELF, "data:", "https://cdn.jsdelivr.net"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
}


def as_docs_mode_says(view: View) -> View:
    """Return `view` answering 404 when DOCS_MODE is off, and 401 without the docs'
    credentials when it is basic.
    """

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if settings.DOCS_MODE == "off":
            return error_response(404)
        if settings.DOCS_MODE == "basic" and not _has_docs_credentials(request):
            response = JsonResponse({"detail": "Docs need a username and password"}, status=401)
            response["WWW-Authenticate"] = 'Basic realm="API docs"'
            return response
        return view(request, *args, **kwargs)

    return guarded


def _has_docs_credentials(request: HttpRequest) -> bool:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    username, _, password = decoded.partition(":")
    # Both compared in constant time, so timing tells nothing about either.
    username_ok = secrets.compare_digest(username.encode(), settings.DOCS_USERNAME.encode())
    password_ok = secrets.compare_digest(password.encode(), settings.DOCS_PASSWORD.encode())
    return username_ok and password_ok


schema = as_docs_mode_says(SpectacularJSONAPIView.as_view())
swagger_ui = as_docs_mode_says(
    csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema"))
)

urlpatterns: list[URLPattern] = [
    path("openapi.json", schema, name="schema"),
    path("docs", swagger_ui, name="docs"),
]
