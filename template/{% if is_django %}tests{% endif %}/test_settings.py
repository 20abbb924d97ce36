"""Settings: placeholder secrets and (unless allowed) SQLite are refused outside local;
lists split on commas; each setting's default.
"""

import os
from typing import Any, Literal

import pytest
from django.core.exceptions import ImproperlyConfigured
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from config.env import PLACEHOLDER_SECRET, Env, database_settings
from config.settings import use_environment_settings

from .package import DOCS_MODE, SQLITE_IN_PRODUCTION, check_pooled_connection

STRONG_SECRET = SecretStr("x" * 50)
POSTGRESQL_URL = "postgresql://app:secret@db.internal:5432/app"


class ExplicitEnv(Env):
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


def real_env(**values: Any) -> Env:
    """Return production settings with real secrets on PostgreSQL, changed by `values`."""
    real: dict[str, Any] = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": STRONG_SECRET,
        "DATABASE_URL": POSTGRESQL_URL,
        "DOCS_PASSWORD": STRONG_SECRET,
        # Read only with /metrics (observability); ignored otherwise.
        "METRICS_TOKEN": STRONG_SECRET,
    }
    return ExplicitEnv(**(real | values))


@pytest.mark.parametrize("environment", ["production", "test"])
def test_placeholder_secret_key_is_refused_outside_local(
    environment: Literal["production", "test"],
) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is the placeholder"):
        ExplicitEnv(ENVIRONMENT=environment, SECRET_KEY=SecretStr(PLACEHOLDER_SECRET))


def test_placeholder_secret_key_is_allowed_locally() -> None:
    env = ExplicitEnv(ENVIRONMENT="local", SECRET_KEY=SecretStr(PLACEHOLDER_SECRET))

    assert env.is_local


def test_short_secret_key_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="shorter than 50 characters"):
        ExplicitEnv(ENVIRONMENT="production", SECRET_KEY=SecretStr("x" * 49))


def test_docs_mode_defaults_to_the_api_docs_answer() -> None:
    assert ExplicitEnv().DOCS_MODE == DOCS_MODE


@pytest.mark.parametrize("password", [PLACEHOLDER_SECRET, ""])
def test_basic_docs_need_a_real_password_outside_local(password: str) -> None:
    with pytest.raises(ValidationError, match="DOCS_PASSWORD is"):
        real_env(DOCS_MODE="basic", DOCS_PASSWORD=SecretStr(password))


def test_basic_docs_need_a_username_outside_local() -> None:
    with pytest.raises(ValidationError, match="DOCS_USERNAME is empty"):
        real_env(DOCS_MODE="basic", DOCS_USERNAME=" ")


@pytest.mark.parametrize("mode", ["public", "off"])
def test_docs_without_basic_auth_need_no_password(mode: Literal["public", "off"]) -> None:
    env = real_env(DOCS_MODE=mode, DOCS_PASSWORD=SecretStr(PLACEHOLDER_SECRET))

    assert mode == env.DOCS_MODE


def test_production_settings_with_real_secrets_are_accepted() -> None:
    assert not real_env().is_local


def test_sqlite_in_production_is_allowed_by_default_only_for_a_sqlite_project() -> None:
    assert ExplicitEnv().ALLOW_SQLITE_IN_PRODUCTION is SQLITE_IN_PRODUCTION


def test_sqlite_in_production_is_refused_unless_allowed() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL is SQLite but ENVIRONMENT is"):
        real_env(DATABASE_URL="sqlite:///./service.db", ALLOW_SQLITE_IN_PRODUCTION=False)


def test_sqlite_in_production_is_accepted_when_allowed() -> None:
    env = real_env(DATABASE_URL="sqlite:///./service.db", ALLOW_SQLITE_IN_PRODUCTION=True)

    assert env.uses_sqlite


@pytest.mark.parametrize(
    ("environment", "log_format"), [("local", "text"), ("test", "json"), ("production", "json")]
)
def test_log_format_defaults_to_text_only_locally(
    environment: Literal["local", "test", "production"], log_format: str
) -> None:
    assert log_format == real_env(ENVIRONMENT=environment).LOG_FORMAT


def test_log_format_can_be_chosen() -> None:
    assert ExplicitEnv(LOG_FORMAT="json").LOG_FORMAT == "json"


def test_the_request_body_limit_is_1_mib_like_nginx() -> None:
    assert ExplicitEnv().MAX_REQUEST_BODY_BYTES == 1024 * 1024


@pytest.mark.parametrize("name", ["ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "CORS_ORIGINS"])
def test_lists_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "https://a.example, https://b.example,")

    env = Env()

    assert getattr(env, name) == ["https://a.example", "https://b.example"]


def test_a_database_url_django_cannot_use_is_refused_without_echoing_it() -> None:
    url = "sqlite+aiosqlite:///./secret-name.db"

    with pytest.raises(
        ValidationError, match=r"DATABASE_URL starts with 'sqlite\+aiosqlite'"
    ) as error:
        ExplicitEnv(DATABASE_URL=url)

    assert "secret-name" not in str(error.value)


def test_postgresql_gets_a_pool_and_keeps_the_options_of_its_url() -> None:
    database = database_settings(
        "postgresql://app:p%40ss@db.internal:5432/app?sslmode=require", pool_size=3
    )

    # GeoDjango's PostGIS backend with spatial: the PostgreSQL one with geometries.
    assert database["ENGINE"].endswith(("postgresql", "postgis"))
    assert database["PASSWORD"] == "p@ss"
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"] == {
        "min_size": 3,
        "max_size": 6,
        "timeout": 1.5,
        "reconnect_timeout": 1.0,
        "check": check_pooled_connection,
    }
    assert database["OPTIONS"]["connect_timeout"] == 2
    assert database["OPTIONS"]["sslmode"] == "require"


def test_sqlite_takes_its_write_lock_up_front() -> None:
    database = database_settings("sqlite:///./service.db", pool_size=3)

    assert database["NAME"] == "./service.db"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("admin_url", ["/manage/", "manage", "manage//", "a b/"])
def test_an_admin_url_that_is_not_a_relative_path_with_a_slash_is_refused(
    admin_url: str,
) -> None:
    with pytest.raises(ValidationError, match="ADMIN_URL"):
        ExplicitEnv(ADMIN_URL=admin_url)


def test_request_threads_default_to_the_pool_size_and_can_be_set() -> None:
    assert real_env().request_threads == 5
    assert real_env(DATABASE_POOL_SIZE=3).request_threads == 3
    assert real_env(DATABASE_POOL_SIZE=3, REQUEST_THREADS=12).request_threads == 12
    with pytest.raises(ValidationError, match="REQUEST_THREADS"):
        real_env(REQUEST_THREADS=0)


@pytest.mark.parametrize("environment", ["local", "test", "production"])
def test_environment_picks_the_settings_module(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    monkeypatch.setenv("ENVIRONMENT", environment)

    use_environment_settings()

    assert os.environ["DJANGO_SETTINGS_MODULE"] == f"config.settings.{environment}"


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    monkeypatch.setenv("ENVIRONMENT", "staging")

    with pytest.raises(ImproperlyConfigured, match="ENVIRONMENT is 'staging'"):
        use_environment_settings()
