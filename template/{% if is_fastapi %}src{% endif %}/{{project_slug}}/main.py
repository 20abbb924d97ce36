"""The application factory, and the app gunicorn and uvicorn serve (`main:app` in this package)."""

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from importlib.metadata import metadata

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from .api.router import api_router
from .core.config import Settings, get_settings
from .core.db import create_engine, create_session_factory
from .core.errors import install_error_handlers
from .core.logging import configure_logging
from .core.middleware import (
    AllowedHostsMiddleware,
    BodySizeLimitMiddleware,
    LivenessMiddleware,
    OuterMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    UnhandledErrorMiddleware,
)
from .core.readiness import Probe, ReadinessChecks
from .integrations import Closer, ItemCreatedListener, install_integrations
from .schemas import Health

logger = logging.getLogger(__name__)


class Service(FastAPI):
    """FastAPI with request ids, security headers and the unhandled-error guard outermost
    (inside only what observes requests: metrics, tracing).

    They wrap Starlette's ServerErrorMiddleware, so even its 500 carries them, and the
    exception it re-raises after answering ends here instead of in the server.
    """

    def build_middleware_stack(self) -> ASGIApp:
        """Return FastAPI's middleware stack inside the service's outer layers."""
        app = super().build_middleware_stack()
        app = LivenessMiddleware(app, body=Health().model_dump_json().encode())
        app = RequestIdMiddleware(SecurityHeadersMiddleware(UnhandledErrorMiddleware(app)))
        # What observes every request (integrations/: metrics, tracing) wraps even these,
        # the last added outermost, so it sees every answer, the guard's 500 included.
        wrappers: list[OuterMiddleware] = getattr(self.state, "outer_middleware", [])
        for wrap in wrappers:
            app = wrap(app)
        return app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return a new app wired to `settings` (by default, those of the environment).

    Connections open lazily and close when the app shuts down. Responses are serialised
    by pydantic straight to JSON bytes (FastAPI's fast path for typed return values),
    which is why no custom JSON response class is set.
    """
    settings = settings or get_settings()
    configure_logging(settings.LOG_LEVEL, settings.log_format)
    if settings.ENVIRONMENT == "production" and settings.uses_sqlite:
        logger.warning(
            "Running in production on SQLite (ALLOW_SQLITE_IN_PRODUCTION=true): "
            "run a single instance, and keep the database file on a persistent volume"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None]:
        yield
        await app.state.readiness_checks.aclose()
        closers: list[Closer] = app.state.closers
        for close in reversed(closers):
            await close()
        await app.state.engine.dispose()

    # Name, version and description as pyproject.toml gives them to the installed package.
    package = metadata(__package__ or __name__)
    app = Service(
        title=settings.APP_TITLE,
        description=package.get("Summary", ""),
        version=package["Version"],
        lifespan=lifespan,
        # api/routes/docs.py serves the docs when they are on, so the defaults are off.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # A redirect to the path with(out) its trailing slash would be built from the
        # client's Host header; unknown paths answer 404 instead.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.engine = create_engine(settings)
    app.state.sessionmaker = create_session_factory(app.state.engine, settings)
    # List reads (api/deps.py ReadSessionDep): the primary, unless a replica is installed.
    app.state.read_sessionmaker = app.state.sessionmaker
    app.state.readiness_checks = ReadinessChecks()
    # What /readyz checks besides the database, by name (api/routes/health.py).
    dependency_probes: dict[str, Probe] = {}
    app.state.dependency_probes = dependency_probes
    # Paths whose bodies may be larger than MAX_REQUEST_BODY_BYTES (uploads), by prefix.
    app.state.body_size_limits = body_size_limits = dict[str, int]()
    app.state.closers = list[Closer]()
    app.state.outer_middleware = list[OuterMiddleware]()
    # What runs after POST /items created an item (api/routes/items.py): none by default.
    app.state.item_created_listeners = list[ItemCreatedListener]()
    # Each optional service this project has (integrations/) adds its state, probe, closer.
    install_integrations(app, settings)

    install_error_handlers(app)
    # The last added runs first: hosts are checked before a body is read.
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.MAX_REQUEST_BODY_BYTES,
        prefix_limits=body_size_limits,
    )
    app.add_middleware(AllowedHostsMiddleware, allowed_hosts=settings.ALLOWED_HOSTS)
    app.include_router(api_router)
    return app


app = create_app()
