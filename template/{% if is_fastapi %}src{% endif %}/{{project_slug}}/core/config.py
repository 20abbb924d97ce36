"""The service's settings: one class, read from the environment and a `.env` file."""

from functools import lru_cache
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from . import features
from .settings_base import ProductionChecks, split_commas

PLACEHOLDER_SECRET = "changethis"  # noqa: S105 - the value refused outside local, not a secret
MIN_SECRET_LENGTH = 32


class Settings(features.FeatureSettings, ProductionChecks, BaseSettings):
    """Every setting of the service; `.env.example` documents each one.

    Those of the optional services the project was generated with come from FeatureSettings,
    with the checks they add for production (ProductionChecks); the defaults the project's
    answers decide come from core/features.py too.

    Environment variables win over `.env`, which wins over the defaults below. The
    defaults run the service on SQLite with no environment at all (ENVIRONMENT=local).
    """

    # A value never appears in a validation error: it may be a secret.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    ENVIRONMENT: Literal["local", "test", "production"] = "local"
    SECRET_KEY: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    # Comma-separated host names the service answers to ("*" any, ".example.com" a domain
    # and its subdomains); empty = any host, refused in production. The probes are exempt.
    ALLOWED_HOSTS: Annotated[list[str], NoDecode] = []
    DATABASE_URL: str = features.DATABASE_URL
    DATABASE_POOL_SIZE: int = Field(default=5, ge=1)
    # SQLite serves one instance at most: production refuses it unless this says so.
    ALLOW_SQLITE_IN_PRODUCTION: bool = features.SQLITE_IN_PRODUCTION
    # Larger request bodies are refused with 413 before they are read (nginx's limit too).
    MAX_REQUEST_BODY_BYTES: int = Field(default=1024 * 1024, ge=1)
    # public: anyone may read /docs and /openapi.json; basic: behind DOCS_USERNAME and
    # DOCS_PASSWORD; off: both answer 404. The default is the project's api_docs answer.
    DOCS_MODE: Literal["public", "basic", "off"] = features.DOCS_MODE
    DOCS_USERNAME: str = "docs"
    DOCS_PASSWORD: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    # The API's title in its docs; their description is the package's (pyproject.toml).
    APP_TITLE: str = features.TITLE
    # Comma-separated origins allowed to call the API from a browser; empty disables CORS.
    CORS_ORIGINS: Annotated[list[str], NoDecode] = []
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # json: one JSON object per line; text: for people. Unset: text locally, else json.
    LOG_FORMAT: Literal["json", "text"] | None = None

    @property
    def is_local(self) -> bool:
        """Return True on a developer's machine, where placeholder secrets are allowed."""
        return self.ENVIRONMENT == "local"

    @property
    def uses_sqlite(self) -> bool:
        """Return True when DATABASE_URL names an SQLite file."""
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def log_format(self) -> Literal["json", "text"]:
        """Return LOG_FORMAT, or its default for ENVIRONMENT when it is unset."""
        return self.LOG_FORMAT or ("text" if self.is_local else "json")

    @field_validator("ALLOWED_HOSTS", "CORS_ORIGINS", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return split_commas(value)

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Self:
        if self.is_local:
            return self
        self._refuse_placeholder("SECRET_KEY", self.SECRET_KEY)
        if len(self.SECRET_KEY.get_secret_value()) < MIN_SECRET_LENGTH:
            msg = (
                f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters: tokens signed "
                "with it could be forged; use e.g. secrets.token_urlsafe(48)"
            )
            raise ValueError(msg)
        if self.DOCS_MODE == "basic":
            if not (self.DOCS_USERNAME and self.DOCS_PASSWORD.get_secret_value()):
                msg = "DOCS_MODE is 'basic': set DOCS_USERNAME and DOCS_PASSWORD"
                raise ValueError(msg)
            self._refuse_placeholder("DOCS_PASSWORD", self.DOCS_PASSWORD)
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.ENVIRONMENT != "production":
            return self
        if not self.ALLOWED_HOSTS:
            msg = (
                "ALLOWED_HOSTS is empty but ENVIRONMENT is 'production': set it to the host "
                "names the service answers to, comma-separated (e.g. api.example.com)"
            )
            raise ValueError(msg)
        if self.uses_sqlite and not self.ALLOW_SQLITE_IN_PRODUCTION:
            msg = (
                "DATABASE_URL is SQLite but ENVIRONMENT is 'production': set DATABASE_URL to "
                "PostgreSQL, or ALLOW_SQLITE_IN_PRODUCTION=true for a single instance on SQLite"
            )
            raise ValueError(msg)
        # Then the optional services' own checks (ProductionChecks: METRICS_TOKEN, ...).
        self._refuse_unsafe_in_production()
        return self

    def _refuse_placeholder(self, name: str, secret: SecretStr) -> None:
        if secret.get_secret_value() == PLACEHOLDER_SECRET:
            msg = (
                f"{name} is the placeholder {PLACEHOLDER_SECRET!r} but ENVIRONMENT is "
                f"{self.ENVIRONMENT!r}: set {name} to a random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
            raise ValueError(msg)


@lru_cache
def get_settings() -> Settings:
    """Return the settings of this process, read once from the environment and `.env`.

    Raises pydantic.ValidationError when a setting is invalid, a placeholder secret is used
    outside ENVIRONMENT=local, or production lacks ALLOWED_HOSTS or runs on SQLite unasked.
    """
    return Settings()
