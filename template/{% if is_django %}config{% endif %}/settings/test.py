"""Settings for the test run (pytest's DJANGO_SETTINGS_MODULE), whatever ENVIRONMENT says.

pytest-django creates a throwaway test database beside DATABASE_URL's (in memory for
SQLite) and drops it afterwards.
"""

# Settings modules override their base's values by design.
# pyright: reportConstantRedefinition=false

from .base import *  # noqa: F403 - a settings module extends its base
from .base import REST_FRAMEWORK, STORAGES

# Tests create a user per test: the cheapest hasher keeps them fast. Never use it elsewhere.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test starts from an empty cache (tests/conftest.py clears it), never a shared Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Templates name static files as they are; tests never run collectstatic.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The API takes JSON only: the test client sends JSON unless told otherwise.
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}
# Look files up per request instead of scanning STATIC_ROOT, which tests never fill.
WHITENOISE_AUTOREFRESH = True
