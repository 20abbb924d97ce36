"""The template's pure filters and derived context (extensions/context.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from extensions.context import (
    derive_context,
    email_problem,
    py_str,
    recorded_answers,
    slug_problem,
    slugify,
    text_problem,
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("My Service", "my_service"),
        ("Billing API v2!", "billing_api_v2"),
        ("  Crème brûlée  ", "creme_brulee"),
        ("42 Things", "things"),
    ],
)
def test_slugify_makes_a_package_name_from_a_title(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugify_keeps_within_the_slug_length_limit() -> None:
    assert len(slugify("x" * 80)) == 39


@pytest.mark.parametrize("slug", ["my_service", "billing2", "ab"])
def test_slug_problem_accepts_a_valid_package_name(slug: str) -> None:
    assert slug_problem(slug) == ""


@pytest.mark.parametrize(
    ("slug", "says"),
    [
        ("1abc", "is not a valid package name"),
        ("My-Service", "is not a valid package name"),
        ("a", "is not a valid package name"),
        ("class", "is a Python keyword"),
        ("match", "is a Python keyword"),
        ("os", "standard-library module"),
        ("json", "standard-library module"),
        ("fastapi", "would shadow"),
        ("tests", "would shadow"),
    ],
)
def test_slug_problem_names_the_value_and_the_rule(slug: str, says: str) -> None:
    problem = slug_problem(slug)
    assert f"project_slug '{slug}'" in problem
    assert says in problem
    assert "\n" not in problem


@pytest.mark.parametrize("email", ["you@example.com", "a.b+c@sub.example.org"])
def test_email_problem_accepts_addresses(email: str) -> None:
    assert email_problem(email) == ""


@pytest.mark.parametrize("email", ["bad", "x@y", "a b@example.com", "a@b@example.com", ""])
def test_email_problem_refuses_non_addresses(email: str) -> None:
    assert email_problem(email).startswith(f"author_email '{email}' is not an email address")


@pytest.mark.parametrize("text", ["", "   ", "two\nlines", "tab\there", "x" * 201])
def test_text_problem_refuses_empty_multiline_or_long_text(text: str) -> None:
    assert text_problem(text, "description").startswith("description ")


def test_text_problem_accepts_unicode_and_quotes() -> None:
    assert text_problem("Ünïcode \"quoted\" 'text' & <tags>", "description") == ""


def test_derive_context_derives_flags_from_answers() -> None:
    derived = derive_context(
        {
            "auth": "none",
            "api_docs": "basic",
            "database": "sqlite",
            "cache": "redis",
            "ci": "github",
            "container_registry": "dockerhub",
            "dependabot": False,
            "python_version": "3.12",
        }
    )
    assert derived["use_jwt"] is False
    assert derived["docs_enabled"] is True
    assert derived["docs_basic"] is True
    assert derived["use_postgres"] is False
    assert derived["use_redis"] is True
    assert derived["use_dependabot"] is False
    assert derived["registry_host"] == "docker.io"
    assert derived["python_image"] == "python:3.12-slim"
    assert derived["ruff_target"] == "py312"
    assert derived["backing_services"] == ["redis"]


def test_derive_context_ignores_registry_and_dependabot_without_github_ci() -> None:
    derived = derive_context({"ci": "none", "container_registry": "dockerhub", "dependabot": True})
    assert derived["use_github"] is False
    assert derived["use_dependabot"] is False
    assert derived["registry_host"] == "ghcr.io"


def test_derive_context_derives_nothing_before_answers_exist() -> None:
    assert derive_context({}) == {}


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", '"plain"'),
        ('say "hi"', "'say \"hi\"'"),
        ("it's", '"it\'s"'),
        ("back\\slash", '"back\\\\slash"'),
        ("Ünïcode", '"Ünïcode"'),
    ],
)
def test_py_str_quotes_like_ruff_format_and_round_trips(text: str, literal: str) -> None:
    assert py_str(text) == literal
    assert ast.literal_eval(py_str(text)) == text


def test_recorded_answers_make_a_relative_template_path_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    recorded = recorded_answers({"_src_path": ".", "project_name": "x"})
    assert recorded == {"_src_path": str(tmp_path.resolve()), "project_name": "x"}


@pytest.mark.parametrize(
    "source", ["https://github.com/o/stackcraft.git", "gh:o/stackcraft", "git@github.com:o/s.git"]
)
def test_recorded_answers_keep_urls_as_given(source: str) -> None:
    assert recorded_answers({"_src_path": source}) == {"_src_path": source}
