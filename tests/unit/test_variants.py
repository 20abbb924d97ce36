"""Reading copier.yml and enumerating its answer sets (stackcraft.template, .variants)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from stackcraft.errors import UnknownPresetError, UserError
from stackcraft.template import Template
from stackcraft.variants import PRESETS, enumerate_full, preset_problem, resolve_preset


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.load()


def test_questions_come_in_copier_yml_order(template: Template) -> None:
    assert template.names[:3] == ("project_name", "project_slug", "description")


def test_slug_default_is_derived_from_the_name(template: Template) -> None:
    answers = template.complete({"project_name": "Billing API"})
    assert answers["project_slug"] == "billing_api"


def test_registry_questions_are_not_asked_without_github_ci(template: Template) -> None:
    answers = template.complete({"ci": "none"})
    assert "container_registry" not in answers
    assert "dependabot" not in answers


def test_complete_refuses_an_answer_copier_would_refuse(template: Template) -> None:
    with pytest.raises(UserError, match="project_slug 'os' is a Python standard-library module"):
        template.complete({"project_slug": "os"})


def test_full_enumeration_is_every_product_of_the_asked_choices(template: Template) -> None:
    variants = enumerate_full(template)
    choice_questions = [q for q in template.questions if q.choices or q.type == "bool"]
    github_only = {"container_registry", "dependabot"}
    always = [
        len(q.values) for q in choice_questions if q.name not in github_only and q.name != "ci"
    ]
    registry_and_bot = len(template.question("container_registry").values) * 2
    expected = 1
    for count in always:
        expected *= count
    assert len(variants) == expected * (registry_and_bot + 1)


def test_variant_ids_are_unique_and_readable(template: Template) -> None:
    variants = enumerate_full(template)
    ids = [variant.id for variant in variants]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "defaults"
    assert "django-sqlite-no-cache" in ids
    assert "py312-no-auth-docs-basic-no-ci" in ids


def test_every_pair_of_values_appears_in_the_full_enumeration(template: Template) -> None:
    variants = enumerate_full(template)
    seen = {
        ((a, va), (b, vb))
        for v in variants
        for (a, va), (b, vb) in itertools.combinations(sorted(v.data.items()), 2)
    }
    assert (("ci", "none"), ("database", "sqlite")) in seen
    assert not any(pair[0] == ("ci", "none") and pair[1][0] == "dependabot" for pair in seen)


def test_presets_name_what_the_template_lacks(template: Template) -> None:
    assert "read_replica" in preset_problem(PRESETS["fastapi-k8s"], template)


def test_resolve_preset_refuses_an_unknown_name(template: Template) -> None:
    with pytest.raises(UnknownPresetError, match="preset 'nope' is not available"):
        resolve_preset("nope", template)


def test_resolve_preset_returns_answers_once_the_template_offers_them(tmp_path: Path) -> None:
    (tmp_path / "copier.yml").write_text(
        "framework:\n  type: str\n  choices: [fastapi, django]\n"
        "auth: {type: str, choices: [jwt, none]}\n"
        "database: {type: str, choices: [postgresql, sqlite]}\n"
        "read_replica: {type: bool, default: false}\n"
        "deploy_targets: {type: str, multiselect: true, choices: [vm, kubernetes], default: []}\n"
        "load_tests: {type: str, choices: [none, locust]}\n"
    )
    (tmp_path / "extensions").mkdir()
    real = Template.load().root / "extensions" / "context.py"
    (tmp_path / "extensions" / "context.py").write_text(real.read_text())
    answers = resolve_preset("fastapi-k8s", Template.load(tmp_path))
    assert answers["deploy_targets"] == ["kubernetes"]
