"""`stackcraft add` and `stackcraft remove`: features turned on and off in an existing project.

Each project is rendered from a committed snapshot of the real template, committed, and
edited by its user before the toggle; afterwards it must hold exactly what a fresh render
of the new answers holds (no orphan file or folder), plus the user's edits.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from typer.testing import CliRunner

from stackcraft import update as update_module
from stackcraft.app import app
from stackcraft.project import project_env
from stackcraft.pythons import find_python
from stackcraft.render import render_new
from stackcraft.template import Template
from tests.update.conftest import commit_all, git

runner = CliRunner()
WIDE = {"COLUMNS": "300"}
SLUG = "my_service"
README_EDIT = "Our on-call rota lives in the wiki."
SOURCE_EDIT = "# Ours: keep the app factory call last."
# Never compared with a fresh render: fresh secrets on every render.
_UNCOMPARED = {".env"}


@pytest.fixture(autouse=True)
def no_lock_task(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep Copier's update from running the template's `uv lock` task, except in the slow
    test that installs the result: the projects here are rendered without a lock (the
    task would resolve every dependency three times per update, most of a test's time),
    and a fresh render to compare with has none either.
    """
    if request.node.get_closest_marker("slow") is not None:
        return
    real = update_module._copier_update  # pyright: ignore[reportPrivateUsage]

    def without_tasks(*args: Any, **kwargs: Any) -> None:
        real(*args, **{**kwargs, "run_tasks": False})

    monkeypatch.setattr(update_module, "_copier_update", without_tasks)


def _render(dest: Path, template: Path, data: dict[str, object]) -> Path:
    render_new(dest, template=Template.load(template), data=data, defaults=True, run_tasks=False)
    return dest


def _project(root: Path, template: Path, data: dict[str, object]) -> Path:
    """Render `data`, commit it, then commit a user's edits to README.md and main.py."""
    project = _render(root / "svc", template, data)
    git(project, "init", "-q")
    commit_all(project, "generated")
    readme = project / "README.md"
    title, rest = readme.read_text().split("\n", 1)
    readme.write_text(f"{title}\n\n{README_EDIT}\n{rest}")
    main = project / "src" / SLUG / "main.py"
    main.write_text(main.read_text() + f"{SOURCE_EDIT}\n")
    commit_all(project, "our edits")
    return project


def _tree(root: Path) -> dict[str, str | None]:
    """Every path under `root` but .git and .venv: a file's text, or None for a folder."""
    tree: dict[str, str | None] = {}
    for path in root.rglob("*"):
        name = path.relative_to(root).as_posix()
        if name.split("/")[0] in {".git", ".venv"}:
            continue
        tree[name] = path.read_text() if path.is_file() else None
    return tree


