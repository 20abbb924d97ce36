"""`stackcraft matrix` and `stackcraft prove` on the render tier."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import pytest
from plumbum import local
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.prove import _copier_without_git  # pyright: ignore[reportPrivateUsage]
from stackcraft.render import render_new
from stackcraft.template import Template
from stackcraft.variants import enumerate_full, enumerate_pairwise, feasible_pairs, pairs_of
from tests.conftest import make_template

runner = CliRunner()


def _all_pairs(rows: list[dict[str, object]]) -> set[object]:
    template = Template.load()
    found: set[object] = set()
    for row in rows:
        found |= pairs_of(template, row)
    return found


def test_pairwise_covers_every_feasible_pair_of_the_real_template() -> None:
    template = Template.load()
    pairwise = enumerate_pairwise(template)
    assert _all_pairs([dict(v.data) for v in pairwise]) == feasible_pairs(template)
    assert len(pairwise) < 40


def test_pairwise_over_some_factors_covers_their_pairs_in_fewer_rows() -> None:
    template = Template.load()
    factors = ("framework", "database", "task_queue", "broker", "object_storage")
    narrow = enumerate_pairwise(template, factors=factors)
    wanted = {
        pair
        for pair in feasible_pairs(template)
        if all(name.split("[")[0] in factors for name, _ in pair)
    }
    assert wanted <= _all_pairs([dict(v.data) for v in narrow])
    assert len(narrow) < len(enumerate_pairwise(template))


def test_matrix_refuses_a_factor_that_is_not_a_question() -> None:
    result = runner.invoke(app, ["matrix", "--factors", "framework,colour"])
    assert result.exit_code == 2
    assert "--factors 'colour' is not a question of this template" in result.output


def test_pairwise_is_deterministic_for_a_seed() -> None:
    template = Template.load()
    first = [v.id for v in enumerate_pairwise(template, seed=3)]
    assert first == [v.id for v in enumerate_pairwise(template, seed=3)]


def test_matrix_github_format_is_an_include_list_covering_every_pair() -> None:
    result = runner.invoke(app, ["matrix", "--strategy", "pairwise", "--format", "github"])
    assert result.exit_code == 0
    matrix = cast("dict[str, list[dict[str, Any]]]", json.loads(result.stdout))
    rows = matrix["include"]
    assert _all_pairs([row["data"] for row in rows]) == feasible_pairs(Template.load())
    first = rows[0]
    assert first["args"].startswith("-d python_version=")
    assert len({row["id"] for row in rows}) == len(rows)


def test_matrix_json_full_lists_every_variant_of_a_small_space(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = make_template(
        tmp_path / "tpl",
        {"x.txt.jinja": "{{ mode }} {{ size }}"},
        settings="mode: {type: str, choices: [a, b]}\n"
        "size: {type: str, choices: [s, m, l], when: \"{{ mode == 'a' }}\"}\n",
    )
    monkeypatch.setenv("STACKCRAFT_TEMPLATE", str(template))
    result = runner.invoke(app, ["matrix", "--strategy", "full", "--format", "json"])
    assert result.exit_code == 0
    rows = cast("list[dict[str, Any]]", json.loads(result.stdout))
    assert len(rows) == len(enumerate_full(Template.load(template))) == 4


def test_matrix_full_refuses_the_real_space_naming_its_size() -> None:
    result = runner.invoke(app, ["matrix", "--strategy", "full"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "the full variant space holds 129,600 answer sets" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["matrix", "--strategy", "random"],
            "'random' is not one of 'full', 'pairwise', 'sample', 'presets'",
        ),
        (["matrix", "--format", "yaml"], "'yaml' is not one of 'table', 'json', 'github'"),
        (["smoke", ".", "--services", "docker"], "'docker' is not one of 'auto', 'external'"),
        (["prove", "--tier", "deploy"], "'deploy' is not one of 'render', 'static', 'smoke'"),
        (["prove", "-j", "0"], "-j 0 is not a number of jobs"),
        (
            ["prove", "--tier", "smoke", "--fuzz-seconds", "0"],
            "--fuzz-seconds 0 is not a time budget: give 1 or more",
        ),
        (
            ["matrix", "--strategy", "sample", "--count", "0"],
            "--count 0 is not a number of variants: give 1 or more",
        ),
    ],
)
def test_matrix_and_prove_refuse_bad_options(args: list[str], message: str) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    # Typer refuses a value outside an enum itself, in a box that may wrap.
    assert message in " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def test_prove_names_the_variant_that_fails_and_its_first_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = make_template(
        tmp_path / "tpl",
        {"settings.yaml.jinja": "mode: {{ mode }}\n{% if mode == 'broken' %}: [\n{% endif %}"},
        settings="mode: {type: str, choices: [fine, broken]}\n",
    )
    monkeypatch.setenv("STACKCRAFT_TEMPLATE", str(template))
    result = runner.invoke(app, ["prove", "--strategy", "full", "--tier", "render", "--json"])
    assert result.exit_code == 1
    report = cast("dict[str, Any]", json.loads(result.stdout))
    verdicts = {v["id"]: (v["ok"], v["first_error"]) for v in report["variants"]}
    assert verdicts["defaults"] == (True, "")
    assert verdicts["broken"][0] is False
    assert verdicts["broken"][1].startswith("settings.yaml: does not parse")


def test_the_render_tier_renders_the_same_files_with_git_hidden(tmp_path: Path) -> None:
    # prove's render tier hides git from Copier (no per-file git calls); nothing else changes.
    template = Template.load()
    path_before = local.env.get("PATH")
    render_new(tmp_path / "plain", template=template, data={}, defaults=True, run_tasks=False)
    with _copier_without_git():
        render_new(tmp_path / "hidden", template=template, data={}, defaults=True, run_tasks=False)
    assert local.env.get("PATH") == path_before

    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and p.name not in {".env", ".copier-answers.yml"}
        }

    assert files(tmp_path / "plain") == files(tmp_path / "hidden")
