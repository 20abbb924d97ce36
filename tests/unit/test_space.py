"""The variant engine on a space too large to list (stackcraft.space, .variants).

`GROWN` has the shape of SPEC section 3 (about a billion answer sets): conditional
questions, a multiselect with a question that depends on one of its options, and a
validator that refuses a combination. Counts, samples, pairwise covers and feasibility
are all decided without listing it; where a space is small enough, a plain recursive
walk is the reference they are checked against.
"""

from __future__ import annotations

import collections
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.errors import SpaceTooLargeError, UserError
from stackcraft.render import parse_data, render_new
from stackcraft.space import VariantSpace
from stackcraft.template import Template
from stackcraft.variants import (
    candidate_pairs,
    enumerate_full,
    enumerate_pairwise,
    enumerate_sample,
    feasible_pairs,
    pairs_of,
    variant_id,
)
from tests.conftest import make_template

GROWN = """\
python_version: {type: str, choices: ["3.13", "3.12"]}
framework: {type: str, choices: [fastapi, django]}
auth: {type: str, choices: [jwt, none]}
api_docs:
  type: str
  choices: [public, basic, google_oauth, "off"]
  validator: "{% if api_docs == 'google_oauth' and auth == 'none' %}needs auth{% endif %}"
database: {type: str, choices: [postgresql, sqlite]}
read_replica: {type: bool, default: false, when: "{{ database == 'postgresql' }}"}
spatial: {type: bool, default: false, when: "{{ database == 'postgresql' }}"}
cache: {type: str, choices: [redis, none]}
task_queue: {type: str, choices: [none, celery]}
broker: {type: str, choices: [redis, rabbitmq], when: "{{ task_queue == 'celery' }}"}
realtime: {type: str, choices: [none, sse], when: "{{ cache == 'redis' }}"}
object_storage: {type: str, choices: [none, s3]}
cdn: {type: str, choices: [none, cloudfront, cloudflare], when: "{{ object_storage == 's3' }}"}
observability: {type: str, choices: [metrics, full, none]}
error_tracking: {type: str, choices: [none, sentry]}
deploy_targets:
  type: str
  multiselect: true
  choices: [vm, swarm, kubernetes, aws-ecs, gcp-cloud-run, azure-container-apps]
  default: []
kubernetes_cluster:
  type: str
  choices: [any, eks, gke, aks, k3s]
  when: "{{ 'kubernetes' in deploy_targets }}"
canary:
  type: bool
  default: false
  when: "{{ deploy_targets | reject('equalto', 'swarm') | list | length > 0 }}"
ci: {type: str, choices: [github, none]}
container_registry:
  type: str
  choices: [ghcr, dockerhub, ecr, gar, acr]
  when: "{{ ci == 'github' }}"
dependabot: {type: bool, default: true, when: "{{ ci == 'github' }}"}
load_tests: {type: str, choices: [k6, locust, both, none]}
feature_flags: {type: str, choices: [none, openfeature]}
"""

# Small enough to walk: uneven branches (b only after a=x), a multiselect, a refusal.
SMALL = """\
a: {type: str, choices: [x, y]}
b: {type: str, choices: ["1", "2", "3"], when: "{{ a == 'x' }}"}
targets:
  type: str
  multiselect: true
  choices: [vm, swarm, k8s]
  default: []
  validator: "{% if 'swarm' in targets and 'k8s' in targets %}pick one orchestrator{% endif %}"
cluster: {type: str, choices: [any, eks], when: "{{ 'k8s' in targets }}"}
"""


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return Template.load(make_template(tmp_path_factory.mktemp("grown"), {}, GROWN))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return Template.load(make_template(tmp_path_factory.mktemp("small"), {}, SMALL))


def _walk(
    template: Template, index: int, answers: dict[str, object]
) -> Iterator[dict[str, object]]:
    """The reference: every answer set, by plain recursion (copier's rules, no memory)."""
    questions = template.questions
    if index == len(questions):
        yield {k: v for k, v in answers.items() if template.question(k).choices}
        return
    question = questions[index]
    if not template.is_asked(question, answers):
        yield from _walk(template, index + 1, answers)
        return
    if question.multiselect:
        options = list(question.values)
        values: list[object] = [
            [o for bit, o in enumerate(options) if mask >> bit & 1]
            for mask in range(2 ** len(options))
        ]
    elif question.choices:
        values = list(question.values)
    else:
        values = [template.default_for(question, answers)]
    for value in values:
        trial = {**answers, question.name: value}
        if not template.problem(question, trial):
            yield from _walk(template, index + 1, trial)


def test_size_counts_exactly_what_a_plain_walk_lists(small: Template) -> None:
    listed = list(_walk(small, 0, {}))
    # Target sets: 8 subsets less the 2 holding swarm and k8s; the 2 with k8s (and not
    # swarm) take 2 clusters each: 8 completions. a=x: 3 b's x 8; a=y: 8.
    assert len(listed) == 32
    assert VariantSpace(small).size() == len(listed)
    assert sorted(map(repr, VariantSpace(small).answer_sets())) == sorted(map(repr, listed))


def test_size_of_a_billion_answer_sets_is_counted_without_listing_them(grown: Template) -> None:
    assert VariantSpace(grown).size() == 1_016_547_840


def test_full_refuses_a_large_space_and_says_how_large(grown: Template) -> None:
    with pytest.raises(SpaceTooLargeError, match=r"holds 1,016,547,840 answer sets"):
        enumerate_full(grown)


