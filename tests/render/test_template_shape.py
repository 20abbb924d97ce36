"""The template's own shape: small template files, one source per destination, a documented context.

These read the template's sources and its derived context; they render no project, so they
run in a second or two.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from jinja2.sandbox import SandboxedEnvironment

from extensions.context import DerivedContext, StackcraftFilters, derive_context
from stackcraft.template import Template
from stackcraft.variants import Variant, enumerate_pairwise
from tests.conftest import REPO_ROOT

TEMPLATE = Template.load(REPO_ROOT)
PAIRWISE = enumerate_pairwise(TEMPLATE)

# STYLE.md rule 7: past about fifteen tags, split the file or move the logic to extensions/.
TAG_LIMIT = 15
# Files allowed past the limit, each with the reason it cannot be split. Keep it empty.
HEAVY_ALLOWED: Mapping[str, str] = {}

TEMPLATES_SUFFIX = ".jinja"
# STYLE.md rule 8: most generated Python files hold no Jinja. Issue 8's target is fewer than
# 10 template sources of Python files with Jinja in them; this ceiling only ever goes down.
JINJA_PYTHON_CEILING = 9
# What copier never copies from a template, whatever `_exclude` says.
NEVER_RENDERED = re.compile(r"(^|/)(__pycache__|\.git)(/|$)|\.py[co]$")


def _template_files() -> list[Path]:
    files = [
        path
        for folder in ("template", "partials")
        for path in sorted((REPO_ROOT / folder).rglob("*"))
        if path.is_file() and not NEVER_RENDERED.search(path.as_posix())
    ]
    assert files, "no template files found under template/ or partials/"
    return files


def test_template_and_partial_files_stay_within_the_tag_limit() -> None:
    counts = {
        path.relative_to(REPO_ROOT).as_posix(): path.read_text(errors="replace").count("{%")
        for path in _template_files()
    }
    heavy = {
        name: count
        for name, count in counts.items()
        if count > TAG_LIMIT and name not in HEAVY_ALLOWED
    }
    listed = "\n".join(
        f"  {count:3} {name}" for name, count in sorted(heavy.items(), key=lambda kv: -kv[1])
    )
    assert not heavy, (
        f"template files with more than {TAG_LIMIT} '{{%' tags (split them into partials/ "
        f"or move the logic to extensions/context.py):\n{listed}"
    )


def test_tag_limit_allow_list_names_only_existing_heavy_files() -> None:
    counts = {
        path.relative_to(REPO_ROOT).as_posix(): path.read_text(errors="replace").count("{%")
        for path in _template_files()
    }
    stale = [name for name in HEAVY_ALLOWED if counts.get(name, 0) <= TAG_LIMIT]
    assert not stale, f"allowed heavy files that are gone or light now: {stale}"


def _python_sources_with_jinja() -> list[str]:
    """Return the template sources that render to a `.py` file and hold Jinja in their text."""
    root = REPO_ROOT / "template"
    found: list[str] = []
    for path in _template_files():
        if not path.is_relative_to(root) or not path.name.endswith(TEMPLATES_SUFFIX):
            continue
        rendered_name = re.sub(r"{%.*?%}", "", path.name.removesuffix(TEMPLATES_SUFFIX))
        text = path.read_text(errors="replace")
        if rendered_name.endswith(".py") and ("{%" in text or "{{" in text):
            found.append(path.relative_to(root).as_posix())
    return found


def test_generated_python_files_with_jinja_stay_under_the_ceiling() -> None:
    found = _python_sources_with_jinja()
    listed = "\n".join(f"  {name}" for name in sorted(found))
    assert len(found) <= JINJA_PYTHON_CEILING, (
        f"{len(found)} template sources of Python files hold Jinja (ceiling "
        f"{JINJA_PYTHON_CEILING}): move names into settings and a feature's code into files "
        f"its name decides (STYLE.md rule 8):\n{listed}"
    )


def test_the_jinja_python_count_sees_a_templated_python_file() -> None:
    found = _python_sources_with_jinja()
    assert "{% if is_fastapi %}src{% endif %}/{{project_slug}}/models.py.jinja" in found
    assert all(not name.endswith("__init__.py") for name in found)


def _path_environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(keep_trailing_newline=True)
    StackcraftFilters(environment)
    return environment


def _path_context(variant: Variant) -> dict[str, Any]:
    answers = TEMPLATE.complete(variant.data)
    answers_file = str(TEMPLATE.settings.get("_answers_file", ".copier-answers.yml"))
    return {
        **answers,
        **derive_context(dict(answers)),
        "_copier_conf": {"answers_file": answers_file},
    }


def destination(
    source: PurePosixPath, context: Mapping[str, Any], environment: SandboxedEnvironment
) -> PurePosixPath | None:
    """Return where copier writes `source` (relative to template/), or None when it skips it.

    As copier does: the `.jinja` suffix is dropped, then each segment is rendered, and a
    segment that renders empty leaves the whole path out.
    """
    if source.name.endswith(TEMPLATES_SUFFIX):
        source = source.with_name(source.name.removesuffix(TEMPLATES_SUFFIX))
    rendered: list[str] = []
    for part in source.parts:
        text = environment.from_string(part).render(context)
        if not text:
            return None
        rendered.append(text)
    return PurePosixPath(*rendered)


@pytest.mark.parametrize("variant", PAIRWISE, ids=[variant.id for variant in PAIRWISE])
def test_no_two_template_sources_render_to_one_destination(variant: Variant) -> None:
    root = REPO_ROOT / str(TEMPLATE.settings.get("_subdirectory", "template"))
    environment = _path_environment()
    context = _path_context(variant)
    sources: defaultdict[PurePosixPath, list[str]] = defaultdict(list)
    for path in _template_files():
        if not path.is_relative_to(root):
            continue
        relative = PurePosixPath(path.relative_to(root).as_posix())
        target = destination(relative, context, environment)
        if target is not None:
            sources[target].append(relative.as_posix())
    collisions = {target: names for target, names in sources.items() if len(names) > 1}
    assert sources, "no template file renders for this variant"
    assert not collisions, "sources that render to one destination:\n" + "\n".join(
        f"  {target}: {', '.join(names)}" for target, names in sorted(collisions.items())
    )


def test_destination_merges_both_framework_trees_into_src() -> None:
    environment = _path_environment()
    source = PurePosixPath("{% if is_django %}src{% endif %}/{{project_slug}}/core/views.py")
    django = {"is_django": True, "project_slug": "svc"}
    assert destination(source, django, environment) == PurePosixPath("src/svc/core/views.py")
    assert destination(source, {"is_django": False, "project_slug": "svc"}, environment) is None


def test_destination_drops_the_templates_suffix() -> None:
    environment = _path_environment()
    source = PurePosixPath("{% if use_jwt %}test_auth.py{% endif %}.jinja")
    assert destination(source, {"use_jwt": True}, environment) == PurePosixPath("test_auth.py")


def test_template_contract_lists_every_derived_name() -> None:
    contract = (REPO_ROOT / "docs" / "template-contract.md").read_text()
    names = sorted(DerivedContext.__annotations__)
    missing = [name for name in names if f"`{name}`" not in contract]
    assert names
    assert not missing, (
        f"docs/template-contract.md does not list these derived names (in backticks): {missing}"
    )
