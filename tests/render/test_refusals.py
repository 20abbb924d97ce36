"""copier.yml itself refuses bad answers, so `copier copy` and `stackcraft new` refuse alike."""

from __future__ import annotations

import pytest

from stackcraft.checks import render_problems
from tests.render.conftest import Render, assert_ruff_clean


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "1abc"}, "project_slug '1abc' is not a valid package name"),
        ({"project_slug": "class"}, "project_slug 'class' is a Python keyword"),
        ({"project_slug": "os"}, "project_slug 'os' is a Python standard-library module"),
        ({"author_email": "not-an-email"}, "author_email 'not-an-email' is not an email address"),
        ({"framework": "flask"}, "'flask' is not in ['fastapi', 'django']"),
        ({"description": "two\nlines"}, "description 'two\\nlines' holds a line break"),
    ],
    ids=["slug-digit", "slug-keyword", "slug-stdlib", "email", "framework", "multiline"],
)
def test_copier_refuses_a_bad_answer_with_a_message_naming_it(
    render: Render, answers: dict[str, str], message: str
) -> None:
    result = render(answers)
    assert result.exit_code != 0
    assert isinstance(result.exception, ValueError)
    assert message in str(result.exception)


@pytest.mark.parametrize(
    "name",
    [
        "Ünïcode \"quoted\" 'svc' & <b>",
        'say "hi"',
        "it's <x> & y; DROP TABLE",
        "back\\slash $HOME `x`",
    ],
)
def test_a_hostile_project_name_renders_with_the_value_kept(render: Render, name: str) -> None:
    result = render({"project_name": name, "description": name, "author_name": name})
    assert result.exception is None
    assert result.exit_code == 0
    assert result.project_dir is not None
    assert name in (result.project_dir / "README.md").read_text()
    assert render_problems(result.project_dir) == []
    assert_ruff_clean(result.project_dir)
