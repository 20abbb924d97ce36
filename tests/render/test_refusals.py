"""copier.yml itself refuses bad answers, so `copier copy` and `stackcraft new` refuse alike."""

from __future__ import annotations

import pytest

from tests.render.conftest import Render


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "1abc"}, "project_slug '1abc' is not a valid package name"),
        ({"project_slug": "class"}, "project_slug 'class' is a Python keyword"),
        ({"project_slug": "os"}, "project_slug 'os' is a Python standard-library module"),
        ({"author_email": "not-an-email"}, "author_email 'not-an-email' is not an email address"),
        ({"framework": "flask"}, "'flask' is not in ['fastapi', 'django']"),
        ({"description": "two\nlines"}, "description 'two\\nlines' holds a line break"),
        ({"description": "tab\there"}, "description 'tab\\there' holds a line break"),
        ({"project_name": "line\u2028sep"}, "project_name 'line\\u2028sep' holds a line break"),
        ({"author_name": "{{ 7 * 7 }}"}, "author_name '{{ 7 * 7 }}' holds a template delimiter"),
    ],
    ids=[
        "slug-digit",
        "slug-keyword",
        "slug-stdlib",
        "email",
        "framework",
        "multiline",
        "tab",
        "line-separator",
        "jinja",
    ],
)
def test_copier_refuses_a_bad_answer_with_a_message_naming_it(
    render: Render, answers: dict[str, str], message: str
) -> None:
    result = render(answers)
    assert result.exit_code != 0
    assert isinstance(result.exception, ValueError)
    assert message in str(result.exception)
