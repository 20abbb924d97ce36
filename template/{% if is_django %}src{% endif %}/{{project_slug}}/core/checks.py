"""System checks of the middleware, by class rather than by name.

Django's security.W001 and security.W002 look for SecurityMiddleware and
XFrameOptionsMiddleware by their exact dotted paths; MIDDLEWARE lists subclasses that run
on the event loop (core/middleware.py), so the settings silence those two checks and these
check the same by subclass, under the deploy tag as theirs are.
"""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, Tags, register
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.module_loading import import_string

# Each middleware the security headers need, and what is lost without it.
REQUIRED = {
    SecurityMiddleware: "HSTS, nosniff, the referrer and opener policies and the https redirect",
    XFrameOptionsMiddleware: "X-Frame-Options",
    ContentSecurityPolicyMiddleware: "Content-Security-Policy",
}


@register(Tags.security, deploy=True)
def security_middleware_in_place(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn for each middleware of REQUIRED that no MIDDLEWARE entry is or extends."""
    listed = [import_string(path) for path in settings.MIDDLEWARE]
    return [
        checks.Warning(
            f"No middleware in MIDDLEWARE is or extends {required.__name__}: responses lack "
            f"{lost}.",
            hint=f"List {required.__module__}.{required.__name__} or a subclass of it.",
            id="core.W001",
        )
        for required, lost in REQUIRED.items()
        if not any(isinstance(item, type) and issubclass(item, required) for item in listed)
    ]
