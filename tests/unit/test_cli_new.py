"""`stackcraft new` and `stackcraft presets` through Typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackcraft.app import app
from tests.conftest import make_template

runner = CliRunner()


def test_new_with_defaults_writes_a_project_with_its_answers(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "svc"), "--defaults", "-d", "auth=none"])
    assert result.exit_code == 0, result.output
    answers = (tmp_path / "svc" / ".copier-answers.yml").read_text()
    assert "auth: none" in answers
    assert "project_slug: my_service" in answers
    assert "uv run my_service serve" in result.output


def test_new_leaves_no_staging_directory_behind(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "svc"), "--defaults"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".gitconfig") == ["svc"]


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("project_slug=1abc", "project_slug '1abc' is not a valid package name"),
        ("project_slug=class", "project_slug 'class' is a Python keyword"),
        ("project_slug=os", "project_slug 'os' is a Python standard-library module"),
        ("author_email=nobody", "author_email 'nobody' is not an email address"),
        ("framework=flask", "framework 'flask' is not offered: choose one of fastapi, django"),
        ("python_version=3.9", "python_version '3.9' is not offered: choose one of 3.13, 3.12"),
        ("frmework=fastapi", "unknown question 'frmework'"),
        ("auth", "-d 'auth' is not KEY=VALUE"),
    ],
)
def test_new_refuses_a_bad_answer_on_one_line_with_exit_2(
    tmp_path: Path, pair: str, message: str
) -> None:
    dest = tmp_path / "svc"
    result = runner.invoke(app, ["new", str(dest), "--defaults", "-d", pair])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not dest.exists()


def test_new_refuses_a_non_empty_destination_and_leaves_it_untouched(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 2
    assert "is not empty" in result.output
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]


def test_new_keeps_an_existing_empty_destination_empty_on_failure(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    result = runner.invoke(app, ["new", str(dest), "--defaults", "-d", "project_slug=os"])
    assert result.exit_code == 2
    assert dest.is_dir()
    assert not any(dest.iterdir())


def test_new_writes_nothing_when_a_file_fails_to_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = make_template(
        tmp_path / "tpl",
        {"ok.txt": "fine", "broken.txt.jinja": "{{ project_name | nosuchfilter }}"},
    )
    monkeypatch.setenv("STACKCRAFT_TEMPLATE", str(template))
    dest = tmp_path / "deeper" / "svc"
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert not (tmp_path / "deeper").exists()


def test_new_writes_nothing_when_a_task_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = make_template(
        tmp_path / "tpl", {"ok.txt": "fine"}, settings="_tasks:\n  - command: exit 3\n"
    )
    monkeypatch.setenv("STACKCRAFT_TEMPLATE", str(template))
    dest = tmp_path / "svc"
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 1
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".svc")] == []


def test_new_without_defaults_and_without_a_terminal_says_how_to_proceed(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "svc")])
    assert result.exit_code == 2
    assert "pass --defaults" in result.output


def test_new_refuses_a_preset_the_template_cannot_build_yet(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "svc"), "--defaults", "--preset", "nope"])
    assert result.exit_code == 2
    assert "preset 'nope' is not available" in result.output


def test_presets_lists_each_preset_with_its_availability() -> None:
    result = runner.invoke(app, ["presets"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ("fastapi-k8s", "django-compose", "django-aws", "overengineered"):
        assert name in result.output


def test_doctor_lists_tools_interpreters_and_services() -> None:
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ("uv", "docker-compose", "hadolint", "Python 3.13", "PostgreSQL", "Redis"):
        assert name in result.output
