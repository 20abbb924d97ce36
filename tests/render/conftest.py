"""A typed face for pytest-copie, whose own annotations leave dicts untyped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from pytest_copie.plugin import Copie

from stackcraft.checks import ruff_problems
from stackcraft.render import plain_copy
from stackcraft.template import Template
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
    return plain_copy(Template.load(REPO_ROOT), tmp_path_factory.mktemp("plain") / "template").root


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
    assert ruff_problems(project) == []
