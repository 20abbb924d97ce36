"""A typed face for pytest-copie, whose own annotations leave dicts untyped."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from pytest_copie.plugin import Copie


@dataclass(frozen=True)
class Rendered:
    """What one pytest-copie render produced."""

    project_dir: Path | None
    answers: Mapping[str, object]
    exception: BaseException | None
    exit_code: object


Render = Callable[[Mapping[str, object]], Rendered]


@pytest.fixture
def render(copie: Copie) -> Render:
    """Return a function that renders the template with `answers` through pytest-copie."""

    def _render(answers: Mapping[str, object]) -> Rendered:
        copy = cast("Callable[[dict[str, object]], object]", copie.copy)  # pyright: ignore[reportUnknownMemberType] - pytest-copie types extra_answers as a bare dict
        result = copy(dict(answers))
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
