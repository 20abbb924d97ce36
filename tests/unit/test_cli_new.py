"""`stackcraft new` and `stackcraft presets` through Typer's CliRunner."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import cast

import pytest
import yaml
from plumbum import local
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.pythons import find_python
from tests.conftest import REPO_ROOT, make_template

runner = CliRunner()


def test_new_with_defaults_writes_a_project_with_its_answers(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "svc"), "--defaults", "-d", "auth=none"])
    assert result.exit_code == 0, result.output
    answers = (tmp_path / "svc" / ".copier-answers.yml").read_text()
    assert "auth: none" in answers
    assert "project_slug: my_service" in answers
    assert "uv run my_service serve" in result.output


@pytest.mark.parametrize(("api_docs", "page"), [("public", "/docs"), ("off", "/healthz")])
def test_new_points_at_a_page_the_project_serves(tmp_path: Path, api_docs: str, page: str) -> None:
    args = ["new", str(tmp_path / "svc"), "--defaults", "-d", f"api_docs={api_docs}"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:8000{page}," in result.output


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
        (
            "dependabot=maybe",
            "dependabot 'maybe' is not a yes/no answer: use true/false, yes/no or 1/0",
        ),
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


def test_presets_lists_the_buildable_and_names_in_one_line_what_the_others_wait_for() -> None:
    result = runner.invoke(app, ["presets"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    # django-compose needs only questions that exist; the others wait for deploy targets.
    assert any("django-compose" in line for line in lines)
    assert lines[-1].startswith("4 more preset(s) (fastapi-k8s, django-aws,")
    assert "not in this template yet: deploy_targets, load_tests" in lines[-1]


def test_doctor_lists_tools_interpreters_and_services() -> None:
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ("uv", "docker-compose", "hadolint", "Python 3.13", "PostgreSQL", "Redis"):
        assert name in result.output


def _one_line(output: str) -> str:
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


def test_new_accepts_yes_no_words_for_a_bool_question(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "svc"), "--defaults", "-d", "dependabot=No"])
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["dependabot"] is False


def test_new_refuses_an_answer_to_a_question_the_others_rule_out(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    args = ["new", str(dest), "--defaults", "-d", "ci=none", "-d", "container_registry=dockerhub"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    line = _one_line(result.output)
    assert "container_registry 'dockerhub' does not apply" in line
    assert "asked only when ci == 'github', and ci is 'none'" in line
    assert not dest.exists()


def test_new_refuses_a_destination_that_is_a_file(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    dest.write_text("mine")
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 2
    assert f"destination '{dest}' is a file" in _one_line(result.output)
    assert dest.read_text() == "mine"


def test_new_refuses_a_destination_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    dest = tmp_path / "notes.txt" / "deeper" / "svc"
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 2
    assert f"'{tmp_path / 'notes.txt'}' is a file, so '{dest}'" in _one_line(result.output)


def test_new_refuses_an_unwritable_parent_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.access(parent, os.W_OK):
        # root writes anyway: the operating system's refusal is stood in for.
        def refuse(*_: object, **__: object) -> str:
            raise PermissionError(errno.EACCES, "Permission denied", str(parent / ".svc.x"))

        monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = runner.invoke(app, ["new", str(parent / "svc"), "--defaults"])
    parent.chmod(stat.S_IRWXU)
    assert result.exit_code == 2
    assert f"cannot write '{parent}' (Permission denied)" in _one_line(result.output)
    assert list(parent.iterdir()) == []


def test_new_refuses_a_read_only_tree_and_leaves_no_folder_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mkdir = Path.mkdir

    def read_only(path: Path, *args: object, **kwargs: object) -> None:
        if path.is_relative_to(tmp_path / "ro"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", read_only)
    dest = tmp_path / "ro" / "missing" / "svc"
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 2
    assert "(Read-only file system)" in _one_line(result.output)
    assert not (tmp_path / "ro").exists()


def test_new_records_the_absolute_template_path_so_updates_find_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "svc"), "--defaults"])
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(REPO_ROOT)


def _put_first_on_path(monkeypatch: pytest.MonkeyPatch, bin_dir: Path) -> None:
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    monkeypatch.setenv("PATH", path)
    # Copier runs tasks with plumbum's copy of the environment, taken at import.
    monkeypatch.setitem(cast("dict[str, str]", local.env), "PATH", path)


def _fake_uv(bin_dir: Path, *, finds_python: bool, locks: bool = True) -> None:
    """Put a `uv` first on PATH that answers `python find` and `lock` as told, else is uv."""
    real = shutil.which("uv")
    assert real is not None
    bin_dir.mkdir(parents=True, exist_ok=True)
    find = 'exec "$REAL" "$@"' if finds_python else "exit 2"
    lock = 'exec "$REAL" "$@"' if locks else "echo 'error: no network' >&2; exit 1"
    script = bin_dir / "uv"
    script.write_text(
        "#!/bin/sh\n"
        f"REAL={real}\n"
        f'if [ "$1" = python ] && [ "$2" = find ]; then {find}; fi\n'
        f'if [ "$1" = lock ]; then {lock}; fi\n'
        'exec "$REAL" "$@"\n'
    )
    script.chmod(0o755)


def test_new_prints_the_fix_when_uv_cannot_see_the_chosen_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_uv(tmp_path / "bin", finds_python=False)
    _put_first_on_path(monkeypatch, tmp_path / "bin")
    monkeypatch.delenv("UV_PYTHON", raising=False)
    result = runner.invoke(app, ["new", str(tmp_path / "svc"), "--defaults"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    fix = next(line for line in result.output.splitlines() if "uv cannot see" in line)
    assert fix.startswith("uv cannot see Python 3.13")
    assert "run  export UV_PYTHON=" in fix
    assert fix.split("UV_PYTHON=")[1].split()[0].endswith("python3.13")


def test_new_says_nothing_about_python_when_uv_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = find_python("3.13")
    if python is None:
        pytest.skip("no Python 3.13 interpreter on this machine")
    monkeypatch.setenv("UV_PYTHON", str(python))
    result = runner.invoke(
        app, ["new", str(tmp_path / "svc"), "--defaults", "-d", "python_version=3.13"]
    )
    assert result.exit_code == 0, result.output
    assert "uv cannot see" not in result.output


def test_new_warns_loudly_when_the_lock_task_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    _fake_uv(tmp_path / "bin", finds_python=True, locks=False)
    _put_first_on_path(monkeypatch, tmp_path / "bin")
    dest = tmp_path / "svc"
    result = runner.invoke(app, ["new", str(dest), "--defaults"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert not (dest / "uv.lock").exists()
    assert "WARNING: the project has no uv.lock" in result.output
    assert f"cd {dest} && uv lock" in result.output
    # The template's own task says so too, for plain `copier copy`: a block, not a line.
    task_output = capfd.readouterr().err
    assert "WARNING" in task_output
    assert "uv lock" in task_output
    assert len([line for line in task_output.splitlines() if line.strip()]) >= 3
