"""Fixtures: a migrated test database, and apps and HTTP clients built on it.

Tests run on a fresh SQLite file by default. With DATABASE_URL set in the environment
they run on that database instead, after migrating it down to nothing and back up: point
it at a throwaway database. The developer's `.env` is never read.
"""

import asyncio
import logging
import os
import secrets
import threading
import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import NoMatchFound
from starlette.types import ASGIApp, Message, Scope

# Importing the app module (package.py does) builds its module-level app from the
# environment and `.env`; these keep that import working whatever the developer's `.env` holds.
os.environ["ENVIRONMENT"] = "test"
os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)
os.environ["DOCS_PASSWORD"] = secrets.token_urlsafe(24)

from .package import NAME, SQLITE_PROBLEM, Base, RequestIdFilter, Settings, create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOCS_USERNAME = "docs"
DOCS_PASSWORD = "docs-password-for-tests"
PASSWORD = "correct horse battery staple"

# A database file in a directory that does not exist: SQLite cannot open it.
MISSING_SQLITE_URL = "sqlite+aiosqlite:////nonexistent-directory/unreachable.db"
UNAVAILABLE = {"detail": "The database is unavailable; try again shortly"}
# The deadlines of the contract: data endpoints answer within 2 s, /readyz within 1 s.
DATA_DEADLINE_SECONDS = 2.0
READYZ_DEADLINE_SECONDS = 1.0

type ClientFactory = Callable[..., AbstractAsyncContextManager[AsyncClient]]

# The lists of `recorded_statements` blocks running now. One listener on the Engine class
# serves the whole run: adding and removing one on each test's engine races SQLAlchemy's
# listener registry with the garbage collector (a KeyError in some later test).
_recordings: list[list[str]] = []


@event.listens_for(Engine, "before_cursor_execute")
def _record_statement(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    for statements in _recordings:
        statements.append(statement)


@contextmanager
def recorded_statements() -> Generator[list[str]]:
    """Yield the list of SQL statements every engine sends meanwhile."""
    statements: list[str] = []
    _recordings.append(statements)
    try:
        yield statements
    finally:
        _recordings[:] = [other for other in _recordings if other is not statements]


class ExplicitSettings(Settings):
    """Settings from the values passed in only: no environment variables, no `.env`."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read the values passed to the constructor and nothing else."""
        return (init_settings,)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return DATABASE_URL from the environment, else a new SQLite file's URL."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    if SQLITE_PROBLEM:
        pytest.skip(SQLITE_PROBLEM)  # it names what to install, and DATABASE_URL
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def alembic_config(database_url: str) -> Config:
    """Return the project's Alembic config, aimed at the test database."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


@pytest.fixture(scope="session", autouse=True)
def migrated_database(alembic_config: Config) -> None:
    """Build the schema from the migrations, once per run: down to nothing, then up."""
    command.downgrade(alembic_config, "base")
    # Each optional service's tables are a branch of their own: apply every head.
    command.upgrade(alembic_config, "heads")


# Services the tests of their own feature use, with fallbacks for all the others: a list
# read on a replica, or a job sent to a broker with no worker, would break other tests.
OWN_TESTS_ONLY = frozenset({"DATABASE_URL", "DATABASE_REPLICA_URL", "CELERY_BROKER_URL"})
# Settings besides URLs that name a service (the S3 bucket, its credentials).
SERVICE_SETTINGS = frozenset({"S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"})


def service_urls() -> dict[str, Any]:
    """Return the URLs of the services besides the database that the environment names.

    Tests use a Redis (REDIS_URL, a setting with cache=redis) only when one is named, and
    S3 (S3_BUCKET, S3_ENDPOINT_URL) likewise; those of the project's settings only.
    """
    return {
        name: value
        for name in Settings.model_fields
        if (name.endswith("_URL") or name in SERVICE_SETTINGS)
        and name not in OWN_TESTS_ONLY
        and (value := os.environ.get(name))
    }


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Return test settings: explicit values, never the developer's environment or `.env`."""
    return ExplicitSettings(
        ENVIRONMENT="test",
        SECRET_KEY=SecretStr(secrets.token_urlsafe(48)),
        DATABASE_URL=database_url,
        **service_urls(),
        DOCS_USERNAME=DOCS_USERNAME,
        DOCS_PASSWORD=SecretStr(DOCS_PASSWORD),
    )


@pytest.fixture
async def silent_server() -> AsyncGenerator[int]:
    """Yield the port of a TCP server that accepts connections and never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.fixture
def service_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Return `caplog`, also capturing the package's records (they skip the root logger)."""
    package_logger = logging.getLogger(NAME)
    caplog.handler.addFilter(RequestIdFilter())
    package_logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        package_logger.removeHandler(caplog.handler)


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row, children first, so each test starts from empty tables."""
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())


@dataclass(frozen=True)
class RawResponse:
    """What an ASGI app sent: status, headers and the body bytes, exactly."""

    status: int
    headers: dict[str, str]
    body: bytes


async def call_asgi(
    app: ASGIApp, method: str, path: str, *, headers: Sequence[tuple[str, str]] = ()
) -> RawResponse:
    """Send one bodiless request to `app` as a server would; return what it sent back.

    Unlike httpx's ASGITransport, it drops nothing (httpx drops a HEAD response's body),
    and an exception the app lets out fails the test, as it would reach the server.
    """
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    return RawResponse(
        status=start["status"],
        headers={name.decode(): value.decode() for name, value in start["headers"]},
        body=b"".join(message.get("body", b"") for message in sent[1:]),
    )


@asynccontextmanager
async def open_client(app: FastAPI) -> AsyncGenerator[AsyncClient]:
    """Yield an HTTP client that calls `app` in-process, from an address of its own.

    Its own address keeps its login attempts out of other clients' budgets, which a
    shared Redis (REDIS_URL) would otherwise carry from test to test for an hour.
    """
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    transport = ASGITransport(app=app, client=(address, 50000))
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def app(settings: Settings) -> AsyncGenerator[FastAPI]:
    """Yield a started app on empty tables; it shuts down after the test."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await empty_tables(app.state.engine)
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncGenerator[AsyncClient]:
    """Yield an anonymous client of `app`."""
    async with open_client(app) as client:
        yield client


