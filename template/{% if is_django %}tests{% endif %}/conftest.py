"""Fixtures: API clients, anonymous or signed in, on a throwaway database.

pytest-django builds the test database from the migrations, beside DATABASE_URL's
database (in memory for SQLite, `test_<name>` for PostgreSQL), and rolls back each test.
"""

import secrets
import uuid
from collections.abc import Iterator
from importlib import import_module
from typing import Any, cast
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connections
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the processes of tests/test_production.py as soon as they are known to be
    needed: they then run beside the rest of the suite rather than after it.
    """
    wanted = any(item.nodeid.startswith("tests/test_production.py") for item in session.items)
    if wanted and not sqlite_problem():
        from .test_production import start_runs

        start_runs()


def database_problem() -> str:
    """Return why the test database cannot be built on this machine, or "" when it can:
    SpatiaLite missing for a project with locations on SQLite (geo/spatialite.py)."""
    engine: str = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("spatialite"):
        return ""
    spatialite = import_module(f"{settings.PACKAGE}.geo.spatialite")
    return spatialite.spatialite_problem(engine)


def sqlite_problem() -> str:
    """Return why an SQLite database of this project cannot be opened on this machine, or "":
    with locations (GeoDjango) SQLite is SpatiaLite, which this Python may not load."""
    from config.env import SPATIAL_ENGINES
    from config.features import SPATIAL

    if not SPATIAL:
        return ""
    spatialite = import_module(f"{settings.PACKAGE}.geo.spatialite")
    return spatialite.spatialite_problem(SPATIAL_ENGINES["django.db.backends.sqlite3"])


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """pytest-django's hook before the test database is built: the tests that need it are
    skipped, saying what to install, when this machine cannot build it."""
    if problem := database_problem():
        pytest.skip(problem)


def has_accounts() -> bool:
    """Return whether the API has accounts (auth=jwt): items then belong to a signed-in user."""
    return bool(settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"])


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Start every test with an empty cache: login attempts are counted there."""
    cache.clear()


def new_client() -> APIClient:
    """Return a client from an address of its own: its login attempts count for it alone."""
    return APIClient(REMOTE_ADDR=f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}")


@pytest.fixture
def client(db: None) -> APIClient:
    """Return an anonymous client of the API, with access to the test database."""
    return new_client()


@pytest.fixture
def database_down(db: None) -> Iterator[None]:
    """Make every query fail, in every thread, as when the database server is gone."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused (the test's outage)")

    with mock.patch.object(type(connections["default"]), "_cursor", refuse):
        yield


@pytest.fixture
def unreachable_database(db: None) -> Iterator[None]:
    """Point this thread's default connection at a database that cannot be reached: an
    SQLite file in a directory that does not exist, or a PostgreSQL port nothing listens on
    (with the settings' own pool and timeouts).
    """
    real = connections["default"]
    settings_dict: dict[str, Any] = {**real.settings_dict}
    if real.vendor == "sqlite":
        settings_dict |= {"NAME": "/nonexistent-directory/unreachable.db", "OPTIONS": {}}
    else:
        settings_dict |= {"HOST": "127.0.0.1", "PORT": "1"}
    # An alias of its own: the PostgreSQL backend keeps one pool per alias.
    unreachable = type(real)(settings_dict, alias="unreachable")
    connections["default"] = unreachable
    try:
        yield
    finally:
        connections["default"] = real
        unreachable.close()
        close_pool = getattr(unreachable, "close_pool", None)
        if close_pool is not None:
            close_pool()


def new_credentials() -> dict[str, str]:
    """Return the email and password of an account nobody has signed up with yet."""
    return {"email": f"user-{uuid.uuid4().hex}@example.com", "password": PASSWORD}


def log_in_new_user(client: APIClient) -> dict[str, Any]:
    """Sign up a new user through the API and log in; return the login response body."""
    credentials = new_credentials()
    assert client.post("/auth/signup", credentials).status_code == 201
    response = client.post("/auth/login", credentials)
    assert response.status_code == 200
    return response.json()


def signed_in_client() -> APIClient:
    """Return a client that may use the items: signed in as a new user, with accounts."""
    client = new_client()
    if has_accounts():
        tokens = log_in_new_user(client)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        # A first request caches the account (users/cache.py): the tests' requests then
        # check it without a query, so query counts are the views' own.
        assert client.get("/users/me").status_code == 200
    return client


@pytest.fixture
def user_client(db: None) -> APIClient:
    """Return a client that may use the items (signed in as a new user, with accounts)."""
    return signed_in_client()


@pytest.fixture
def other_user_client(db: None) -> APIClient:
    """Return a client as another user of the items (signed in as one, with accounts)."""
    return signed_in_client()


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    """Return the schema /openapi.json serves."""
    # drf-spectacular's generator leaves its result untyped.
    generated = SchemaGenerator().get_schema(request=None, public=True)  # pyright: ignore[reportUnknownVariableType]
    return cast("dict[str, Any]", generated)


def needs_a_token(operation: dict[str, Any]) -> bool:
    """Return True when the operation takes no anonymous request."""
    security = operation.get("security", [])
    return bool(security) and {} not in security
