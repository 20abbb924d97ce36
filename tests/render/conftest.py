"""A typed face for pytest-copie, whose own annotations leave dicts untyped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from pytest_copie.plugin import Copie

from tests.conftest import REPO_ROOT


@dataclass(frozen=True)
class Rendered:
    """What one pytest-copie render produced."""

    project_dir: Path | None
    answers: Mapping[str, object]
    exception: BaseException | None
    exit_code: object


Render = Callable[[Mapping[str, object]], Rendered]


@pytest.fixture(scope="session")
def plain_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as it is on disk, outside git, so copier renders it without cloning.

    A git template is cloned into a temporary directory on every render (about half a
    second each); the render tier renders hundreds of variants of the same working tree.
    """
    root = tmp_path_factory.mktemp("template")
    shutil.copy2(REPO_ROOT / "copier.yml", root / "copier.yml")
    for folder in ("template", "extensions"):
        shutil.copytree(
            REPO_ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return root


@pytest.fixture
def render(copie: Copie, plain_template: Path) -> Render:
    """Return a function that renders the template with `answers` through pytest-copie."""

    def _render(answers: Mapping[str, object]) -> Rendered:
        # pytest-copie types extra_answers as a bare dict.
        copy = cast("Callable[..., object]", copie.copy)  # pyright: ignore[reportUnknownMemberType]
        result = copy(dict(answers), template_dir=plain_template)
        return Rendered(
            project_dir=cast("Path | None", getattr(result, "project_dir", None)),
            answers=cast("Mapping[str, object]", getattr(result, "answers", {})),
            exception=cast("BaseException | None", getattr(result, "exception", None)),
            exit_code=getattr(result, "exit_code", None),
        )

    return _render


def assert_ruff_clean(project: Path) -> None:
    """Assert `ruff check` and `ruff format --check` pass with the project's own config."""
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"ruff {args[0]}:\n{done.stdout}{done.stderr}"
