"""The template's pure filters and derived context (extensions/context.py)."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

from extensions.context import (
    RUFF_LINE_LENGTH,
    DerivedContext,
    DjangoSettingsClass,
    derive_context,
    email_problem,
    py_str,
    recorded_answers,
    requirements,
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


@pytest.mark.parametrize("slug", ["my_service", "billing2", "ab", "a_b", "x" * 39])
def test_slug_problem_accepts_a_valid_package_name(slug: str) -> None:
    assert slug_problem(slug) == ""


@pytest.mark.parametrize(
    ("slug", "says"),
    [
        ("1abc", "is not a valid package name"),
        ("My-Service", "is not a valid package name"),
        ("a", "is not a valid package name"),
        ("x" * 40, "is not a valid package name"),
        # pyproject.toml and uv refuse a distribution name that ends with an underscore.
        ("my_service_", "ending with a letter or digit"),
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
            "task_queue": "none",
        }
    )
    assert derived.get("use_jwt") is False
    assert derived.get("docs_enabled") is True
    assert derived.get("docs_basic") is True
    assert derived.get("use_postgres") is False
    assert derived.get("use_redis") is True
    assert derived.get("use_dependabot") is False
    assert derived.get("registry_host") == "docker.io"
    assert derived.get("python_image") == "python:3.12-slim"
    assert derived.get("ruff_target") == "py312"
    assert derived.get("backing_services", []) == ["redis"]


def test_derive_context_ignores_registry_and_dependabot_without_github_ci() -> None:
    derived = derive_context({"ci": "none", "container_registry": "dockerhub", "dependabot": True})
    assert derived.get("use_github") is False
    assert derived.get("use_dependabot") is False
    assert derived.get("registry_host") == "ghcr.io"


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


FULL_ANSWERS: dict[str, object] = {
    "project_name": "Demo",
    "project_slug": "demo",
    "python_version": "3.13",
    "framework": "fastapi",
    "auth": "jwt",
    "api_docs": "public",
    "database": "postgresql",
    "read_replica": False,
    "spatial": False,
    "cache": "redis",
    "task_queue": "none",
    "realtime": "none",
    "object_storage": "none",
    "observability": "metrics",
    "error_tracking": "none",
    "ci": "github",
    "container_registry": "ghcr",
    "dependabot": True,
}

# Every combination of the answers the derived lists depend on.
FEATURE_ANSWERS = [
    {
        **FULL_ANSWERS,
        "framework": framework,
        "auth": auth,
        "api_docs": api_docs,
        "database": database,
        "cache": cache,
        "ci": ci,
    }
    for framework, auth, api_docs, database, cache, ci in itertools.product(
        ("fastapi", "django"),
        ("jwt", "none"),
        ("public", "basic", "off"),
        ("postgresql", "sqlite"),
        ("redis", "none"),
        ("github", "none"),
    )
]
# Platform services on (issue 10), on both frameworks and both brokers; every flag is on in one.
PLATFORM_ANSWERS = [
    {
        **FULL_ANSWERS,
        "framework": framework,
        "cache": cache,
        "read_replica": True,
        "spatial": True,
        "task_queue": "celery",
        "broker": broker,
        "realtime": "sse",
        "object_storage": "s3",
        "cdn": cdn,
        "error_tracking": "sentry",
        "observability": "full",
    }
    for framework, cache, broker, cdn in itertools.product(
        ("fastapi", "django"),
        ("redis", "none"),
        ("redis", "rabbitmq"),
        ("cloudfront", "cloudflare"),
    )
]
PARTIALS = Path(__file__).resolve().parents[2] / "partials"


@pytest.mark.parametrize(
    ("answers", "on"),
    [
        ({}, set[str]()),
        ({"read_replica": True, "spatial": True}, {"use_replica", "use_spatial"}),
        # Skipped questions are off whatever they carry: replicas need PostgreSQL.
        ({"database": "sqlite", "read_replica": True, "spatial": True}, set[str]()),
        ({"task_queue": "celery"}, {"use_celery", "broker_redis", "redis_service"}),
        (
            {"task_queue": "celery", "broker": "rabbitmq", "cache": "none"},
            {"use_celery", "broker_rabbitmq"},
        ),
        # A Redis broker brings the Redis service even without the cache.
        (
            {"task_queue": "celery", "cache": "none"},
            {"use_celery", "broker_redis", "redis_service"},
        ),
        ({"realtime": "sse"}, {"use_sse"}),
        ({"realtime": "sse", "cache": "none"}, set[str]()),
        ({"object_storage": "s3"}, {"use_s3"}),
        ({"object_storage": "s3", "cdn": "cloudfront"}, {"use_s3", "use_cdn", "use_cloudfront"}),
        ({"object_storage": "s3", "cdn": "cloudflare"}, {"use_s3", "use_cdn"}),
        ({"object_storage": "none", "cdn": "cloudflare"}, set[str]()),
        ({"observability": "full"}, {"use_metrics", "use_tracing"}),
        # The worker's metrics need both.
        (
            {"observability": "metrics", "task_queue": "celery"},
            {"use_celery", "broker_redis", "redis_service", "use_worker_metrics"},
        ),
        ({"observability": "none"}, set[str]()),
        ({"error_tracking": "sentry"}, {"use_sentry"}),
    ],
)
def test_platform_flags_follow_their_answers_and_the_questions_asked(
    answers: dict[str, object], on: set[str]
) -> None:
    platform = {
        "use_replica", "use_spatial", "use_celery", "broker_redis", "broker_rabbitmq",
        "use_sse", "use_s3", "use_cdn", "use_cloudfront", "use_tracing", "use_sentry",
        "use_worker_metrics",
    }  # fmt: skip
    derived = derive_context({**FULL_ANSWERS, "observability": "none", **answers})
    expected = on | ({"redis_service"} if derived.get("use_redis") else set[str]())
    if answers.get("observability", "none") != "none":
        expected.add("use_metrics")
    flags = {name for name in platform | {"redis_service", "use_metrics"} if derived.get(name)}
    assert flags == expected


def test_derive_context_returns_every_declared_name_for_complete_answers() -> None:
    assert set(derive_context(dict(FULL_ANSWERS))) == set(DerivedContext.__annotations__)


def test_derive_context_leaves_lists_out_while_their_answers_are_unknown() -> None:
    derived = derive_context({"framework": "django", "auth": "jwt"})
    assert "dependencies" not in derived
    assert "readme_sections" not in derived
    assert derived.get("is_django") is True


def test_requirements_keep_the_rows_whose_flags_are_all_true_in_order() -> None:
    table = ((("a",), "one", ""), (("a", "b"), "two", "why"), ((), "three", ""))
    assert requirements(table, {"a": True, "b": False}) == [
        {"spec": "one", "comment": ""},
        {"spec": "three", "comment": ""},
    ]


def _specs(answers: dict[str, object], key: str = "dependencies") -> list[str]:
    derived = derive_context(answers)
    listed = derived.get("dev_dependencies" if key == "dev" else "dependencies", [])
    return [requirement["spec"].split(">")[0] for requirement in listed]


def test_dependencies_follow_the_framework_database_and_features() -> None:
    fastapi = _specs(dict(FULL_ANSWERS))
    assert {"fastapi", "asyncpg", "pyjwt", "redis", "gunicorn"} <= set(fastapi)
    assert "django" not in fastapi
    django = _specs({**FULL_ANSWERS, "framework": "django", "database": "sqlite", "cache": "none"})
    assert {"django", "djangorestframework-simplejwt", "whitenoise"} <= set(django)
    assert not {"psycopg[binary,pool]", "redis", "fastapi", "asyncpg"} & set(django)


def test_dev_dependencies_carry_each_framework_test_plugin() -> None:
    assert "pytest-asyncio" in _specs(dict(FULL_ANSWERS), "dev")
    assert "pytest-django" in _specs({**FULL_ANSWERS, "framework": "django"}, "dev")


@pytest.mark.parametrize("answers", FEATURE_ANSWERS + PLATFORM_ANSWERS)
def test_dependency_lists_name_each_package_once(answers: dict[str, object]) -> None:
    for key in ("dependencies", "dev"):
        specs = _specs(answers, key)
        assert len(specs) == len(set(specs)), specs


def test_compose_lists_follow_framework_database_and_cache() -> None:
    # The observability profile's services are tested in test_observability_context.py.
    django = derive_context({**FULL_ANSWERS, "framework": "django", "observability": "none"})
    assert django.get("compose_services", []) == ["admin", "db", "redis"]
    assert django.get("compose_volumes", []) == ["db-data", "redis-data"]
    fastapi = derive_context(
        {**FULL_ANSWERS, "database": "sqlite", "cache": "none", "observability": "none"}
    )
    assert fastapi.get("compose_services", []) == []
    assert fastapi.get("compose_volumes", []) == ["app-data"]
    assert fastapi.get("backing_services", []) == []


def _settings_modules(answers: dict[str, object]) -> list[str]:
    derived = derive_context(answers)
    return [part["module"] for part in derived.get("fastapi_feature_settings", [])]


@pytest.mark.parametrize("answers", PLATFORM_ANSWERS)
def test_fastapi_feature_settings_come_in_ruffs_import_order(answers: dict[str, object]) -> None:
    modules = _settings_modules(answers)
    # isort's order: `..` before `.`, then by module (core/features.py imports them as listed).
    assert modules == sorted(
        modules, key=lambda module: (-len(module) + len(module.lstrip(".")), module)
    )


def test_fastapi_feature_settings_follow_the_services_and_are_fastapis_only() -> None:
    everything = _settings_modules({**PLATFORM_ANSWERS[0], "cdn": "cloudfront"})
    django = _settings_modules({**PLATFORM_ANSWERS[0], "framework": "django"})
    bare = {**FULL_ANSWERS, "auth": "none", "cache": "none", "observability": "none"}
    assert len(everything) == 11
    assert django == []
    assert _settings_modules(bare) == []


def _member_order(name: str) -> tuple[int, str]:
    # isort's order-by-type: constants, then classes, then the rest.
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


@pytest.mark.parametrize("answers", PLATFORM_ANSWERS)
def test_test_package_names_come_in_ruffs_import_order(answers: dict[str, object]) -> None:
    names = derive_context(answers).get("test_package_names", [])
    keys = [(part["module"], *_member_order(part["name"])) for part in names]
    assert keys == sorted(keys)
    assert len(names) > 20


def test_test_package_names_follow_the_services_and_wrap_past_the_line_length() -> None:
    bare = {**FULL_ANSWERS, "auth": "none", "cache": "none", "observability": "none"}
    assert derive_context(bare).get("test_package_names") == []
    jwt = derive_context({**bare, "auth": "jwt"}).get("test_package_names", [])
    assert [(part["module"], part["name"]) for part in jwt] == [("api.accounts", "RecentlyActive")]
    long_slug = "a" * 39
    wrapped = derive_context({**PLATFORM_ANSWERS[0], "project_slug": long_slug})
    for part in wrapped.get("test_package_names", []):
        line = f"from {long_slug}.{part['module']} import {part['name']} as {part['name']}"
        assert part["wrap"] == (len(line) > RUFF_LINE_LENGTH)
    assert any(part["wrap"] for part in wrapped.get("test_package_names", []))


def _django_settings(answers: dict[str, object]) -> list[DjangoSettingsClass]:
    return derive_context(answers).get("django_feature_settings", [])


# Django with every optional part on: jwt, Redis, the replica, celery, sse, s3 with CloudFront,
# full observability and Sentry.
DJANGO_EVERYTHING: dict[str, object] = {**PLATFORM_ANSWERS[0], "framework": "django"}
DJANGO_SOURCES = PARTIALS.parent / "template" / "{% if is_django %}src{% endif %}"
# The package's modules both frameworks share (the optional parts' settings among them).
SHARED_SOURCES = PARTIALS.parent / "template" / "src"


@pytest.mark.parametrize("answers", PLATFORM_ANSWERS + FEATURE_ANSWERS)
def test_django_feature_settings_come_in_ruffs_import_order(answers: dict[str, object]) -> None:
    # config/features.py imports them as listed: `from <slug>.<module> import <name>`.
    modules = [part["module"] for part in _django_settings(answers)]
    assert modules == sorted(modules)


def test_django_feature_settings_follow_the_parts_and_are_djangos_only() -> None:
    bare = {
        **FULL_ANSWERS,
        "framework": "django",
        "auth": "none",
        "cache": "none",
        "observability": "none",
    }
    assert len(_django_settings(DJANGO_EVERYTHING)) == 11
    assert _django_settings(PLATFORM_ANSWERS[0]) == []
    assert _django_settings(bare) == []
    metrics_only = _django_settings({**bare, "observability": "metrics"})
    assert metrics_only == [
        {
            "module": "core.metrics_settings",
            "name": "MetricsSettings",
            "integration": False,
            "wrap": False,
        }
    ]


def test_django_feature_settings_wrap_exactly_past_the_line_length() -> None:
    # config/features.py imports a class in parentheses where its line would pass the length.
    long_slug = "z" * 39
    parts = _django_settings({**DJANGO_EVERYTHING, "project_slug": long_slug})
    for part in parts:
        line = f"from {long_slug}.{part['module']} import {part['name']}"
        assert part["wrap"] == (len(line) > RUFF_LINE_LENGTH)
    assert any(part["wrap"] for part in parts)
    assert not any(part["wrap"] for part in _django_settings(DJANGO_EVERYTHING))


def test_django_integration_settings_are_those_the_integration_modules_read() -> None:
    # config/settings/integrations/{jwt,redis,replica}.py make Django settings of these; the
    # other classes' fields become Django settings of the same names.
    parts = _django_settings(DJANGO_EVERYTHING)
    integration = {part["name"] for part in parts if part["integration"]}
    assert integration == {"AuthSettings", "RedisSettings", "ReplicaSettings"}


def test_django_feature_settings_name_classes_of_the_package() -> None:
    sources = {
        re.sub(r"{%.*?%}", "", path.relative_to(root).as_posix()): path
        for root in (DJANGO_SOURCES, SHARED_SOURCES)
        for path in root.rglob("*")
        if path.is_file()
    }
    for part in _django_settings(DJANGO_EVERYTHING):
        source = sources["{{project_slug}}/" + part["module"].replace(".", "/") + ".py"]
        assert f"class {part['name']}(" in source.read_text(), part


def test_compose_runs_each_platform_service_its_flags_ask_for() -> None:
    # fastapi, redis cache, rabbitmq; the observability profile's services come after these.
    rabbit = derive_context({**PLATFORM_ANSWERS[2], "observability": "none"})
    assert rabbit.get("compose_services", []) == ["db", "redis", "rabbitmq", "s3", "celery"]
    assert rabbit.get("backing_services", []) == ["db", "redis", "rabbitmq"]
    assert rabbit.get("compose_volumes", []) == [
        "db-data", "redis-data", "rabbitmq-data", "s3-data"
    ]  # fmt: skip
    # A Redis broker without the cache still runs Redis, for the broker alone.
    broker_only = derive_context(
        {**FULL_ANSWERS, "cache": "none", "task_queue": "celery", "observability": "none"}
    )
    assert broker_only.get("compose_services", []) == ["db", "redis", "celery"]
    assert broker_only.get("ci_services", []) == ["postgres", "redis"]
    values = {v["name"]: v["value"] for v in broker_only.get("compose_environment", [])}
    assert values["CELERY_BROKER_URL"] == "redis://redis:6379/1"
    assert "REDIS_URL" not in values


def test_platform_environment_points_compose_and_ci_at_their_services() -> None:
    derived = derive_context({**PLATFORM_ANSWERS[6]})  # fastapi, no cache, rabbitmq, cloudfront
    compose = {v["name"]: v["value"] for v in derived.get("compose_environment", [])}
    assert compose["CELERY_BROKER_URL"] == "amqp://app:${RABBITMQ_PASSWORD:-}@rabbitmq:5672//"
    assert "CELERY_RESULT_BACKEND" not in compose  # no Redis in this project
    assert compose["S3_BUCKET"] == "${S3_BUCKET:-demo}"
    assert compose["S3_ENDPOINT_URL"] == "http://s3:8333"
    ci = {v["name"]: v["value"] for v in derived.get("ci_environment", [])}
    assert ci["CELERY_BROKER_URL"] == "amqp://guest:guest@localhost:5672//"
    assert ci["S3_BUCKET"] == "test-bucket"
    assert derived.get("ci_services", []) == ["postgres", "rabbitmq"]


def test_django_spatial_uses_geodjangos_database_schemes() -> None:
    derived = derive_context({**PLATFORM_ANSWERS[8]})  # django
    assert derived.get("postgres_scheme") == "postgis"
    assert derived.get("sqlite_scheme") == "spatialite"
    compose = {v["name"]: v["value"] for v in derived.get("compose_environment", [])}
    assert compose["DATABASE_URL"].startswith("postgis://postgres:")


def test_compose_environment_points_the_app_at_its_services() -> None:
    variables = derive_context(dict(FULL_ANSWERS)).get("compose_environment", [])
    values = {variable["name"]: variable["value"] for variable in variables}
    assert values["DATABASE_URL"].startswith("postgresql+asyncpg://postgres:")
    assert values["DATABASE_URL"].endswith("@db:5432/demo")
    assert values["REDIS_URL"] == "redis://redis:6379/0"
    sqlite = derive_context({**FULL_ANSWERS, "framework": "django", "database": "sqlite"})
    sqlite_values = {v["name"]: v["value"] for v in sqlite.get("compose_environment", [])}
    assert sqlite_values["DATABASE_URL"] == "sqlite:////app/data/demo.db"
    assert "ALLOWED_HOSTS" in sqlite_values


@pytest.mark.parametrize("answers", FEATURE_ANSWERS + PLATFORM_ANSWERS)
def test_env_settings_list_each_name_once_with_a_section(answers: dict[str, object]) -> None:
    settings = derive_context(answers).get("env_settings", [])
    names = [setting["name"] for setting in settings]
    assert len(names) == len(set(names))
    assert all(setting["section"] for setting in settings)
    firsts = [
        s for i, s in enumerate(settings) if i == 0 or settings[i - 1]["section"] != s["section"]
    ]
    assert all(setting["spaced"] for setting in firsts)


def test_env_settings_bring_each_feature_with_its_toggle() -> None:
    def features(answers: dict[str, object]) -> dict[str, set[str]]:
        grouped: dict[str, set[str]] = {}
        for setting in derive_context(answers).get("env_settings", []):
            grouped.setdefault(setting["feature"], set()).add(setting["name"])
        return grouped

    everything = features({**FULL_ANSWERS, "framework": "django"})
    assert everything["jwt"] >= {"ACCESS_TOKEN_EXPIRE_MINUTES", "LOGIN_ATTEMPTS_PER_MINUTE"}
    assert everything["redis"] == {"REDIS_URL"}
    assert everything["django"] == {"CSRF_TRUSTED_ORIGINS", "APP_ROLE", "ADMIN_URL"}
    assert everything["postgres"] == {"POSTGRES_PASSWORD"}
    bare = features(
        {
            **FULL_ANSWERS,
            "auth": "none",
            "api_docs": "off",
            "database": "sqlite",
            "cache": "none",
            "observability": "none",
        }
    )
    # The docs settings stay with the docs off: DOCS_MODE turns them on again later.
    assert set(bare) == {"core", "docs"}
    assert bare["docs"] == {"DOCS_MODE", "DOCS_USERNAME", "DOCS_PASSWORD"}


def test_env_settings_fill_in_the_answers() -> None:
    settings = derive_context({**FULL_ANSWERS, "api_docs": "basic", "database": "sqlite"})
    values = {setting["name"]: setting["value"] for setting in settings.get("env_settings", [])}
    assert values["DATABASE_URL"] == "sqlite+aiosqlite:///./demo.db"
    assert values["DOCS_MODE"] == "basic"
    assert values["ALLOW_SQLITE_IN_PRODUCTION"] == "true"


def test_readme_sections_follow_framework_and_toggles() -> None:
    sections = derive_context(dict(FULL_ANSWERS)).get("readme_sections", [])
    assert sections[:3] == ["overview-fastapi", "endpoints", "bodies-fastapi"]
    assert {"accounts", "docs-public", "ci"} <= set(sections)
    bare = derive_context(
        {**FULL_ANSWERS, "framework": "django", "auth": "none", "api_docs": "off", "ci": "none"}
    ).get("readme_sections", [])
    assert "run-locally-django" in bare
    assert not {"accounts", "docs-public", "docs-basic", "ci"} & set(bare)
    assert "docs-off" in bare


@pytest.mark.parametrize("answers", FEATURE_ANSWERS + PLATFORM_ANSWERS)
def test_every_derived_partial_name_has_its_partial_file(answers: dict[str, object]) -> None:
    derived = derive_context(answers)
    wanted = [f"readme/{name}.md" for name in derived.get("readme_sections", [])]
    wanted += [f"readme/settings/{name}.md" for name in derived.get("readme_setting_groups", [])]
    for service in derived.get("compose_services", []):
        wanted += [f"compose/{service}.yaml", f"compose/{service}.override.yaml"]
    wanted += [f"compose/{service}.prod.yaml" for service in derived.get("compose_services", [])]
    wanted += [f"ci/{service}.yaml" for service in derived.get("ci_services", [])]
    framework = answers["framework"]
    wanted += [f"pyproject/ruff-{framework}.toml", f"pyproject/pytest-{framework}.toml"]
    missing = [name for name in wanted if not (PARTIALS / name).is_file()]
    assert not missing
