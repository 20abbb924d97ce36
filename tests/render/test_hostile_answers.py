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


def _python_constant(path: Path, name: str, key: str | None = None) -> object:
    """The literal assigned to `name` in `path` (with `key`: that entry of a dict display)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if name not in targets:
                continue
            if key is None:
                return ast.literal_eval(node.value)
            assert isinstance(node.value, ast.Dict)
            for entry, value in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(entry, ast.Constant) and entry.value == key:
                    return ast.literal_eval(value)
    raise AssertionError(f"{name} not assigned in {path}")


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

    if framework == "fastapi":
        main = project / "src" / "hostile_svc" / "main.py"
        assert _python_constant(main, "TITLE") == value
        assert _python_constant(main, "DESCRIPTION") == value
    else:
        settings = project / "config" / "settings" / "base.py"
        assert _python_constant(settings, "SPECTACULAR_SETTINGS", "TITLE") == value
        assert _python_constant(settings, "SPECTACULAR_SETTINGS", "DESCRIPTION") == value
