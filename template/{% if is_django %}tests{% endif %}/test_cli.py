"""The command line (`serve`, `migrate`) and the entry points the servers load."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from pytest_django import Settings

from config.env import Env

from .package import Liveness, cli
from .package import commands as django_commands


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the management commands the CLI runs instead of running them."""
    calls: list[str] = []

    def record(name: str, *args: Any, **options: Any) -> None:
        calls.append(" ".join([name, *map(str, args)]))

    monkeypatch.setattr(django_commands, "setup", lambda: None)
    monkeypatch.setattr(django_commands, "call_command", record)
    return calls


def test_serve_defaults_to_a_local_reloading_server() -> None:
    args = cli.build_parser().parse_args(["serve"])

    assert (args.host, args.port, args.reload) == ("127.0.0.1", 8000, True)


def test_serve_migrates_first_when_local(commands: list[str], settings: Settings) -> None:
    settings.ENVIRONMENT = "local"

    exit_code = cli.main(["serve", "--port", "8123", "--no-reload"])

    assert exit_code == 0
    assert commands == ["migrate", "runserver 127.0.0.1:8123"]


def test_serve_leaves_migrations_alone_outside_local(
    commands: list[str], settings: Settings
) -> None:
    settings.ENVIRONMENT = "production"

    cli.main(["serve", "--host", "0.0.0.0"])  # noqa: S104 - only parsed, nothing listens

    assert commands == ["runserver 0.0.0.0:8000"]


def test_migrate_applies_the_migrations(commands: list[str]) -> None:
    assert cli.main(["migrate"]) == 0
    assert commands == ["migrate"]


def test_a_settings_problem_is_one_line_and_exit_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse() -> None:
        raise ImproperlyConfigured("ALLOWED_HOSTS is empty")

    monkeypatch.setattr(django_commands, "setup", refuse)

    exit_code = cli.main(["migrate"])

    assert exit_code == 1
    assert capsys.readouterr().err == "error: ALLOWED_HOSTS is empty\n"


def test_invalid_settings_are_one_line_naming_the_setting_not_its_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-but-short")
    monkeypatch.setattr(django_commands, "setup", Env)

    exit_code = cli.main(["migrate"])

    err = capsys.readouterr().err
    assert exit_code == 1
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "SECRET_KEY is shorter than" in err
    assert "s3cret" not in err


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        (
            {"DATABASE_POOL_SIZE": "abc"},
            "DATABASE_POOL_SIZE: Input should be a valid integer, unable to parse string as "
            "an integer",
        ),
        (
            {"ENVIRONMENT": "staging"},
            "ENVIRONMENT is 'staging': use one of local, test, production",
        ),
    ],
)
def test_manage_py_reports_invalid_settings_in_one_line(setting: dict[str, str], said: str) -> None:
    # Only the environment a user's shell would have: none of the tests' settings.
    env = {"PATH": os.environ.get("PATH", ""), **setting}
    project = Path(__file__).resolve().parents[1]

    ended = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert ended.returncode == 1
    assert ended.stderr == f"error: {said}\n"


def test_the_asgi_application_is_django_behind_the_liveness_answer() -> None:
    # Imported here, not while tests are collected: building the application starts its
    # wrappers (the metrics' pool sampler), which must not run before the test database exists.
    from config.asgi import application

    app: object = application
    # Inside what ASGI_MIDDLEWARE wraps it in (metrics, traces), when anything.
    while not isinstance(app, Liveness) and hasattr(app, "app"):
        app = vars(app)["app"]
    assert isinstance(app, Liveness)
    assert isinstance(app.app, ASGIHandler)
