"""`stackcraft smoke` on a generated project: install, migrate, test, boot, probe, stop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from stackcraft.app import app
from tests.conftest import copy_project, generated_project

runner = CliRunner()
pytestmark = pytest.mark.xdist_group("smoke-project")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_project(tmp_path_factory.mktemp("smoke"))


def _smoke(project: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    result = runner.invoke(app, ["smoke", str(project), "--json"])
    report = cast("dict[str, Any]", json.loads(result.stdout))
    return result.exit_code, {step["name"]: step for step in report["steps"]}


def test_smoke_passes_every_step_on_a_generated_project(rendered: Path, tmp_path: Path) -> None:
    code, steps = _smoke(copy_project(rendered, tmp_path / "svc"))
    assert code == 0, steps
    assert list(steps) == [
        "services",
        "install",
        "migrate",
        "tests",
        "boot",
        "GET /healthz",
        "GET /readyz",
        "HEAD probes",
        "docs",
        "round trip",
        "proxy",
        "fuzz",
        "metrics",
        "prometheus",
        "fault: database",
        "fault: redis",
        "stop (SIGTERM)",
    ]
    assert "passed" in steps["tests"]["detail"]
    assert "signup, login, create, list" in steps["round trip"]["detail"]
    assert "429 at attempt 11" in steps["proxy"]["detail"]
    assert "no failure" in steps["fuzz"]["detail"]
    # observability=metrics (the default): /metrics behind its token, scraped by Prometheus.
    assert "401 without the token, 404 through nginx" in steps["metrics"]["detail"]
    assert "alert rules evaluate" in steps["prometheus"]["detail"]
    assert "/items 503 in" in steps["fault: database"]["detail"]
    assert "back: all 200" in steps["fault: redis"]["detail"]
    assert steps["stop (SIGTERM)"]["detail"] == "exited 0"


def test_smoke_catches_a_readiness_probe_the_project_tests_miss(
    rendered: Path, tmp_path: Path
) -> None:
    project = copy_project(rendered, tmp_path / "svc")
    health = next(project.glob("src/*/api/routes/health.py"))
    text = health.read_text()
    broken = "    ready = False  # planted: readiness always fails\n"
    health.write_text(text.replace("    ready = all(", broken + "    _ = all(", 1))
    # Every project test that asks /readyz goes, so only smoke is left to notice.
    for test_file in (project / "tests").glob("test_*.py"):
        if "/readyz" in test_file.read_text():
            test_file.unlink()

    code, steps = _smoke(project)

    assert code == 1
    assert steps["GET /readyz"]["status"] == "fail"
    assert "answered 503" in steps["GET /readyz"]["detail"]
    assert steps["round trip"]["status"] == "skip"
    assert steps["stop (SIGTERM)"]["status"] == "pass"
