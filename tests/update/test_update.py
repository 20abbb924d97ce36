"""The update tier: a project made at an older template version takes the newer one.

Throwaway templates with tagged git versions keep these tests about the update mechanism,
whatever the real template holds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackcraft.app import app
from tests.conftest import make_template, write_files

runner = CliRunner()

V1 = {
    "README.md.jinja": "# {{ project_name }}\n\nGenerated.\n",
    "config.txt": "port = 8000\nworkers = 2\n",
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def _commit_all(cwd: Path, message: str, tag: str | None = None) -> None:
    _git(cwd, "add", "-A")
    _git(cwd, "commit", "-q", "-m", message)
    if tag:
        _git(cwd, "tag", tag)


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_template(tmp_path / "tpl", V1)
    _git(root, "init", "-q")
    _commit_all(root, "v1", tag="v1.0.0")
    monkeypatch.setenv("STACKCRAFT_TEMPLATE", str(root))
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "svc"
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 0, result.output
    _git(dest, "init", "-q")
    _commit_all(dest, "generated")
    return dest


def _release_v2(template: Path, files: dict[str, str]) -> None:
    write_files(template / "template", files)
    _commit_all(template, "v2", tag="v2.0.0")


def test_update_keeps_a_user_edit_and_applies_the_template_change(
    template: Path, project: Path
) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur on-call rota lives in the wiki.\n")
    _commit_all(project, "document the rota")
    _release_v2(template, {"config.txt": "port = 8000\nworkers = 2\ntimeout = 30\n"})

    result = runner.invoke(app, ["update", str(project)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "Our on-call rota lives in the wiki." in readme.read_text()
    assert "timeout = 30" in (project / "config.txt").read_text()
    assert "config.txt" in result.output
    assert "no conflicts" in result.output
    assert "v1.0.0 -> v2.0.0" in result.output


def test_update_exits_1_listing_a_conflict_where_both_sides_changed_a_line(
    template: Path, project: Path
) -> None:
    (project / "config.txt").write_text("port = 9000\nworkers = 2\n")
    _commit_all(project, "our port")
    _release_v2(template, {"config.txt": "port = 8080\nworkers = 2\n"})

    result = runner.invoke(app, ["update", str(project)], env={"COLUMNS": "200"})

    assert result.exit_code == 1, result.output
    assert "conflicts" in result.output
    assert "  config.txt" in result.output.splitlines()
    text = (project / "config.txt").read_text()
    assert "<<<<<<< " in text
    assert "port = 9000" in text
    assert "port = 8080" in text


def test_update_refuses_a_dirty_tree_and_changes_nothing(template: Path, project: Path) -> None:
    (project / "config.txt").write_text("port = 1\n")
    _release_v2(template, {"config.txt": "port = 8000\nworkers = 4\n"})

    result = runner.invoke(app, ["update", str(project)], env={"COLUMNS": "200"})

    assert result.exit_code == 2
    assert "has uncommitted changes" in result.output
    assert (project / "config.txt").read_text() == "port = 1\n"


def test_update_dry_run_previews_without_writing(template: Path, project: Path) -> None:
    _release_v2(template, {"NEW.md": "new file\n"})

    result = runner.invoke(app, ["update", str(project), "--dry-run"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "added" in result.output
    assert "NEW.md" in result.output
    assert "dry run" in result.output
    assert not (project / "NEW.md").exists()
    assert _git(project, "status", "--porcelain") == ""


def test_update_dry_run_predicts_a_conflict_and_writes_nothing(
    template: Path, project: Path
) -> None:
    (project / "config.txt").write_text("port = 9000\nworkers = 2\n")
    _commit_all(project, "our port")
    _release_v2(template, {"config.txt": "port = 8080\nworkers = 2\n"})

    result = runner.invoke(app, ["update", str(project), "--dry-run"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("would conflict") for line in lines)
    assert "  config.txt" in lines
    assert (project / "config.txt").read_text() == "port = 9000\nworkers = 2\n"
    assert _git(project, "status", "--porcelain") == ""


def test_update_names_a_dirty_dotfile_with_its_leading_dot(template: Path, project: Path) -> None:
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text() + "# mine\n")

    result = runner.invoke(app, ["update", str(project)], env={"COLUMNS": "300"})

    assert result.exit_code == 2
    assert "(e.g. '.copier-answers.yml')" in result.output


def _record_src_path(project: Path, src_path: str | None) -> None:
    answers = project / ".copier-answers.yml"
    lines = [line for line in answers.read_text().splitlines() if not line.startswith("_src_path")]
    if src_path is not None:
        lines.insert(0, f"_src_path: {src_path}")
    answers.write_text("\n".join(lines) + "\n")
    _commit_all(project, "answers moved")


def _one_line_error(output: str) -> str:
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    ("src_path", "message"),
    [
        (".", "_src_path '.' is relative and names no template from the project"),
        (None, ".copier-answers.yml records no _src_path"),
        ("/nowhere/template", "_src_path '/nowhere/template' no longer exists"),
    ],
)
def test_update_refuses_a_template_it_cannot_find_and_names_the_template_option(
    template: Path, project: Path, src_path: str | None, message: str
) -> None:
    _record_src_path(project, src_path)
    _release_v2(template, {"NEW.md": "new file\n"})

    result = runner.invoke(app, ["update", str(project)], env={"COLUMNS": "300"})

    assert result.exit_code == 2
    line = _one_line_error(result.output)
    assert message in line
    assert "--template PATH_OR_URL" in line


def test_update_reads_a_relative_src_path_from_the_project_directory(
    template: Path, project: Path
) -> None:
    _record_src_path(project, "../tpl")
    _release_v2(template, {"NEW.md": "new file\n"})

    result = runner.invoke(app, ["update", str(project)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert (project / "NEW.md").read_text() == "new file\n"


def test_update_takes_the_template_option_and_records_it(
    template: Path, project: Path, tmp_path: Path
) -> None:
    _record_src_path(project, "/nowhere/template")
    _release_v2(template, {"NEW.md": "new file\n"})
    moved = tmp_path / "moved-tpl"
    template.rename(moved)

    result = runner.invoke(
        app, ["update", str(project), "--template", str(moved)], env={"COLUMNS": "200"}
    )

    assert result.exit_code == 0, result.output
    assert (project / "NEW.md").is_file()
    assert f"_src_path: {moved}" in (project / ".copier-answers.yml").read_text()


def test_update_refuses_a_template_revision_that_does_not_exist(
    template: Path, project: Path
) -> None:
    result = runner.invoke(
        app, ["update", str(project), "--vcs-ref", "v9.9.9"], env={"COLUMNS": "300"}
    )

    assert result.exit_code == 2
    assert "template revision 'v9.9.9' does not exist" in _one_line_error(result.output)


def test_update_leaves_the_project_unchanged_when_copier_fails(
    template: Path, project: Path
) -> None:
    _release_v2(template, {"broken.txt.jinja": "{{ project_name | nosuchfilter }}\n"})

    result = runner.invoke(app, ["update", str(project)], env={"COLUMNS": "300"})

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert _git(project, "status", "--porcelain") == ""


def test_update_refuses_a_path_that_does_not_exist_on_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["update", str(tmp_path / "nowhere")], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert "is not a directory" in _one_line_error(result.output)
