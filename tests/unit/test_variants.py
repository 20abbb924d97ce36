"""Reading copier.yml and enumerating its answer sets (stackcraft.template, .variants)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackcraft.errors import UnknownPresetError, UserError
from stackcraft.template import Template
from stackcraft.variants import (
    PRESETS,
    enumerate_pairwise,
    enumerate_sample,
    feasible_pairs,
    preset_problem,
    resolve_preset,
    space_size,
    variant_id,
)


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


def test_the_space_is_the_product_of_each_branch_of_questions(template: Template) -> None:
    # What copier asks depends on earlier answers; each factor counts one branch.
    python, framework, auth, docs = 2, 2, 2, 3
    database = 2 * 2 + 1  # postgresql (replica x spatial), sqlite
    cache = 2 + 1  # redis (realtime: none or sse), none
    tasks = 1 + 2  # none, celery (broker: redis or rabbitmq)
    storage = 1 + 3  # none, s3 (cdn: none, cloudfront or cloudflare)
    observability, errors = 3, 2
    ci = 2 * 2 + 1  # github (registry x dependabot), none
    expected = python * framework * auth * docs * database * cache * tasks * storage
    assert space_size(template) == expected * observability * errors * ci


def test_variant_ids_are_unique_and_readable(template: Template) -> None:
    variants = enumerate_sample(template, count=500, seed=1) + enumerate_pairwise(template)
    ids = {variant.id: variant.data for variant in variants}
    assert len({tuple(sorted(data.items())) for data in ids.values()}) == len(ids)
    defaults = template.complete({})
    assert variant_id(template, defaults) == "defaults"
    django = template.complete({"framework": "django", "database": "sqlite", "cache": "none"})
    assert variant_id(template, django) == "django-sqlite-no-cache"
    rabbit = template.complete({"task_queue": "celery", "broker": "rabbitmq", "ci": "none"})
    assert variant_id(template, rabbit) == "celery-rabbitmq-no-ci"


def test_pairs_are_feasible_exactly_when_copier_would_ask_both(template: Template) -> None:
    feasible = feasible_pairs(template)
    assert (("ci", "none"), ("database", "sqlite")) in feasible
    assert (("broker", "rabbitmq"), ("cache", "none")) in feasible
    assert not any(("ci", "none") in pair and pair[1][0] == "dependabot" for pair in feasible)
    assert not any(("database", "sqlite") in pair and "spatial" in dict(pair) for pair in feasible)
    assert not any(("cache", "none") in pair and "realtime" in dict(pair) for pair in feasible)


def test_presets_name_what_the_template_lacks(template: Template) -> None:
    assert "deploy_targets" in preset_problem(PRESETS["fastapi-k8s"], template)


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
