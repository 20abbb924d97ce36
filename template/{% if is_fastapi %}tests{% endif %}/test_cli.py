"""The command line: `serve` and `migrate`."""

from pathlib import Path
from typing import Any

import pytest

from .package import cli, commands


def test_serve_defaults_to_a_local_reloading_server() -> None:
    args = cli.build_parser().parse_args(["serve"])

    assert (args.host, args.port, args.reload) == ("127.0.0.1", 8000, True)


def test_serve_migrates_first_when_local(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setenv("ENVIRONMENT", "local")
    commands.get_settings.cache_clear()
    monkeypatch.setattr(commands, "migrate", lambda: calls.append("migrate"))

    def fake_run(app: str, **options: Any) -> None:
        calls.append(f"run {app} on {options['host']}:{options['port']}")

    monkeypatch.setattr(commands.uvicorn, "run", fake_run)
    try:
        exit_code = cli.main(["serve", "--port", "8123", "--no-reload"])
    finally:
        commands.get_settings.cache_clear()

    assert exit_code == 0
    assert calls == ["migrate", f"run {cli.PACKAGE}.main:app on 127.0.0.1:8123"]


def test_migrate_without_alembic_ini_explains_where_to_run_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(commands, "PACKAGE_DIR", tmp_path / "src" / "package")

    exit_code = cli.main(["migrate"])

    assert exit_code == 1
    assert "alembic.ini not found" in capsys.readouterr().err


def test_invalid_settings_are_one_line_naming_the_setting_not_its_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-but-short")

    def never_run(app: str, **options: Any) -> None:
        raise AssertionError(f"served {app} with invalid settings: {options}")

    monkeypatch.setattr(commands.uvicorn, "run", never_run)
    commands.get_settings.cache_clear()
    try:
        exit_code = cli.main(["serve", "--no-reload"])
    finally:
        commands.get_settings.cache_clear()

    err = capsys.readouterr().err
    assert exit_code == 1
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "SECRET_KEY is shorter than" in err
    assert "s3cret" not in err
