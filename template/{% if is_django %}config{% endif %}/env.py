"""What the settings read from the environment and `.env`: one pydantic-settings class.

`config.settings.base` reads it once (`env = Env()`); nothing else reads the environment.
Environment variables win over `.env`, which wins over the defaults below. The defaults run
the service on SQLite with no environment at all (ENVIRONMENT=local); those the project's
answers decide come from config/features.py.
"""

from importlib import import_module
from typing import Annotated, Any, Literal, Self

import dj_database_url
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config import features
from config.features import ProductionChecks, split_commas

PLACEHOLDER_SECRET = "changethis"  # noqa: S105 - the value refused outside local, not a secret
# Django's deploy check (security.W009) wants at least 50 characters.
MIN_SECRET_LENGTH = 50
# GeoDjango's backend for each plain one, so that postgresql:// and sqlite:// URLs work too.
SPATIAL_ENGINES = {
    "django.db.backends.postgresql": "django.contrib.gis.db.backends.postgis",
    "django.db.backends.sqlite3": "django.contrib.gis.db.backends.spatialite",
}
PLAIN_ENGINES = {spatial: plain for plain, spatial in SPATIAL_ENGINES.items()}
# DATABASE_URL schemes with a Django backend this project installs a driver for.
SPATIAL_SCHEMES = ("spatialite", "postgis") if features.SPATIAL else ()
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres", *SPATIAL_SCHEMES)
# How long a request waits for a PostgreSQL connection before it answers 503, and how long
# the pool keeps retrying a failed connection before it lets the next request try afresh.
POOL_CHECKOUT_SECONDS = 1.5
POOL_RECONNECT_SECONDS = 1.0
# libpq's shortest connect timeout (it reads 1 as 2).
CONNECT_TIMEOUT_SECONDS = 2


def _default_log_format(data: dict[str, Any]) -> Literal["json", "text"]:
    # Readable lines on a laptop; one JSON object per line wherever logs are shipped.
    return "text" if data.get("ENVIRONMENT", "local") == "local" else "json"


