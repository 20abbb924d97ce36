"""Settings for the test run (pytest's DJANGO_SETTINGS_MODULE), whatever ENVIRONMENT says.

pytest-django creates a throwaway test database beside DATABASE_URL's (a file in the
temporary folder for SQLite) and drops it afterwards.
"""

# Settings modules override their base's values by design.
# pyright: reportConstantRedefinition=false

import os
import tempfile
from pathlib import Path

from . import base
from .base import *  # noqa: F403 - a settings module extends its base
from .base import (
    DATABASES,
    NOT_FOR_THE_API,
    PACKAGE,
    REST_FRAMEWORK,
    SILENCED_SYSTEM_CHECKS,
    STORAGES,
    middleware,
)

# The admin's pages are tested in this process too (as ENVIRONMENT=local serves them).
MIDDLEWARE = middleware(admin=True)
SILENCED_SYSTEM_CHECKS = [check for check in SILENCED_SYSTEM_CHECKS if check not in NOT_FOR_THE_API]
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
# On SQLite the test database is a file of this run's own, not memory: Django never closes
# a connection to an in-memory database (that would drop it), so those the request threads
# (core/asgi.py) opened would stay open until their threads end, then warn.
if DATABASES["default"]["ENGINE"].endswith(("sqlite3", "spatialite")):
    _TEST_DATABASE = Path(tempfile.gettempdir()) / f"{PACKAGE}-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DATABASE)}

# With a read replica (READ_REPLICA is a setting: config/settings/integrations/replica.py),
# lists read the primary here whatever DATABASE_REPLICA_URL says; the replica gets a test
# database of its own, which tests/test_replica.py turns on (READ_REPLICA) to show which
# database served what.
if hasattr(base, "READ_REPLICA"):
    READ_REPLICA = None
    READINESS_CHECKS = {
        name: check for name, check in base.READINESS_CHECKS.items() if name != "database_replica"
    }
    _primary = base.DATABASES["default"]
    DATABASES = {
        **base.DATABASES,
        "replica": {
            **_primary,
            # SQLite's test databases are in memory, one per alias; PostgreSQL's need a name.
            "TEST": {
                "NAME": None
                if _primary["ENGINE"].endswith("sqlite3")
                else f"test_{_primary['NAME']}_replica"
            },
        },
    }