def _answers(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def _assert_matches_fresh_render(project: Path, template: Path, tmp_path: Path) -> None:
    """The project holds what a fresh render of its answers holds, and the user's edits."""
    answers = {k: v for k, v in _answers(project).items() if not k.startswith("_")}
    fresh = _tree(_render(tmp_path / "fresh", template, answers))
    ours = _tree(project)
    assert sorted(ours) == sorted(fresh), "orphaned or missing paths"
    edited = {"README.md", f"src/{SLUG}/main.py"}
    for name in sorted(set(fresh) - edited - _UNCOMPARED):
        assert ours[name] == fresh[name], f"{name} differs from a fresh render"
    assert README_EDIT in (ours["README.md"] or "")
    assert SOURCE_EDIT in (ours[f"src/{SLUG}/main.py"] or "")


# (id, answers the project starts with, command, files the command must add or remove).
# Toggles whose files are the same either way (api_docs, database) are proved by the
# comparison with a fresh render alone.
Case = tuple[str, dict[str, object], list[str], list[str]]
ADDITIONS: list[Case] = [
    ("auth-jwt", {"auth": "none"}, ["add", "auth=jwt"], [f"src/{SLUG}/core/security.py"]),
    ("cache-redis", {"cache": "none"}, ["add", "cache=redis"], [f"src/{SLUG}/core/redis.py"]),
    (
        "api-docs-public",
        {"api_docs": "off"},
        ["add", "api_docs=public"],
        [],
    ),
    ("ci-github", {"ci": "none"}, ["add", "ci=github"], [".github/workflows/ci.yml"]),
    ("dependabot", {"dependabot": False}, ["add", "dependabot=true"], [".github/dependabot.yml"]),
    ("database-postgresql", {"database": "sqlite"}, ["add", "database=postgresql"], []),
]
REMOVALS: list[Case] = [
    ("auth", {}, ["remove", "auth"], [f"src/{SLUG}/core/security.py", "tests/test_auth.py"]),
    ("cache", {}, ["remove", "cache"], [f"src/{SLUG}/core/redis.py"]),
    ("api-docs", {}, ["remove", "api_docs"], []),
    ("ci", {}, ["remove", "ci"], [".github"]),
    ("dependabot", {}, ["remove", "dependabot"], [".github/dependabot.yml"]),
    ("database-sqlite", {}, ["add", "database=sqlite"], []),
]


@pytest.mark.parametrize(
    ("start", "command", "files"),
    [pytest.param(*case[1:], id=case[0]) for case in ADDITIONS],
)
def test_add_turns_a_feature_on_keeping_user_edits(
    template_snapshot: Path,
    tmp_path: Path,
    start: dict[str, object],
    command: list[str],
    files: list[str],
) -> None:
    project = _project(tmp_path, template_snapshot, start)
    for name in files:
        assert not (project / name).exists()

    result = runner.invoke(app, [*command, "--project", str(project)], env=WIDE)

    assert result.exit_code == 0, result.output
    assert "no conflicts" in result.output
    for name in files:
        assert (project / name).is_file(), name
    key, _, value = command[1].partition("=")
    assert str(_answers(project)[key]).lower() == value
    _assert_matches_fresh_render(project, template_snapshot, tmp_path)


@pytest.mark.parametrize(
    ("start", "command", "files"),
    [pytest.param(*case[1:], id=case[0]) for case in REMOVALS],
)
def test_remove_turns_a_feature_off_leaving_no_orphan(
    template_snapshot: Path,
    tmp_path: Path,
    start: dict[str, object],
    command: list[str],
    files: list[str],
) -> None:
    project = _project(tmp_path, template_snapshot, start)
    for name in files:
        assert (project / name).exists()

    result = runner.invoke(app, [*command, "--project", str(project)], env=WIDE)

    assert result.exit_code == 0, result.output
    for name in files:
        assert not (project / name).exists(), name
    _assert_matches_fresh_render(project, template_snapshot, tmp_path)


def test_remove_ci_drops_the_answers_that_depended_on_it(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path, template_snapshot, {})

    result = runner.invoke(app, ["remove", "ci", "--project", str(project)], env=WIDE)

    assert result.exit_code == 0, result.output
    answers = _answers(project)
    assert answers["ci"] == "none"
    assert "dependabot" not in answers
    assert "container_registry" not in answers


def test_add_and_remove_default_to_the_current_directory(
    template_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, template_snapshot, {"cache": "none"})
    monkeypatch.chdir(project)

    result = runner.invoke(app, ["add", "cache=redis"], env=WIDE)

    assert result.exit_code == 0, result.output
    assert _answers(project)["cache"] == "redis"


def test_add_of_an_answer_the_project_has_changes_nothing(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path, template_snapshot, {})

    result = runner.invoke(app, ["add", "cache=redis", "--project", str(project)], env=WIDE)

    assert result.exit_code == 0, result.output
    assert "nothing to change" in result.output
    assert git(project, "status", "--porcelain") == ""


def test_remove_dry_run_previews_and_writes_nothing(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path, template_snapshot, {})
    before = _tree(project)

    result = runner.invoke(
        app, ["remove", "cache", "--dry-run", "--project", str(project)], env=WIDE
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  cache: 'redis' -> 'none'" in lines
    assert any("removed" in line and f"src/{SLUG}/core/redis.py" in line for line in lines)
    assert any(line.startswith("dry run:") for line in lines)
    assert _tree(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_add_dry_run_writes_nothing(template_snapshot: Path, tmp_path: Path) -> None:
    project = _project(tmp_path, template_snapshot, {"auth": "none"})
    before = _tree(project)

    result = runner.invoke(
        app, ["add", "auth=jwt", "--dry-run", "--project", str(project)], env=WIDE
    )

    assert result.exit_code == 0, result.output
    assert any(
        "added" in line and "core/security.py" in line for line in result.output.splitlines()
    )
    assert _tree(project) == before


def test_remove_exits_1_listing_a_line_both_sides_changed(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path, template_snapshot, {})
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pin = next(line for line in text.splitlines() if line.strip().startswith('"redis'))
    pyproject.write_text(text.replace(pin, '    "redis>=9.9",  # ours: pinned for the cluster'))
    commit_all(project, "our redis pin")

    result = runner.invoke(app, ["remove", "cache", "--project", str(project)], env=WIDE)

    assert result.exit_code == 1, result.output
    assert "  pyproject.toml" in result.output.splitlines()
    merged = pyproject.read_text()
    assert "<<<<<<< " in merged
    assert "# ours: pinned for the cluster" in merged


def test_remove_keeps_and_lists_a_file_the_user_edited_that_it_would_delete(
    template_snapshot: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path, template_snapshot, {})
    redis = project / "src" / SLUG / "core" / "redis.py"
    redis.write_text(redis.read_text() + "# ours: cluster mode\n")
    commit_all(project, "our redis")

    result = runner.invoke(app, ["remove", "cache", "--project", str(project)], env=WIDE)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("kept") for line in lines)
    assert f"  src/{SLUG}/core/redis.py" in lines
    assert redis.read_text().endswith("# ours: cluster mode\n")
    assert _answers(project)["cache"] == "none"


def test_remove_dry_run_predicts_the_kept_file(template_snapshot: Path, tmp_path: Path) -> None:
    project = _project(tmp_path, template_snapshot, {})
    redis = project / "src" / SLUG / "core" / "redis.py"
    redis.write_text(redis.read_text() + "# ours\n")
    commit_all(project, "our redis")

    result = runner.invoke(
        app, ["remove", "cache", "--dry-run", "--project", str(project)], env=WIDE
    )

    assert result.exit_code == 0, result.output
    assert any(line.startswith("would be kept") for line in result.output.splitlines())
    assert git(project, "status", "--porcelain") == ""


def _one_line_error(output: str) -> str:
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    ("start", "command", "message"),
    [
        pytest.param({}, ["add", "colour=red"], "unknown question 'colour'", id="unknown-key"),
        pytest.param(
            {}, ["add", "cache=memcached"], "cache 'memcached' is not offered", id="not-offered"
        ),
        pytest.param(
            {"ci": "none"},
            ["add", "dependabot=true"],
            "dependabot 'true' does not apply to this project",
            id="not-applicable",
        ),
        pytest.param({}, ["add", "cache"], "'cache' is not KEY=VALUE", id="not-key-value"),
        pytest.param(
            {}, ["remove", "framework"], "cannot remove 'framework'", id="remove-framework"
        ),
        pytest.param({}, ["remove", "colour"], "unknown question 'colour'", id="remove-unknown"),
        pytest.param(
            {"ci": "none"}, ["remove", "dependabot"], "does not apply", id="remove-not-applicable"
        ),
    ],
)
def test_a_refused_answer_exits_2_on_one_line_and_writes_nothing(
    template_snapshot: Path,
    tmp_path: Path,
    start: dict[str, object],
    command: list[str],
    message: str,
) -> None:
    project = _project(tmp_path, template_snapshot, start)

    result = runner.invoke(app, [*command, "--project", str(project)], env=WIDE)

    assert result.exit_code == 2, result.output
    assert message in _one_line_error(result.output)
    assert git(project, "status", "--porcelain") == ""


def test_remove_framework_names_the_choices(template_snapshot: Path, tmp_path: Path) -> None:
    project = _project(tmp_path, template_snapshot, {})

    result = runner.invoke(app, ["remove", "framework", "--project", str(project)], env=WIDE)

    line = _one_line_error(result.output)
    assert "fastapi, django" in line
    assert "stackcraft add framework=VALUE" in line


def test_add_refuses_a_dirty_tree(template_snapshot: Path, tmp_path: Path) -> None:
    project = _project(tmp_path, template_snapshot, {"cache": "none"})
    (project / "README.md").write_text("uncommitted\n")

    result = runner.invoke(app, ["add", "cache=redis", "--project", str(project)], env=WIDE)

    assert result.exit_code == 2
    assert "has uncommitted changes" in _one_line_error(result.output)


def _checked(project: Path, python: Path) -> None:
    """`stackcraft validate` and the project's own tests pass on `project`."""
    validated = runner.invoke(app, ["validate", str(project), "--json"], env=WIDE)
    results = cast("list[dict[str, Any]]", json.loads(validated.stdout)["results"])
    # A tool this machine lacks (nginx here) fails as "not installed": not the project's fault.
    failed = [r for r in results if r["status"] == "fail" and "not installed" not in str(r)]
    assert failed == [], failed
    assert {"ruff check", "pyright", "compose", "yamllint"} <= {r["tool"] for r in results}
    env = project_env(UV_PYTHON=str(python))
    sync = ["uv", "sync", "--compile-bytecode"]
    for command in (sync, ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider"]):
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_cache_added_then_removed_still_validates_and_passes_its_tests(
    template_snapshot: Path, tmp_path: Path
) -> None:
    python = find_python("3.13")
    if python is None:
        pytest.skip("no Python 3.13 interpreter on this machine")
    project = tmp_path / "svc"
    render_new(
        project, template=Template.load(template_snapshot), data={"cache": "none"}, defaults=True
    )
    if not (project / "uv.lock").is_file():
        pytest.skip("uv lock failed at render time (no package index reachable?)")
    git(project, "init", "-q")
    commit_all(project, "generated")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + f"\n{README_EDIT}\n")
    commit_all(project, "our edit")

    added = runner.invoke(app, ["add", "cache=redis", "--project", str(project)], env=WIDE)
    assert added.exit_code == 0, added.output
    assert '"redis' in (project / "pyproject.toml").read_text()
    assert 'name = "redis"' in (project / "uv.lock").read_text()
    _checked(project, python)
    commit_all(project, "cache on")

    removed = runner.invoke(app, ["remove", "cache", "--project", str(project)], env=WIDE)
    assert removed.exit_code == 0, removed.output
    assert not (project / "src" / SLUG / "core" / "redis.py").exists()
    assert README_EDIT in readme.read_text()
    _checked(project, python)


def test_add_whose_lock_task_did_not_run_exits_1_naming_the_stale_lock(
    template_snapshot: Path, tmp_path: Path
) -> None:
    # The autouse fixture keeps the `uv lock` task from running, as a failed (offline)
    # task would: pyproject.toml gains redis, uv.lock does not.
    project = tmp_path / "svc"
    render_new(
        project, template=Template.load(template_snapshot), data={"cache": "none"}, defaults=True
    )
    if not (project / "uv.lock").is_file():
        pytest.skip("uv lock failed at render time (no package index reachable?)")
    git(project, "init", "-q")
    commit_all(project, "generated")

    result = runner.invoke(app, ["add", "cache=redis", "--project", str(project)], env=WIDE)

    assert result.exit_code == 1, result.output
    assert "uv.lock is stale: it lacks redis" in " ".join(result.output.split())
    assert "run `uv lock`" in " ".join(result.output.split())
