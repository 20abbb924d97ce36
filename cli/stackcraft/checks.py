"""The render tier's checks on a freshly rendered project, as plain functions.

Each returns a list of one-line problems ("" never appears); an empty list means the
project passed. `prove --tier render` and the render tests use the same functions.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import yaml

__all__ = ["leftover_jinja", "render_problems", "unparseable_files"]

# `${{ ... }}` is GitHub Actions' own syntax, and docker/metadata-action's tag patterns use
# `{{version}}`, `{{major}}`, `{{sha}}`...; any other `{{`, `{%` or `%}` is leftover Jinja.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}")
FOREIGN_PLACEHOLDER = re.compile(
    r"\{\{\s*(version|major|minor|patch|raw|sha|branch|tag|base_ref|is_default_branch"
    r"|date '[^']*'(?: tz='[^']*')?)\s*\}\}"
)
_SKIPPED_PARTS = frozenset({".venv", ".git", "__pycache__", ".ruff_cache", ".pytest_cache"})


def project_files(project: Path) -> list[Path]:
    """Return the project's own files (no virtualenv, VCS or cache folders)."""
    return sorted(
        path
        for path in project.rglob("*")
        if path.is_file() and not _SKIPPED_PARTS.intersection(path.relative_to(project).parts)
    )


def leftover_jinja(project: Path) -> list[str]:
    """Return a problem for each file that still holds Jinja syntax, with its line."""
    problems: list[str] = []
    for path in project_files(project):
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if LEFTOVER_JINJA.search(FOREIGN_PLACEHOLDER.sub("", line)):
                problems.append(
                    f"{path.relative_to(project)}:{number}: leftover Jinja: {line.strip()}"
                )
                break
    return problems


def unparseable_files(project: Path) -> list[str]:
    """Return a problem for each YAML, TOML, JSON or Python file that does not parse."""
    problems: list[str] = []
    for path in project_files(project):
        name = str(path.relative_to(project))
        try:
            _parse(path)
        except (
            yaml.YAMLError,
            tomllib.TOMLDecodeError,
            json.JSONDecodeError,
            SyntaxError,
        ) as error:
            first = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            problems.append(f"{name}: does not parse: {first}")
        except UnicodeDecodeError:
            continue
    return problems


def render_problems(project: Path) -> list[str]:
    """Return every render-tier problem of `project`: leftover Jinja, files that do not parse."""
    return leftover_jinja(project) + unparseable_files(project)


def _parse(path: Path) -> None:
    suffix = path.suffix
    if suffix in {".yml", ".yaml"}:
        list(yaml.safe_load_all(path.read_text()))
    elif suffix == ".toml" or path.name == "uv.lock":
        tomllib.loads(path.read_text())
    elif suffix == ".json":
        json.loads(path.read_text())
    elif suffix == ".py":
        ast.parse(path.read_text(), filename=str(path))
