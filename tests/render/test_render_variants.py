"""The render tier: every variant of the full strategy renders into a project that parses.

For each answer set copier.yml accepts (enumerated from copier.yml itself): copier exits
cleanly; no Jinja is left in any file; every YAML, TOML, JSON and Python file parses;
files exist exactly when their toggle asks; the generated Python is ruff clean.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from stackcraft.checks import render_problems
from stackcraft.template import Template
from stackcraft.variants import Variant, enumerate_full
from tests.render.conftest import Render, assert_ruff_clean

VARIANTS = enumerate_full(Template.load())

Answers = Mapping[str, object]

# Each toggled path (with {slug}) and the answers under which it must exist.
TOGGLED_FILES: dict[str, Callable[[Answers], bool]] = {
    ".github/workflows/ci.yml": lambda a: a["ci"] == "github",
    ".github/workflows/release.yml": lambda a: a["ci"] == "github",
    ".github/dependabot.yml": lambda a: a.get("dependabot") is True,
    "src/{slug}/api/routes/auth.py": lambda a: a["auth"] == "jwt",
    "src/{slug}/api/routes/users.py": lambda a: a["auth"] == "jwt",
    "src/{slug}/core/security.py": lambda a: a["auth"] == "jwt",
}

# Files every variant has.
ALWAYS = (
    "README.md",
    "pyproject.toml",
    ".env",
    ".env.example",
    ".gitignore",
    ".dockerignore",
    ".editorconfig",
    ".pre-commit-config.yaml",
    ".copier-answers.yml",
    "Dockerfile",
    "compose.yaml",
    "compose.override.yaml",
    "compose.prod.yaml",
    "alembic.ini",
    "gunicorn.conf.py",
    "src/{slug}/main.py",
    "src/{slug}/core/config.py",
    "src/{slug}/api/routes/health.py",
    "src/{slug}/api/routes/items.py",
)


@pytest.fixture(params=VARIANTS, ids=[variant.id for variant in VARIANTS])
def rendered(request: pytest.FixtureRequest, render: Render) -> tuple[Variant, Path]:
    variant = cast("Variant", request.param)
    result = render(variant.data)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    assert result.project_dir is not None
    return variant, result.project_dir


def test_variant_renders_a_complete_parseable_ruff_clean_project(
    rendered: tuple[Variant, Path],
) -> None:
    variant, project = rendered
    answers: Answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    slug = str(answers["project_slug"])
    for key, value in variant.data.items():
        assert answers[key] == value, key

    assert render_problems(project) == []

    for name in ALWAYS:
        assert (project / name.format(slug=slug)).is_file(), name
    for name, wanted in TOGGLED_FILES.items():
        assert (project / name.format(slug=slug)).is_file() == wanted(answers), name

    _assert_services_follow_toggles(project, answers)
    assert_ruff_clean(project)


def _assert_services_follow_toggles(project: Path, answers: Answers) -> None:
    compose = cast("dict[str, Any]", yaml.safe_load((project / "compose.yaml").read_text()))
    services = set(cast("dict[str, Any]", compose["services"]))
    assert ("db" in services) == (answers["database"] == "postgresql")
    assert ("redis" in services) == (answers["cache"] == "redis")

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    deps = " ".join(cast("list[str]", pyproject["project"]["dependencies"]))
    assert ("asyncpg" in deps) == (answers["database"] == "postgresql")
    assert ("redis" in deps) == (answers["cache"] == "redis")
    assert pyproject["project"]["requires-python"].startswith(f">={answers['python_version']}")
