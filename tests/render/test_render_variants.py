"""The render tier: pairwise, a seeded sample and the presets render into parseable projects.

The variants (SPEC section 6) are the pairwise cover, a uniform sample of 500 answer sets
(every answer set while the space holds fewer) and every preset the template can build,
all read from copier.yml itself. For each: copier exits cleanly; no Jinja is left in any
file; every YAML, TOML, JSON and Python file parses; files exist exactly when their
toggle asks; the generated Python is ruff clean.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from stackcraft.checks import render_problems
from stackcraft.template import Template
from stackcraft.variants import Variant, enumerate_pairwise, enumerate_presets, enumerate_sample
from tests.render.conftest import Render, assert_ruff_clean

SAMPLE_SIZE = 500
SAMPLE_SEED = 1


def _render_tier(template: Template) -> list[Variant]:
    chosen: dict[str, Variant] = {}
    for variant in (
        *enumerate_pairwise(template),
        *enumerate_sample(template, count=SAMPLE_SIZE, seed=SAMPLE_SEED),
        *enumerate_presets(template),
    ):
        chosen.setdefault(variant.id, variant)
    return list(chosen.values())


VARIANTS = _render_tier(Template.load())

Answers = Mapping[str, object]

# Each toggled path (with {slug}) and the answers under which it must exist.


def _fastapi(a: Answers) -> bool:
    return a["framework"] == "fastapi"


def _django(a: Answers) -> bool:
    return a["framework"] == "django"


def _jwt(a: Answers) -> bool:
    return a["auth"] == "jwt"


# Each toggled path (with {slug}) and the answers under which it must exist.
TOGGLED_FILES: dict[str, Callable[[Answers], bool]] = {
    ".github/workflows/ci.yml": lambda a: a["ci"] == "github",
    ".github/workflows/release.yml": lambda a: a["ci"] == "github",
    ".github/dependabot.yml": lambda a: a.get("dependabot") is True,
    # FastAPI's own tree
    "alembic.ini": _fastapi,
    "migrations/env.py": _fastapi,
    "src/{slug}/main.py": _fastapi,
    "src/{slug}/core/config.py": _fastapi,
    "src/{slug}/api/routes/health.py": _fastapi,
    "src/{slug}/api/routes/items.py": _fastapi,
    "src/{slug}/api/routes/auth.py": lambda a: _fastapi(a) and _jwt(a),
    "src/{slug}/api/routes/users.py": lambda a: _fastapi(a) and _jwt(a),
    "src/{slug}/core/security.py": lambda a: _fastapi(a) and _jwt(a),
    "src/{slug}/core/redis.py": lambda a: a["cache"] == "redis",
    "src/{slug}/core/ratelimit_redis.py": lambda a: (
        _fastapi(a) and _jwt(a) and a["cache"] == "redis"
    ),
    "src/{slug}/api/routes/docs.py": _fastapi,
    "src/{slug}/ownership.py": _fastapi,
    "src/{slug}/accounts.py": lambda a: _fastapi(a) and _jwt(a),
    "src/{slug}/api/accounts.py": lambda a: _fastapi(a) and _jwt(a),
    "tests/test_postgresql_outages.py": lambda a: _fastapi(a) and a["database"] == "postgresql",
    # Django's own tree
    "manage.py": _django,
    "config/settings/base.py": _django,
    "config/settings/local.py": _django,
    "config/settings/production.py": _django,
    "config/settings/test.py": _django,
    "config/urls.py": _django,
    "config/asgi.py": _django,
    "config/wsgi.py": _django,
    "src/{slug}/users/models.py": _django,
    "src/{slug}/items/views.py": _django,
    "src/{slug}/core/views.py": _django,
    "src/{slug}/users/views.py": lambda a: _django(a) and _jwt(a),
    "src/{slug}/core/docs.py": _django,
    # Either framework, only when its toggle asks
    "tests/test_auth.py": _jwt,
    "tests/test_item_ownership.py": _jwt,
    "tests/test_redis.py": lambda a: a["cache"] == "redis",
    "tests/test_login_limit_redis.py": lambda a: _jwt(a) and a["cache"] == "redis",
}

# Files every variant has, whatever the framework.
ALWAYS = (
    "README.md",
    "pyproject.toml",
    ".env",
    ".env.example",
    ".gitignore",
    ".dockerignore",
    ".editorconfig",
    ".pre-commit-config.yaml",
    ".copier-answers.yml",
    "Dockerfile",
    "compose.yaml",
    "compose.override.yaml",
    "compose.prod.yaml",
    "gunicorn.conf.py",
    "deploy/nginx/conf.d/default.conf",
    "src/{slug}/cli.py",
    "src/{slug}/commands.py",
    "tests/test_health.py",
    "tests/test_items.py",
)


@pytest.fixture(params=VARIANTS, ids=[variant.id for variant in VARIANTS])
def rendered(request: pytest.FixtureRequest, render: Render) -> tuple[Variant, Path]:
    variant = cast("Variant", request.param)
    result = render(variant.data)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    assert result.project_dir is not None
    return variant, result.project_dir


def test_variant_renders_a_complete_parseable_ruff_clean_project(
    rendered: tuple[Variant, Path],
) -> None:
    variant, project = rendered
    answers: Answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    slug = str(answers["project_slug"])
    for key, value in variant.data.items():
        assert answers[key] == value, key

    assert render_problems(project) == []

    for name in ALWAYS:
        assert (project / name.format(slug=slug)).is_file(), name
    for name, wanted in TOGGLED_FILES.items():
        assert (project / name.format(slug=slug)).is_file() == wanted(answers), name

    _assert_services_follow_toggles(project, answers)
    assert_ruff_clean(project)


def _assert_services_follow_toggles(project: Path, answers: Answers) -> None:
    compose = cast("dict[str, Any]", yaml.safe_load((project / "compose.yaml").read_text()))
    services = set(cast("dict[str, Any]", compose["services"]))
    assert ("db" in services) == (answers["database"] == "postgresql")
    assert ("redis" in services) == (answers["cache"] == "redis")
    assert ("admin" in services) == _django(answers)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    deps = " ".join(cast("list[str]", pyproject["project"]["dependencies"]))
    driver = "psycopg" if _django(answers) else "asyncpg"
    assert (driver in deps) == (answers["database"] == "postgresql")
    assert ("redis" in deps) == (answers["cache"] == "redis")
    assert ("django" in deps.lower()) == _django(answers)
    assert ("fastapi" in deps) == _fastapi(answers)
    gunicorn = (project / "gunicorn.conf.py").read_text()
    app = "config.asgi:application" if _django(answers) else f"{answers['project_slug']}.main:app"
    assert f'wsgi_app = "{app}"' in gunicorn
    assert pyproject["project"]["requires-python"] == f"~={answers['python_version']}.0"