def test_matrix_full_on_a_large_space_exits_2_naming_its_size(
    grown: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKCRAFT_TEMPLATE", str(grown.root))
    result = CliRunner().invoke(app, ["matrix", "--strategy", "full"])
    assert result.exit_code == 2
    assert "1,016,547,840 answer sets" in result.output
    assert "--strategy pairwise" in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_sample_draws_every_answer_set_equally_often(small: Template) -> None:
    # Drawing each question's value uniformly would give a=y half the time (8 of 32 sets).
    space = VariantSpace(small)
    seen = collections.Counter(repr(space.sample(1, seed=seed)[0]) for seed in range(6_400))
    assert len(seen) == 32
    assert all(150 <= times <= 260 for times in seen.values()), seen.most_common(3)


def test_sample_is_distinct_valid_and_the_same_for_a_seed(grown: Template) -> None:
    first = enumerate_sample(grown, count=500, seed=7)
    assert len({v.id for v in first}) == 500
    assert [v.id for v in first] == [v.id for v in enumerate_sample(grown, count=500, seed=7)]
    assert [v.id for v in first] != [v.id for v in enumerate_sample(grown, count=500, seed=8)]
    for variant in first[:50]:
        grown.complete(dict(variant.data))  # raises if copier.yml would refuse it


def test_sample_of_more_than_the_space_holds_gives_each_set_once(small: Template) -> None:
    assert len({v.id for v in enumerate_sample(small, count=1_000, seed=1)}) == 32


def test_sample_refuses_a_count_below_one(small: Template) -> None:
    with pytest.raises(UserError, match="--count 0"):
        enumerate_sample(small, count=0, seed=1)


def test_feasible_pairs_match_what_the_listed_space_holds(small: Template) -> None:
    listed: set[object] = set()
    for answers in _walk(small, 0, {}):
        listed |= pairs_of(small, answers)
    assert feasible_pairs(small) == listed


def test_infeasible_pairs_are_found_by_search(grown: Template) -> None:
    feasible = feasible_pairs(grown)
    impossible = candidate_pairs(grown) - feasible
    assert (("api_docs", "google_oauth"), ("auth", "none")) in impossible
    assert (("ci", "none"), ("container_registry", "ecr")) in impossible
    assert (("deploy_targets[kubernetes]", False), ("kubernetes_cluster", "eks")) in impossible
    assert (("deploy_targets[kubernetes]", True), ("kubernetes_cluster", "eks")) in feasible


def test_pairwise_covers_every_feasible_pair_of_a_grown_space(grown: Template) -> None:
    rows = enumerate_pairwise(grown, restarts=1)
    covered: set[object] = set()
    for row in rows:
        grown.complete(dict(row.data))
        covered |= pairs_of(grown, row.data)
    assert feasible_pairs(grown) <= covered
    # 25 rows is the floor (container_registry x kubernetes_cluster); far below the space.
    assert 25 <= len(rows) <= 70


def test_pairwise_counts_each_multiselect_option_as_a_factor(small: Template) -> None:
    rows = enumerate_pairwise(small)
    covered: set[object] = set()
    for row in rows:
        covered |= pairs_of(small, row.data)
    assert (("targets[k8s]", True), ("targets[vm]", True)) in covered
    assert (("targets[k8s]", True), ("targets[swarm]", True)) not in covered  # refused


def test_variant_ids_say_only_what_differs_from_the_defaults(grown: Template) -> None:
    defaults = grown.complete({})
    choices = {k: v for k, v in defaults.items() if grown.question(k).choices}
    assert variant_id(grown, choices) == "defaults"
    changed = {
        **choices,
        "framework": "django",
        "database": "postgresql",
        "task_queue": "celery",
        "broker": "rabbitmq",
        "deploy_targets": ["kubernetes"],
        "kubernetes_cluster": "any",
        "canary": True,
    }
    assert variant_id(grown, changed) == "django-celery-rabbitmq-k8s-canary"
    assert variant_id(grown, {**choices, "cache": "none", "ci": "none"}) == "no-cache-no-ci"


def test_variant_ids_are_unique_and_short_across_a_sample(grown: Template) -> None:
    ids = [v.id for v in enumerate_sample(grown, count=500, seed=3)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)


def test_a_multiselect_answer_is_read_from_a_comma_list_or_a_yaml_list(small: Template) -> None:
    assert parse_data(["targets=vm,k8s"], small) == {"targets": ["vm", "k8s"]}
    assert parse_data(["targets=[vm, k8s]"], small) == {"targets": ["vm", "k8s"]}
    assert parse_data(["targets="], small) == {"targets": []}


def test_a_multiselect_answer_naming_an_option_not_offered_is_refused(small: Template) -> None:
    with pytest.raises(UserError, match=r"^targets 'ecs' is not offered: choose any of vm, swarm"):
        small.complete(parse_data(["targets=vm,ecs"], small))


def test_a_multiselect_answer_renders_and_is_recorded_as_a_list(
    small: Template, tmp_path: Path
) -> None:
    root = make_template(
        tmp_path / "t",
        {
            "targets.txt.jinja": "{% for t in targets %}{{ t }}\n{% endfor %}",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
        },
        SMALL,
    )
    template = Template.load(root)
    data = parse_data(["a=y", "targets=vm,k8s", "cluster=eks"], template)
    result = render_new(tmp_path / "svc", template=template, data=data, defaults=True)
    assert (result.path / "targets.txt").read_text() == "vm\nk8s\n"
    assert result.answers["targets"] == ["vm", "k8s"]


def test_matrix_sample_json_lists_count_variants(
    grown: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKCRAFT_TEMPLATE", str(grown.root))
    result = CliRunner().invoke(
        app, ["matrix", "--strategy", "sample", "--count", "40", "--seed", "2", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 40
    assert all(isinstance(row["data"]["deploy_targets"], list) for row in rows)
