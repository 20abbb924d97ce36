"""Hostile free text: every value the validators accept renders into files that parse and
keep it exactly, whatever the file's format (TOML, Python, Markdown, YAML)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from stackcraft.checks import render_problems
from tests.render.conftest import Render, assert_ruff_clean

HOSTILE = [
    "Rocket 🚀 launch \U0001d518\U0001d52b",  # outside the Basic Multilingual Plane
    "Ünïcode \"quoted\" 'svc' & <b>bold</b>",
    "back\\slash $HOME `x` ${x} %{y} $(rm -rf /)",
    "it's <x> & y; DROP TABLE users;--",
    "\u202eright-to-left override and zero\u200bwidth",
    "# heading * _under_ [link](http://x) | pipe",
    "'''triple''' \"\"\"quotes\"\"\" \\n not a newline",
]


def _markdown_unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _python_constant(path: Path, name: str) -> object:
    """The literal assigned to `name` in `path`."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return ast.literal_eval(node.value)
        # An annotated constant (`TITLE: Final = "..."`).
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not assigned in {path}")


def _env_example_line(project: Path, name: str) -> str:
    lines = (project / ".env.example").read_text().splitlines()
    return next(line for line in lines if line.lstrip("# ").startswith(f"{name}="))


@pytest.mark.parametrize("framework", ["fastapi", "django"])
@pytest.mark.parametrize("value", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_free_text_renders_and_keeps_its_value_in_every_format(
    render: Render, value: str, framework: str
) -> None:
    result = render(
        {
            "framework": framework,
            "project_name": value,
            "project_slug": "hostile_svc",
            "description": value,
            "author_name": value,
        }
    )
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    project = result.project_dir
    assert project is not None
    assert render_problems(project) == []
    assert_ruff_clean(project)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == value
    assert pyproject["project"]["authors"][0]["name"] == value

    readme = (project / "README.md").read_text().splitlines()
    assert _markdown_unescaped(readme[0]) == f"# {value}"
    assert _markdown_unescaped(readme[2]) == value

    answers = cast("dict[str, Any]", yaml.safe_load((project / ".copier-answers.yml").read_text()))
    assert answers["project_name"] == value

    # The docs' title is a setting whose default is the name; their description is the
    # package's (pyproject.toml, checked above), read at run time from its metadata.
    settings = (
        project / "src" / "hostile_svc" / "core" / "features.py"
        if framework == "fastapi"
        else project / "config" / "features.py"
    )
    assert _python_constant(settings, "TITLE") == value
    # .env.example shows it as a comment: no .env quoting keeps every text exactly.
    assert _env_example_line(project, "APP_TITLE") == f"# APP_TITLE={value}"


# Package names at the edges of what project_slug accepts: one that sorts before `config`
# (Django's project package), `ab` (the shortest), and the longest, which stretches every
# import line; each with the features whose modules the package's name appears beside.
EDGE_SLUGS = ["ab", "base_bee", "z" * 39]
EVERYTHING_ON = {
    "task_queue": "celery",
    "realtime": "sse",
    "object_storage": "s3",
    "cdn": "cloudfront",
    "observability": "full",
    "error_tracking": "sentry",
    "read_replica": True,
}


@pytest.mark.parametrize("framework", ["fastapi", "django"])
@pytest.mark.parametrize("slug", EDGE_SLUGS, ids=["shortest", "before-config", "longest"])
def test_a_package_name_at_the_edges_renders_ruff_clean(
    render: Render, slug: str, framework: str
) -> None:
    result = render({"framework": framework, "project_slug": slug, **EVERYTHING_ON})
    assert result.exception is None, result.exception
    project = result.project_dir
    assert project is not None
    assert (project / "src" / slug / "__init__.py").is_file()
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"] == slug
    assert_ruff_clean(project)
