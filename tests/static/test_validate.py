"""`stackcraft validate` on a generated project: green as rendered, red when broken.

Each failure case plants one realistic mistake and checks that the report names the tool,
the file and the line, so a user knows where to look.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.project import Project
from tests.conftest import copy_project, generated_project

runner = CliRunner()
pytestmark = pytest.mark.xdist_group("static-project")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_project(tmp_path_factory.mktemp("static"))


@pytest.fixture
def project(rendered: Path, tmp_path: Path) -> Path:
    return copy_project(rendered, tmp_path / "svc")


def _validate(project: Path, *only: str) -> tuple[int, dict[str, Any]]:
    args = ["validate", str(project), "--json", *(a for tool in only for a in ("--only", tool))]
    result = runner.invoke(app, args)
    return result.exit_code, cast("dict[str, Any]", json.loads(result.stdout))


def _errors(report: dict[str, Any], tool: str) -> list[dict[str, Any]]:
    return [
        error
        for result in cast("list[dict[str, Any]]", report["results"])
        if result["tool"] == tool
        for error in cast("list[dict[str, Any]]", result["errors"])
    ]


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under `root` (ignored ones too) with its size and modification time."""
    return {
        str(path.relative_to(root)): (path.lstat().st_size, path.lstat().st_mtime_ns)
        for path in root.rglob("*")
    }


@pytest.fixture(scope="module")
def validated(
    rendered: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, Any], dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """One full `validate` run on a copy: its exit code, report, and listings around it."""
    project = copy_project(rendered, tmp_path_factory.mktemp("validated") / "svc")
    before = _listing(project)
    code, report = _validate(project)
    return code, report, before, _listing(project)


def test_validate_passes_every_tool_on_a_generated_project(
    validated: tuple[int, dict[str, Any], object, object],
) -> None:
    code, report, _, _ = validated
    failing = [r for r in report["results"] if r["status"] == "fail"]
    assert code == 0, failing
    tools = {r["tool"] for r in report["results"]}
    expected = {"ruff check", "ruff format", "pyright", "compose", "hadolint", "actionlint"}
    assert expected | {"lock", "nginx", "yamllint"} <= tools


def test_validate_leaves_the_checked_tree_as_it_was(
    validated: tuple[int, object, dict[str, tuple[int, int]], dict[str, tuple[int, int]]],
) -> None:
    _, _, before, after = validated
    assert ".venv" not in after
    assert after == before


def test_validate_fails_a_project_whose_dockerfile_needs_a_missing_lock(project: Path) -> None:
    (project / "uv.lock").unlink()
    code, report = _validate(project, "lock")
    assert code == 1
    errors = _errors(report, "lock")
    assert errors[0]["file"] == "Dockerfile"
    assert "run `uv lock`" in errors[0]["message"]
    [result] = report["results"]
    assert "uv lock" in result["detail"]


def test_validate_fails_a_lock_that_predates_a_dependency_change(project: Path) -> None:
    # What `stackcraft add cache=redis` leaves when its `uv lock` task cannot reach the
    # index: pyproject.toml asks for redis, uv.lock still locks the answers before.
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(
        text.replace("dependencies = [\n", 'dependencies = [\n    "httpx-sse>=0.4",\n', 1)
    )
    code, report = _validate(project, "lock")
    assert code == 1
    [result] = report["results"]
    assert "uv.lock is stale: it lacks httpx-sse" in result["detail"]
    assert "run `uv lock`" in result["detail"]


def test_validate_passes_the_lock_check_on_a_locked_project(project: Path) -> None:
    code, report = _validate(project, "lock")
    assert code == 0, report


def test_check_env_writes_no_lock_or_venv_into_an_unlocked_project(project: Path) -> None:
    (project / "uv.lock").unlink()
    before = _listing(project)
    env = Project.open(project).check_env()
    assert env.python.is_file()
    assert not env.venv.is_relative_to(project)
    assert _listing(project) == before


def test_validate_names_a_broken_compose_key(project: Path) -> None:
    compose = project / "compose.yaml"
    compose.write_text(compose.read_text().replace("  app:\n", "  app:\n    restartt: always\n", 1))
    code, report = _validate(project, "compose")
    assert code == 1
    errors = _errors(report, "compose")
    assert errors[0]["file"] == "compose.yaml"
    assert "restartt" in errors[0]["message"]
    lines = compose.read_text().splitlines()
    assert str(lines[int(errors[0]["line"]) - 1]).strip() == "restartt: always"


def test_validate_names_a_dockerfile_error_and_its_line(project: Path) -> None:
    dockerfile = project / "Dockerfile"
    lines = dockerfile.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("EXPOSE"))
    lines[index] = "EXPOSE eighty"
    dockerfile.write_text("\n".join(lines) + "\n")
    code, report = _validate(project, "hadolint")
    assert code == 1
    errors = _errors(report, "hadolint")
    assert errors[0]["file"] == "Dockerfile"
    assert errors[0]["line"] == index + 1


def test_validate_names_a_type_error_file_and_line(project: Path) -> None:
    main = next(project.glob("src/*/main.py"))
    text = main.read_text()
    main.write_text(text + '\n\nPORT: int = "8000"\n')
    code, report = _validate(project, "pyright")
    assert code == 1
    errors = _errors(report, "pyright")
    assert errors[0]["file"].endswith("main.py")
    assert errors[0]["line"] == len(text.splitlines()) + 3


def test_validate_table_names_tool_file_and_line(project: Path) -> None:
    compose = project / "compose.yaml"
    compose.write_text(compose.read_text().replace("  app:\n", "  app:\n    restartt: always\n", 1))
    result = runner.invoke(
        app, ["validate", str(project), "--only", "compose"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 1
    # The table may wrap a long first error over several lines; read it without the layout.
    flat = re.sub(r"[\s│┃]+", "", result.output)
    assert "FAILcomposecompose.yaml" in flat
    assert re.search(r"compose\.yaml:\d+:services\.appadditionalproperties'restartt'", flat)


def test_validate_refuses_an_unknown_tool(project: Path) -> None:
    result = runner.invoke(app, ["validate", str(project), "--only", "nope"])
    assert result.exit_code == 2
    assert "unknown validator 'nope'" in result.output


def test_validate_refuses_a_directory_without_answers(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "no .copier-answers.yml" in result.output
