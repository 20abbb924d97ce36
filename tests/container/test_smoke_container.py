"""`stackcraft smoke --container`: the image built by a real engine, run as production runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.containers.engine import Engine
from stackcraft.containers.image import (
    build_image,
    dev_only_packages,
    image_problems,
    remove_build,
)
from stackcraft.containers.standins import ensure_base_images, registry_answers
from tests.conftest import copy_project, generated_project

runner = CliRunner()
# One engine, one CPU budget: these builds run one after another on one worker.
pytestmark = pytest.mark.xdist_group("container")

STEPS = [
    "engine",
    "base images",
    "build",
    "image",
    "image contents",
    "services",
    "migrate",
    "boot",
    "runs as",
    "GET /healthz",
    "GET /readyz",
    "HEAD probes",
    "docs",
    "round trip",
    "proxy",
    "HEALTHCHECK",
    "fault: database",
    "fault: redis",
    "stop (SIGTERM)",
]


@pytest.fixture(scope="module")
def fastapi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_project(tmp_path_factory.mktemp("ctr-fastapi"))


def _smoke(project: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    result = runner.invoke(app, ["smoke", "--container", str(project), "--json"])
    report = cast("dict[str, Any]", json.loads(result.stdout))
    return result.exit_code, {step["name"]: step for step in report["steps"]}


def _left_behind(engine: Engine, steps: dict[str, dict[str, Any]]) -> list[str]:
    """This run's image and container, if either is still in the engine after the run."""
    tag = str(steps["build"]["detail"]).split(" ")[0]
    assert tag.startswith("localhost/stackcraft-smoke/"), steps["build"]["detail"]
    name = "stackcraft-smoke-" + tag.rsplit(":", 1)[1]
    left = [tag] if engine.image(tag) is not None else []
    if engine.run("container", "inspect", name, timeout=60).returncode == 0:
        left.append(name)
    return left


def _assert_passed(code: int, steps: dict[str, dict[str, Any]]) -> None:
    failed = {name: s["detail"] for name, s in steps.items() if s["status"] != "pass"}
    assert code == 0, failed
    assert list(steps) == STEPS
    assert not failed


def test_the_default_fastapi_image_builds_boots_and_answers(
    engine: Engine, fastapi: Path, tmp_path: Path
) -> None:
    code, steps = _smoke(copy_project(fastapi, tmp_path / "svc"))

    _assert_passed(code, steps)
    assert engine.kind in steps["engine"]["detail"]
    # Offline, every base image is a stand-in, and the report says so.
    bases = steps["base images"]["detail"]
    assert "python:3.13-slim" in bases
    assert "ghcr.io/astral-sh/uv:" in bases
    assert "stand-in" in bases or "pulled" in bases
    assert " MB, " in steps["image"]["detail"]
    assert "layers" in steps["image"]["detail"]
    assert steps["runs as"]["detail"].startswith("uid 10001 ")
    assert "read-only" in steps["runs as"]["detail"]
    assert "signup, login, create, list" in steps["round trip"]["detail"]
    assert steps["HEALTHCHECK"]["detail"].startswith("healthy")
    assert steps["stop (SIGTERM)"]["detail"].startswith("exited 0")
    assert _left_behind(engine, steps) == []


def test_the_default_django_image_builds_boots_and_answers(engine: Engine, tmp_path: Path) -> None:
    project = generated_project(tmp_path, {"framework": "django"})

    code, steps = _smoke(project)

    _assert_passed(code, steps)
    assert "database" in steps["GET /readyz"]["detail"]
    assert steps["stop (SIGTERM)"]["detail"].startswith("exited 0")
    assert _left_behind(engine, steps) == []


def _plant(project: Path, old: str, new: str) -> None:
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    assert old in text
    dockerfile.write_text(text.replace(old, new, 1))


def test_a_copy_of_a_missing_path_fails_the_build_naming_the_instruction(
    engine: Engine, fastapi: Path, tmp_path: Path
) -> None:
    project = copy_project(fastapi, tmp_path / "svc")
    _plant(project, "COPY . /app\n", "COPY . /app\nCOPY settings.local.toml /app/\n")

    code, steps = _smoke(project)

    assert code == 1
    assert steps["build"]["status"] == "fail"
    assert '"COPY settings.local.toml /app/"' in steps["build"]["detail"]
    assert "no such file or directory" in steps["build"]["detail"]
    assert steps["boot"]["status"] == "skip"


def test_a_cmd_module_that_does_not_exist_fails_the_boot(
    engine: Engine, fastapi: Path, tmp_path: Path
) -> None:
    project = copy_project(fastapi, tmp_path / "svc")
    _plant(
        project,
        'CMD ["gunicorn", "-c", "gunicorn.conf.py"]',
        'CMD ["python", "-m", "my_service.no_such_module"]',
    )

    code, steps = _smoke(project)

    assert code == 1
    assert steps["build"]["status"] == "pass"
    assert steps["boot"]["status"] == "fail"
    assert "exited 1 while booting" in steps["boot"]["detail"]
    assert "No module named my_service.no_such_module" in steps["boot"]["detail"]
    assert steps["GET /healthz"]["status"] == "skip"
    assert "stop (SIGTERM)" not in steps  # it never came up, so there is nothing to stop
    assert _left_behind(engine, steps) == []


def test_dev_only_packages_are_what_only_the_dev_groups_install(fastapi: Path) -> None:
    dev_only = dev_only_packages(fastapi)
    assert {"pytest", "ruff", "pyright"} <= dev_only
    assert not {"fastapi", "gunicorn", "sqlalchemy"} & dev_only


def test_what_a_final_image_must_not_hold_is_found_in_a_real_image(
    engine: Engine, tmp_path: Path
) -> None:
    ensure_base_images(engine, ["python:3.13-slim"])
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.13-slim\n"
        "RUN mkdir -p /root/.cache/uv/wheels-v5 "
        "/app/.venv/lib/python3.13/site-packages/pytest-8.4.0.dist-info && touch /app/.env\n"
    )
    built = build_image(engine, tmp_path, f"localhost/stackcraft-test/scan:{tmp_path.name[-8:]}")
    try:
        problems = image_problems(engine, built.tag, dev_only={"pytest"})
    finally:
        remove_build(engine, built)

    assert problems == [
        "dev dependencies (pytest)",
        "uv's cache (/root/.cache/uv)",
        "a .env file (/app/.env)",
    ]
    assert engine.image(built.tag) is None
    # The base itself is clean: no compiler, no uv, nothing of the kind.
    assert image_problems(engine, "python:3.13-slim", dev_only={"pytest"}) == []


def test_a_python_with_no_base_image_here_is_skipped_with_the_reason(
    engine: Engine, tmp_path: Path
) -> None:
    if registry_answers("python:3.12-slim") or engine.image("python:3.12-slim") is not None:
        pytest.skip("python:3.12-slim can be had here, so nothing is skipped")
    project = generated_project(tmp_path, {"python_version": "3.12"})

    code, steps = _smoke(project)

    assert code == 0
    assert list(steps) == ["engine", "base images"]
    assert steps["base images"]["status"] == "skip"
    assert "no Debian release ships Python 3.12" in steps["base images"]["detail"]
    assert "GitHub workflow" in steps["base images"]["detail"]
