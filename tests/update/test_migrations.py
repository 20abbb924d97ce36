"""Template versions and `_migrations`: an answer renamed or recoded by a later version.

A throwaway template is released as tagged versions: v1.0.0 asks `db`; v2.0.0 renames it
`database` with a migration running extensions/migrations/answers.py; v3.0.0 recodes
its value `postgresql` as `postgres`. Projects made at each earlier version update to the
latest through `stackcraft update` and keep their answer and their edits.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from extensions.migrations.answers import main, recode, rename
from stackcraft.render import render_new
from stackcraft.template import Template
from stackcraft.update import update_project
from tests.conftest import REPO_ROOT, make_template, write_files
from tests.update.conftest import commit_all, git

SCRIPT = "extensions/migrations/answers.py"
ANSWERS = "{{ _copier_conf.answers_file }}.jinja"


def _migration(version: str, *step: str) -> str:
    args = "".join(f"      - {word}\n" for word in step)
    return (
        f"  - version: {version}\n"
        "    when: \"{{ _stage == 'before' }}\"\n"
        "    command:\n"
        '      - "{{ _copier_python }}"\n'
        f'      - "{{{{ _copier_conf.src_path }}}}/{SCRIPT}"\n'
        '      - "--file={{ _copier_conf.answers_file }}"\n' + args
    )


V1_SETTINGS = "db: {type: str, choices: [postgresql, sqlite], default: postgresql}\n"
V2_SETTINGS = (
    "database: {type: str, choices: [postgresql, sqlite], default: postgresql}\n"
    "_migrations:\n" + _migration("v2.0.0", "rename", "db", "database")
)
V3_SETTINGS = (
    "database: {type: str, choices: [postgres, sqlite], default: postgres}\n"
    "_migrations:\n"
    + _migration("v2.0.0", "rename", "db", "database")
    + _migration("v3.0.0", "recode", "database", "postgresql=postgres")
)
README = "# {{ project_name }}\n\nDatabase: {{ %s }}\n"
V1 = {
    "README.md.jinja": README % "db",
    "config.txt": "port = 8000\nhost = 0.0.0.0\nlog = info\nworkers = 2\n",
    ANSWERS: "{{ _copier_answers | to_nice_yaml }}",
}


def _release(root: Path, tag: str, settings: str, files: dict[str, str]) -> None:
    base = (root / "copier.yml").read_text().split("project_name:")[0]
    (root / "copier.yml").write_text(base + "project_name: {type: str, default: Demo}\n" + settings)
    write_files(root / "template", files)
    commit_all(root, tag, tag=tag)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """The throwaway template with v1.0.0, v2.0.0 and v3.0.0 tagged; HEAD is v3.0.0."""
    root = make_template(tmp_path / "tpl", V1, settings=V1_SETTINGS)
    (root / SCRIPT).parent.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / SCRIPT, root / SCRIPT)
    git(root, "init", "-q")
    commit_all(root, "v1", tag="v1.0.0")
    _release(root, "v2.0.0", V2_SETTINGS, {"README.md.jinja": README % "database"})
    _release(
        root,
        "v3.0.0",
        V3_SETTINGS,
        {"config.txt": "port = 8080\nhost = 0.0.0.0\nlog = info\nworkers = 2\n"},
    )
    return root


def _project(template: Path, dest: Path, version: str, data: dict[str, object]) -> Path:
    """Render `template` at `version`, commit, then commit a user's edit to config.txt."""
    render_new(dest, template=Template.load(template), data=data, defaults=True, vcs_ref=version)
    git(dest, "init", "-q")
    commit_all(dest, "generated")
    config = dest / "config.txt"
    config.write_text(config.read_text().replace("workers = 2", "workers = 8  # ours"))
    commit_all(dest, "our workers")
    return dest


def _answers(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def test_update_to_v2_runs_the_migration_that_renames_the_answer(
    template: Path, tmp_path: Path
) -> None:
    project = _project(template, tmp_path / "svc", "v1.0.0", {"db": "sqlite"})

    result = update_project(project, vcs_ref="v2.0.0")

    assert result.applied
    assert result.conflicts == ()
    answers = _answers(project)
    assert answers["database"] == "sqlite"  # not the default: the migration carried it over
    assert "db" not in answers
    assert answers["_commit"] == "v2.0.0"
    assert "Database: sqlite" in (project / "README.md").read_text()
    assert "workers = 8  # ours" in (project / "config.txt").read_text()


@pytest.mark.parametrize(
    ("start", "data"),
    [
        pytest.param("v1.0.0", {"db": "postgresql"}, id="v1-to-v3"),
        pytest.param("v2.0.0", {"database": "postgresql"}, id="v2-to-v3"),
    ],
)
def test_update_from_each_earlier_version_to_the_latest_runs_the_migrations_it_missed(
    template: Path, tmp_path: Path, start: str, data: dict[str, object]
) -> None:
    project = _project(template, tmp_path / "svc", start, data)

    result = update_project(project)

    assert result.applied
    assert result.conflicts == ()
    answers = _answers(project)
    assert answers["_commit"] == "v3.0.0"
    assert answers["database"] == "postgres"
    assert "db" not in answers
    assert "Database: postgres\n" in (project / "README.md").read_text()
    config = (project / "config.txt").read_text()
    assert "workers = 8  # ours" in config
    assert "port = 8080" in config


def test_rename_moves_the_answer_and_is_idempotent() -> None:
    once = rename({"a": 1, "db": "sqlite", "z": 2}, "db", "database")
    assert once == {"a": 1, "database": "sqlite", "z": 2}
    assert list(once) == ["a", "database", "z"]
    assert rename(once, "db", "database") == once


def test_rename_keeps_the_new_answer_when_both_are_present() -> None:
    assert rename({"db": "old", "database": "new"}, "db", "database") == {"database": "new"}


def test_recode_maps_a_value_and_is_idempotent() -> None:
    once = recode({"database": "postgresql"}, "database", {"postgresql": "postgres"})
    assert once == {"database": "postgres"}
    assert recode(once, "database", {"postgresql": "postgres"}) == once
    assert recode({}, "database", {"postgresql": "postgres"}) == {}


def test_the_script_keeps_copiers_header_and_leaves_an_unchanged_file_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".copier-answers.yml"
    path.write_text("# Changes here will be overwritten by Copier\n_commit: v1.0.0\ndb: sqlite\n")

    assert main([f"--file={path}", "rename", "db", "database"]) == 0
    migrated = path.read_text()
    assert migrated.startswith("# Changes here will be overwritten by Copier\n")
    assert yaml.safe_load(migrated) == {"_commit": "v1.0.0", "database": "sqlite"}
    assert main([f"--file={path}", "rename", "db", "database"]) == 0
    assert path.read_text() == migrated


def test_the_script_refuses_a_value_change_that_is_not_old_equals_new(tmp_path: Path) -> None:
    path = tmp_path / ".copier-answers.yml"
    path.write_text("database: postgresql\n")

    with pytest.raises(SystemExit, match="'postgres' is not OLD=NEW"):
        main([f"--file={path}", "recode", "database", "postgres"])