@pytest.fixture
def make_app(settings: Settings) -> Callable[..., FastAPI]:
    """Return a factory of new, unstarted apps whose settings differ: `make_app(X=1)`."""

    def make(**changes: Any) -> FastAPI:
        return create_app(settings.model_copy(update=changes))

    return make


@pytest.fixture
def make_client(settings: Settings) -> ClientFactory:
    """Return a factory of clients of new apps whose settings differ: `make_client(X=1)`.

    Their tables are not emptied (the database may be unreachable on purpose).
    """

    @asynccontextmanager
    async def make(**changes: Any) -> AsyncGenerator[AsyncClient]:
        running = set(threading.enumerate())
        app = create_app(settings.model_copy(update=changes))
        async with app.router.lifespan_context(app), open_client(app) as client:
            yield client
        join_sqlite_worker_threads(besides=running)

    return make


def join_sqlite_worker_threads(*, besides: set[threading.Thread]) -> None:
    """Wait, briefly, for aiosqlite's worker threads to end while the test's loop is open.

    aiosqlite stops the thread of a connection that failed to open without waiting for it;
    if the event loop closed first, that thread would raise "Event loop is closed" into a
    later test. The app's engine is disposed by now, so its threads are all ending; those
    in `besides` (the running test app's own connections) are not waited for.
    """
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)") and thread not in besides:
            thread.join(timeout=1)


def has_accounts(app: FastAPI) -> bool:
    """Return whether `app` has accounts (auth=jwt); then items belong to a signed-in user."""
    try:
        app.url_path_for("signup")
    except NoMatchFound:
        return False
    return True


async def log_in_new_user(client: AsyncClient) -> dict[str, Any]:
    """Sign up a new user through the API and log in; return the login response body."""
    credentials = {"email": f"user-{uuid.uuid4().hex}@example.com", "password": PASSWORD}
    (await client.post("/auth/signup", json=credentials)).raise_for_status()
    response = await client.post("/auth/login", json=credentials)
    response.raise_for_status()
    return response.json()


async def user_headers_for(app: FastAPI) -> dict[str, str]:
    """Return the headers of a new user's requests to `app`: none without accounts.

    The token also opens apps made from the same settings (make_client), even ones whose
    database is down.
    """
    if not has_accounts(app):
        return {}
    async with open_client(app) as client:
        tokens = await log_in_new_user(client)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
async def user_headers(app: FastAPI) -> dict[str, str]:
    """Return the headers of a new user's requests (none without accounts)."""
    return await user_headers_for(app)


@pytest.fixture
async def user_client(app: FastAPI) -> AsyncGenerator[AsyncClient]:
    """Yield a client that may use the items: signed in as a new user, with accounts."""
    async with open_client(app) as client:
        client.headers.update(await user_headers_for(app))
        yield client


@pytest.fixture
async def other_user_client(app: FastAPI) -> AsyncGenerator[AsyncClient]:
    """Yield a client as another user of the items (signed in as one, with accounts)."""
    async with open_client(app) as client:
        client.headers.update(await user_headers_for(app))
        yield client
