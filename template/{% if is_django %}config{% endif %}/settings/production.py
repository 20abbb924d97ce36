"""Settings for production (ENVIRONMENT=production): no debug pages, https only, secure cookies.

`SECRET_KEY=... ALLOWED_HOSTS=example.com ENVIRONMENT=production python manage.py check
--deploy` reports no issues with these settings (tests/test_deploy.py keeps it so).
"""

# Settings modules override their base's values by design.
# pyright: reportConstantRedefinition=false

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403 - a settings module extends its base
from .base import SILENCED_SYSTEM_CHECKS, env, expect_environment

expect_environment("production")
if not env.ALLOWED_HOSTS:
    msg = (
        "ALLOWED_HOSTS is empty but ENVIRONMENT is 'production': set it to the host names "
        "the service answers to, comma-separated (e.g. api.example.com)"
    )
    raise ImproperlyConfigured(msg)

DEBUG = False

# TLS ends at the proxy in front, which says so in X-Forwarded-Proto (nginx overwrites any
# value a client sent). Plain http requests are redirected to https...
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# ...except the probes, which container healthchecks and orchestrators send straight to the
# app over http (the paths of core/urls.py's probe_urlpatterns).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

SILENCED_SYSTEM_CHECKS = [
    *SILENCED_SYSTEM_CHECKS,
    # HSTS preload asks browsers to hard-code https for the domain and every subdomain, a
    # commitment only the domain's owner can make: add SECURE_HSTS_PRELOAD = True then.
    "security.W021",
]