class Env(features.FeatureEnv, features.IntegrationEnv, ProductionChecks, BaseSettings):
    """Every setting read from the environment; `.env.example` documents each one.

    Those of the optional parts the project was generated with (services, accounts,
    telemetry) come from config/features.py's FeatureEnv and IntegrationEnv, with the checks
    they add for production (ProductionChecks).
    """

    # Errors name the setting, never its value: values hold passwords and keys.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    ENVIRONMENT: Literal["local", "test", "production"] = "local"
    # api: the API and its docs; admin: only the Django admin (a separate process).
    APP_ROLE: Literal["api", "admin"] = "api"
    SECRET_KEY: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    DATABASE_URL: str = features.DATABASE_URL
    DATABASE_POOL_SIZE: int = Field(default=5, ge=1)
    # The requests each worker runs in Django's views at once, each with a thread of its own
    # for its database work; the others wait their turn on the event loop (core/asgi.py).
    # Default: DATABASE_POOL_SIZE, one kept connection for each.
    REQUEST_THREADS: int | None = Field(default=None, ge=1)
    # Production refuses SQLite unless the project chose it (then it warns at startup).
    ALLOW_SQLITE_IN_PRODUCTION: bool = features.SQLITE_IN_PRODUCTION
    # Comma-separated lists.
    ALLOWED_HOSTS: Annotated[list[str], NoDecode] = []
    CSRF_TRUSTED_ORIGINS: Annotated[list[str], NoDecode] = []
    CORS_ORIGINS: Annotated[list[str], NoDecode] = []
    # public: anyone reads /docs and /openapi.json; basic: behind DOCS_USERNAME and
    # DOCS_PASSWORD; off: both answer 404. The default is the project's api_docs answer.
    DOCS_MODE: Literal["public", "basic", "off"] = features.DOCS_MODE
    DOCS_USERNAME: str = "docs"
    DOCS_PASSWORD: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    # The largest request body read; a larger one is answered 413 (nginx's client_max_body_size).
    MAX_REQUEST_BODY_BYTES: int = Field(default=1024 * 1024, ge=1)
    # Where the admin is served: a path of its own, ending in a slash. nginx (compose.prod.yaml)
    # routes the default to the admin process; change both together.
    ADMIN_URL: str = Field(
        default=features.ADMIN_URL, pattern=r"^[A-Za-z0-9_.~-]+(/[A-Za-z0-9_.~-]+)*/$"
    )
    # The API's title in its docs; their description is the package's (pyproject.toml).
    APP_TITLE: str = features.TITLE
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # json: one object per line (time, level, logger, message, request_id, exception);
    # text: readable lines. Default: text when local, json elsewhere.
    LOG_FORMAT: Literal["json", "text"] = Field(default_factory=_default_log_format)

    def feature_settings(self) -> dict[str, Any]:
        """Return FeatureEnv's settings (the optional services' and telemetry's) by name,
        secrets revealed (Django's settings are plain).
        """
        names = features.FeatureEnv.model_fields
        return {name: _revealed(getattr(self, name)) for name in names}

    @property
    def request_threads(self) -> int:
        """Return the requests a worker runs in Django's views at once (REQUEST_THREADS,
        else one for each connection the database pool keeps).
        """
        return self.REQUEST_THREADS or self.DATABASE_POOL_SIZE

    @property
    def is_local(self) -> bool:
        """Return True on a developer's machine: debug pages on, placeholders allowed."""
        return self.ENVIRONMENT == "local"

    @field_validator("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "CORS_ORIGINS", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return split_commas(value)

    @field_validator("DATABASE_URL")
    @classmethod
    def _refuse_other_schemes(cls, value: str) -> str:
        scheme = value.partition("://")[0]
        if scheme not in DATABASE_SCHEMES:
            msg = (
                f"DATABASE_URL starts with {scheme!r}, which Django has no backend for: use "
                "sqlite:///./file.db or postgresql://user:password@host:5432/name"
            )
            raise ValueError(msg)
        return value

    @property
    def uses_sqlite(self) -> bool:
        """Return True when DATABASE_URL names an SQLite file (SpatiaLite's too)."""
        return self.DATABASE_URL.startswith(("sqlite", "spatialite"))

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Self:
        if self.is_local:
            return self
        self._refuse_placeholder("SECRET_KEY", self.SECRET_KEY)
        if len(self.SECRET_KEY.get_secret_value()) < MIN_SECRET_LENGTH:
            msg = (
                f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters: what it signs "
                "could be forged; use e.g. secrets.token_urlsafe(48)"
            )
            raise ValueError(msg)
        if self.DOCS_MODE == "basic":
            if not self.DOCS_USERNAME.strip():
                msg = "DOCS_USERNAME is empty but DOCS_MODE is 'basic': set the docs' username"
                raise ValueError(msg)
            self._refuse_placeholder("DOCS_PASSWORD", self.DOCS_PASSWORD)
        return self

    @model_validator(mode="after")
    def _refuse_sqlite_in_production(self) -> Self:
        if (
            self.ENVIRONMENT == "production"
            and self.uses_sqlite
            and not self.ALLOW_SQLITE_IN_PRODUCTION
        ):
            msg = (
                "DATABASE_URL is SQLite but ENVIRONMENT is 'production': set DATABASE_URL to "
                "postgresql://user:password@host:5432/name, or ALLOW_SQLITE_IN_PRODUCTION=true "
                "for a single instance that keeps its data in one file"
            )
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_parts_in_production(self) -> Self:
        # After the checks above, so their errors come first: then the optional parts' own
        # (ProductionChecks: METRICS_TOKEN, ...).
        if self.ENVIRONMENT == "production":
            self._refuse_unsafe_in_production()
        return self

    def _refuse_placeholder(self, name: str, secret: SecretStr) -> None:
        value = secret.get_secret_value()
        if value in {PLACEHOLDER_SECRET, ""}:
            what = f"the placeholder {PLACEHOLDER_SECRET!r}" if value else "empty"
            msg = (
                f"{name} is {what} but ENVIRONMENT is "
                f"{self.ENVIRONMENT!r}: set {name} to a random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
            raise ValueError(msg)


def _revealed(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def database_settings(url: str, *, pool_size: int) -> dict[str, Any]:
    """Return the DATABASES entry for `url` (postgresql://... or sqlite:///...).

    PostgreSQL gets psycopg's connection pool, per process; Django requires CONN_MAX_AGE=0
    with it. While the server is down a request waits at most POOL_CHECKOUT_SECONDS for a
    connection (then answers 503); each connection is checked when taken from the pool, and
    one found broken discards the pool's other idle ones, which a restart broke too. SQLite
    gets a busy timeout, write transactions that take their lock up front, and write-ahead
    logging for concurrent readers. With spatial data (config/features.py), GeoDjango's
    backends of both serve them (PostGIS, SpatiaLite). Options in the URL's query
    (`?sslmode=require`) win over these.
    """
    database: dict[str, Any] = {
        **dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    }
    engine = str(database["ENGINE"])
    engine = PLAIN_ENGINES.get(engine, engine)
    if features.SPATIAL:
        database["ENGINE"] = SPATIAL_ENGINES.get(engine, engine)
    defaults: dict[str, Any] = {}
    if engine == "django.db.backends.postgresql":
        # The package's own check (core/database.py), found by the name config/features.py
        # gives: the other modules of config/ never spell it.
        database_module = import_module(f"{features.PACKAGE}.core.database")
        defaults = {
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "pool": {
                "min_size": pool_size,
                "max_size": 2 * pool_size,
                "timeout": POOL_CHECKOUT_SECONDS,
                # Short, so no retry backs off for minutes and leaves a restarted server unused.
                "reconnect_timeout": POOL_RECONNECT_SECONDS,
                "check": database_module.check_pooled_connection,
            },
        }
    elif engine == "django.db.backends.sqlite3":
        defaults = {
            "timeout": 15,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    database["OPTIONS"] = defaults | database.get("OPTIONS", {})
    return database
