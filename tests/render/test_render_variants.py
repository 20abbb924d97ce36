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


def _metrics(a: Answers) -> bool:
    return a["observability"] in {"metrics", "full"}


def _full(a: Answers) -> bool:
    return a["observability"] == "full"


def _sse(a: Answers) -> bool:
    return a["cache"] == "redis" and a.get("realtime") == "sse"


def _s3(a: Answers) -> bool:
    return a["object_storage"] == "s3"


def _cdn(a: Answers) -> bool:
    return _s3(a) and a.get("cdn", "none") != "none"


def _cloudfront(a: Answers) -> bool:
    return _s3(a) and a.get("cdn") == "cloudfront"


def _spatial(a: Answers) -> bool:
    return a["database"] == "postgresql" and a.get("spatial") is True


def _metrics_celery(a: Answers) -> bool:
    return _metrics(a) and a["task_queue"] == "celery"


def _celery(a: Answers) -> bool:
    return a["task_queue"] == "celery"


def _sentry(a: Answers) -> bool:
    return a["error_tracking"] == "sentry"


def _replica(a: Answers) -> bool:
    # Asked only with PostgreSQL.
    return a.get("read_replica") is True


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
    # FastAPI's core/features.py composes the optional parts' settings (as Django's
    # config/features.py does)
    "src/{slug}/core/features.py": _fastapi,
    # Either framework's settings class of an optional part, in a module of that part, one
    # source for both (what they build on, core/settings_base.py, is always there)
    "src/{slug}/core/auth_settings.py": _jwt,
    "src/{slug}/events_settings.py": _sse,
    "src/{slug}/core/redis_settings.py": lambda a: a["cache"] == "redis",
    "src/{slug}/core/replica_settings.py": _replica,
    "src/{slug}/core/metrics_settings.py": _metrics,
    "src/{slug}/core/sentry_settings.py": _sentry,
    "src/{slug}/core/tracing_settings.py": _full,
    "src/{slug}/jobs/settings.py": _celery,
    "src/{slug}/attachments/settings.py": _s3,
    "src/{slug}/attachments/cdn_settings.py": _cdn,
    "src/{slug}/attachments/cloudfront_settings.py": _cloudfront,
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
    "tests/test_config_celery.py": lambda a: _fastapi(a) and _celery(a),
    "tests/test_events_celery.py": lambda a: _fastapi(a) and _sse(a) and _celery(a),
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
    "src/{slug}/core/asgi.py": _django,
    "src/{slug}/core/api.py": _django,
    "src/{slug}/core/checks.py": _django,
    "tests/test_asgi.py": _django,
    "tests/test_settings_celery.py": lambda a: _django(a) and _celery(a),
    "src/{slug}/users/authentication.py": lambda a: _django(a) and _jwt(a),
    "src/{slug}/users/cache.py": lambda a: _django(a) and _jwt(a),
    "src/{slug}/users/apps.py": lambda a: _django(a) and _jwt(a),
    "config/features.py": _django,
    "config/env.py": _django,
    "config/settings/integrations/__init__.py": _django,
    "config/settings/integrations/jwt.py": lambda a: _django(a) and _jwt(a),
    "config/settings/integrations/redis.py": lambda a: _django(a) and a["cache"] == "redis",
    "config/settings/integrations/replica.py": lambda a: _django(a) and _replica(a),
    # Django's platform services (issue 10): an app each
    "src/{slug}/events/hub.py": lambda a: _django(a) and _sse(a),
    "src/{slug}/events/views.py": lambda a: _django(a) and _sse(a),
    "tests/test_events.py": _sse,
    "tests/test_events_jwt.py": lambda a: _sse(a) and _jwt(a),
    "src/{slug}/attachments/views.py": lambda a: _django(a) and _s3(a),
    "src/{slug}/attachments/migrations/0001_initial.py": lambda a: _django(a) and _s3(a),
    # Either framework's attachments package holds these
    "src/{slug}/attachments/storage.py": _s3,
    "src/{slug}/attachments/cdn.py": _cdn,
    "src/{slug}/attachments/cloudfront.py": _cloudfront,
    "tests/test_attachments.py": _s3,
    "tests/test_attachments_jwt.py": lambda a: _s3(a) and _jwt(a),
    "tests/test_cdn.py": _cdn,
    "tests/test_cloudfront.py": _cloudfront,
    "src/{slug}/geo/views.py": lambda a: _django(a) and _spatial(a),
    "src/{slug}/items/migrations/0002_item_location.py": lambda a: _django(a) and _spatial(a),
    "tests/test_nearby.py": _spatial,
    "config/celery.py": lambda a: _django(a) and _celery(a),
    "src/{slug}/jobs/views.py": lambda a: _django(a) and _celery(a),
    "src/{slug}/jobs/apps.py": lambda a: _django(a) and _celery(a),
    "src/{slug}/jobs/migrations/0001_initial.py": lambda a: _django(a) and _celery(a),
    "src/{slug}/core/replica.py": lambda a: _django(a) and _replica(a),
    # Platform services (issue 10), either framework
    "src/{slug}/jobs/models.py": _celery,
    "src/{slug}/jobs/tasks.py": _celery,
    "src/{slug}/core/sentry.py": _sentry,
    "tests/test_jobs.py": _celery,
    "tests/test_worker.py": _celery,
    "tests/test_brokers.py": _celery,
    "tests/test_jobs_jwt.py": lambda a: _celery(a) and _jwt(a),
    "tests/test_replica.py": _replica,
    "tests/test_sentry.py": _sentry,
    # Django's observability (issue 11); FastAPI's files of the same name make these _metrics/_full
    # Either framework, only when its toggle asks
    "tests/test_auth.py": _jwt,
    "tests/test_item_ownership.py": _jwt,
    "tests/test_redis.py": lambda a: a["cache"] == "redis",
    "tests/test_login_limit_redis.py": lambda a: _jwt(a) and a["cache"] == "redis",
    "src/{slug}/integrations/redis.py": lambda a: _fastapi(a) and a["cache"] == "redis",
    "src/{slug}/integrations/redis_login_limit.py": (
        lambda a: _fastapi(a) and _jwt(a) and a["cache"] == "redis"
    ),
    # Observability (issue 11): the compose profile's configs; Alloy, Loki, Tempo for full
    "deploy/observability/prometheus/prometheus.yml": _metrics,
    "deploy/observability/prometheus/rules/service.yml": _metrics,
    "deploy/observability/prometheus/tests/service.test.yml": _metrics,
    "deploy/observability/prometheus/rules/tasks.yml": _metrics_celery,
    "deploy/observability/prometheus/tests/tasks.test.yml": _metrics_celery,
    "deploy/observability/grafana/provisioning/datasources/prometheus.yml": _metrics,
    "deploy/observability/grafana/provisioning/datasources/loki-tempo.yml": _full,
    "deploy/observability/grafana/provisioning/dashboards/dashboards.yml": _metrics,
    "deploy/observability/grafana/dashboards/service.json": _metrics,
    "deploy/observability/alloy/config.alloy": _full,
    "deploy/observability/alloy/host.alloy": _full,
    "deploy/observability/loki/loki.yml": _full,
    "deploy/observability/tempo/tempo.yml": _full,
    # FastAPI's code of it: /metrics, spans, the worker's task metrics, their tests
    # Either framework
    "src/{slug}/core/metrics.py": _metrics,
    "src/{slug}/api/routes/metrics.py": lambda a: _fastapi(a) and _metrics(a),
    "src/{slug}/integrations/metrics.py": lambda a: _fastapi(a) and _metrics(a),
    "src/{slug}/jobs/metrics.py": _metrics_celery,
    "tests/test_worker_metrics.py": _metrics_celery,
    "tests/test_metrics.py": _metrics,
    "src/{slug}/core/tracing.py": _full,
    "src/{slug}/integrations/tracing.py": lambda a: _fastapi(a) and _full(a),
    "tests/test_tracing.py": _full,
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
    # The package under test, the only test module that names it
    "tests/package.py",
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
    celery = answers.get("task_queue") == "celery"
    broker = answers.get("broker") if celery else None
    assert ("db" in services) == (answers["database"] == "postgresql")
    assert ("redis" in services) == (answers["cache"] == "redis" or broker == "redis")
    assert ("rabbitmq" in services) == (broker == "rabbitmq")
    assert ({"worker", "beat"} <= services) == celery
    assert ({"s3", "s3-init"} <= services) == (answers.get("object_storage") == "s3")
    assert ("admin" in services) == _django(answers)
    spatial = answers["database"] == "postgresql" and answers.get("spatial") is True
    if "db" in services:
        image = cast("dict[str, Any]", compose["services"])["db"]["image"]
        assert image.startswith("postgis/") == spatial

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    requirements = cast("list[str]", pyproject["project"]["dependencies"])
    deps = " ".join(requirements)
    driver = "psycopg" if _django(answers) else "asyncpg"
    assert (driver in deps) == (answers["database"] == "postgresql")
    assert any(r.startswith("redis>=") for r in requirements) == (answers["cache"] == "redis")
    assert ("celery" in deps) == celery
    assert ("sentry-sdk" in deps) == (answers.get("error_tracking") == "sentry")
    assert ("django" in deps.lower()) == _django(answers)
    assert ("fastapi" in deps) == _fastapi(answers)
    if _fastapi(answers):
        assert ("prometheus-client" in deps) == _metrics(answers)
        assert ("opentelemetry-sdk" in deps) == _full(answers)
        assert ("sqlalchemy<2.1" in requirements) == _full(answers)
    # gunicorn.conf.py serves Django's config/asgi.py where it exists, else the package's
    # main:app, the package being pyproject.toml's name.
    assert pyproject["project"]["name"] == answers["project_slug"]
    assert (project / "config" / "asgi.py").is_file() == _django(answers)
    main_module = project / "src" / str(answers["project_slug"]) / "main.py"
    assert main_module.is_file() == _fastapi(answers)
    assert pyproject["project"]["requires-python"] == f"~={answers['python_version']}.0"
