"""Settings: what production refuses, and the defaults that follow the environment."""

from typing import Any, Literal

import pytest
from pydantic import SecretStr, ValidationError

from .conftest import ExplicitSettings
from .package import DOCS_MODE, PLACEHOLDER_SECRET, SQLITE_IN_PRODUCTION, Settings

STRONG_SECRET = SecretStr("x" * 48)
POSTGRES_URL = "postgresql+asyncpg://app:secret@db:5432/app"
SQLITE_URL = "sqlite+aiosqlite:////data/app.db"


def production(**changes: Any) -> Settings:
    """Return production settings that pass, changed by `changes`."""
    values: dict[str, Any] = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": STRONG_SECRET,
        "ALLOWED_HOSTS": ["api.example.com"],
        "DATABASE_URL": POSTGRES_URL,
        "DOCS_PASSWORD": STRONG_SECRET,
        # Production needs it with metrics; without them it is an unknown name, which
        # settings ignore.
        "METRICS_TOKEN": STRONG_SECRET,
    }
    return ExplicitSettings(**(values | changes))


@pytest.mark.parametrize("environment", ["production", "test"])
def test_placeholder_secret_key_is_refused_outside_local(
    environment: Literal["production", "test"],
) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is the placeholder"):
        ExplicitSettings(ENVIRONMENT=environment, SECRET_KEY=SecretStr(PLACEHOLDER_SECRET))


def test_placeholder_secret_key_is_allowed_locally() -> None:
    settings = ExplicitSettings(ENVIRONMENT="local", SECRET_KEY=SecretStr(PLACEHOLDER_SECRET))

    assert settings.is_local


def test_short_secret_key_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="shorter than 32 characters"):
        production(SECRET_KEY=SecretStr("too-short"))


def test_production_settings_with_real_secrets_are_accepted() -> None:
    settings = production()

    assert not settings.is_local


def test_production_refuses_an_empty_allowed_hosts() -> None:
    with pytest.raises(ValidationError, match="ALLOWED_HOSTS is empty"):
        production(ALLOWED_HOSTS=[])


def test_production_refuses_sqlite_unless_allowed() -> None:
    with pytest.raises(ValidationError, match="ALLOW_SQLITE_IN_PRODUCTION=true"):
        production(DATABASE_URL=SQLITE_URL, ALLOW_SQLITE_IN_PRODUCTION=False)

    assert production(DATABASE_URL=SQLITE_URL, ALLOW_SQLITE_IN_PRODUCTION=True).uses_sqlite


def test_sqlite_in_production_is_allowed_by_default_only_for_sqlite_projects() -> None:
    # True in a project that chose database=sqlite, False in one that chose postgresql.
    assert Settings.model_fields["ALLOW_SQLITE_IN_PRODUCTION"].default is SQLITE_IN_PRODUCTION


def test_log_format_defaults_to_text_locally_and_json_elsewhere() -> None:
    assert ExplicitSettings(ENVIRONMENT="local").log_format == "text"
    assert production(ENVIRONMENT="test").log_format == "json"
    assert production().log_format == "json"
    assert production(LOG_FORMAT="text").log_format == "text"


def test_docs_mode_defaults_to_the_api_docs_answer() -> None:
    assert Settings.model_fields["DOCS_MODE"].default == DOCS_MODE


def test_basic_docs_refuse_the_placeholder_password_in_production() -> None:
    with pytest.raises(ValidationError, match="DOCS_PASSWORD is the placeholder"):
        production(DOCS_MODE="basic", DOCS_PASSWORD=SecretStr(PLACEHOLDER_SECRET))


def test_basic_docs_refuse_missing_credentials_in_production() -> None:
    with pytest.raises(ValidationError, match="set DOCS_USERNAME and DOCS_PASSWORD"):
        production(DOCS_MODE="basic", DOCS_USERNAME="")


def test_public_docs_need_no_docs_password_in_production() -> None:
    settings = production(DOCS_MODE="public", DOCS_PASSWORD=SecretStr(PLACEHOLDER_SECRET))

    assert settings.DOCS_MODE == "public"


@pytest.mark.parametrize("name", ["ALLOWED_HOSTS", "CORS_ORIGINS"])
def test_lists_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "a.example, b.example")

    settings = Settings()

    assert getattr(settings, name) == ["a.example", "b.example"]
