"""Copier extensions for stackcraft: pure, typed filters plus one context hook.

Every value derived from the answers is computed here, once, so template files read a
ready-made name (`use_postgres`, `registry_host`, ...) instead of re-deriving it in Jinja.
Copier loads this file by path through copier-template-extensions, so it imports nothing
from the rest of the repository.
"""

from __future__ import annotations

import json
import keyword
import re
import secrets
import shlex
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, TypedDict, cast

from copier_template_extensions import ContextHook
from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.ext import Extension

__all__ = [
    "RESERVED_NAMES",
    "RUFF_LINE_LENGTH",
    "ComposeVariable",
    "ContextUpdater",
    "DerivedContext",
    "DjangoSettingsClass",
    "EnvSetting",
    "PackageName",
    "Requirement",
    "SettingsClass",
    "StackcraftFilters",
    "backing_services",
    "bucket_name",
    "ci_environment",
    "ci_services",
    "compose_environment",
    "compose_services",
    "compose_volumes",
    "derive_context",
    "django_feature_settings",
    "email_problem",
    "env_settings",
    "hcl_str",
    "json_str",
    "md_text",
    "py_str",
    "readme_sections",
    "readme_setting_groups",
    "requirements",
    "sh_str",
    "slug_problem",
    "slugify",
    "test_package_names",
    "text_problem",
    "toml_str",
    "yaml_str",
]

# A package name that is also a valid distribution name (PEP 508: it ends with a letter or
# digit, so pyproject.toml and uv accept it).
SLUG_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,37}[a-z0-9]$")
EMAIL_PATTERN: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

# Package names a generated service imports (or that tools treat specially): a project
# named after one would shadow it.
RESERVED_NAMES: Final = frozenset(
    {
        "aioboto3",
        "aiosqlite",
        "alembic",
        "app",
        "argon2",
        "asyncpg",
        "boto3",
        "botocore",
        "celery",
        "config",
        "django",
        "fastapi",
        "geoalchemy2",
        "gunicorn",
        "httpx",
        "jwt",
        "kombu",
        "migrations",
        "opentelemetry",
        "orjson",
        "prometheus_client",
        "pydantic",
        "pydantic_settings",
        "pytest",
        "redis",
        "rest_framework",
        "sentry_sdk",
        "shapely",
        "site",
        "sqlalchemy",
        "src",
        "sse_starlette",
        "starlette",
        "storages",
        "tests",
        "uvicorn",
        "uvloop",
    }
)

REGISTRY_HOSTS: Final = {"ghcr": "ghcr.io", "dockerhub": "docker.io"}
# The generated project's line length (pyproject.toml's ruff settings).
RUFF_LINE_LENGTH: Final = 100


def needs_wrap(line: str) -> bool:
    """Return whether ruff would wrap `line` (an import a template writes on one line)."""
    return len(line) > RUFF_LINE_LENGTH


def slugify(name: object) -> str:
    """Return the default project slug for a project name: 'My API!' -> 'my_api'.

    The result may still be refused by `slug_problem` (too short, a reserved name); the
    user is then asked for another.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    slug = re.sub(r"^[0-9_]+", "", slug)
    return slug[:39].rstrip("_")


def slug_problem(value: object) -> str:
    """Return why `value` cannot be a project slug, or "" when it can."""
    slug = str(value)
    allowed = (
        "use 2-39 lowercase letters, digits or underscores, starting with a letter "
        "and ending with a letter or digit"
    )
    if not SLUG_PATTERN.fullmatch(slug):
        return f"project_slug '{slug}' is not a valid package name: {allowed}"
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return f"project_slug '{slug}' is a Python keyword: choose another name, e.g. '{slug}_svc'"
    if slug in sys.stdlib_module_names:
        return (
            f"project_slug '{slug}' is a Python standard-library module: "
            f"choose another name, e.g. '{slug}_svc'"
        )
    if slug in RESERVED_NAMES:
        return (
            f"project_slug '{slug}' would shadow the '{slug}' package the service uses: "
            f"choose another name, e.g. '{slug}_svc'"
        )
    return ""


def email_problem(value: object) -> str:
    """Return why `value` is not a usable email address, or "" when it is."""
    email = str(value)
    if EMAIL_PATTERN.fullmatch(email) and not _has_control_characters(email):
        return ""
    return f"author_email '{email}' is not an email address: use the form name@example.com"


def text_problem(value: object, key: str) -> str:
    """Return why `value` is not a usable one-line answer for `key`, or "" when it is."""
    text = str(value)
    if not text.strip():
        return f"{key} is empty: give one line of text"
    if _has_control_characters(text):
        return f"{key} {text!r} holds a line break or control character: give one line of text"
    if any(delimiter in text for delimiter in _JINJA_DELIMITERS):
        return (
            f"{key} {text!r} holds a template delimiter ({{{{, {{% or {{#): "
            "write it without the braces"
        )
    if len(text) > 200:
        return f"{key} is {len(text)} characters long: keep it to 200"
    return ""


def py_str(value: object) -> str:
    """Return `value` as a Python string literal quoted the way `ruff format` writes it.

    Double quotes unless single quotes need fewer escapes. Accented Latin letters and emoji
    are kept as they are; any other non-ASCII character is written as a named escape
    (`\\N{GREEK SMALL LETTER ALPHA}`), so the literal holds the exact value while ruff's
    ambiguous-character rule (RUF001) and invisible direction overrides cannot touch it.
    """
    text = "".join(_py_char(char) for char in str(value))
    quote = "'" if text.count("'") < text.count('"') else '"'
    return quote + text.replace(quote, "\\" + quote) + quote


def _py_char(char: str) -> str:
    if char in _PY_ESCAPES:
        return _PY_ESCAPES[char]
    if " " <= char <= "~" or _kept_as_is(char):
        return char
    name = unicodedata.name(char, "")
    return f"\\N{{{name}}}" if name else f"\\u{ord(char):04x}"


def _kept_as_is(char: str) -> bool:
    code = ord(char)
    latin_letter = 0xC0 <= code <= 0x17F and char not in _CONFUSABLE_LATIN
    emoji = unicodedata.category(char) == "So" and (code >= 0x1F000 or 0x2600 <= code <= 0x27BF)
    return latin_letter or emoji


def toml_str(value: object) -> str:
    """Return `value` as a TOML basic string: quotes, backslashes and controls escaped.

    Non-ASCII text is kept as it is (TOML is UTF-8), so characters outside the Basic
    Multilingual Plane never turn into surrogate escapes, which TOML parsers refuse.
    """
    escaped: list[str] = []
    for char in str(value):
        if char in _TOML_ESCAPES:
            escaped.append(_TOML_ESCAPES[char])
        elif unicodedata.category(char) == "Cc":
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def json_str(value: object) -> str:
    """Return `value` as a JSON string, non-ASCII kept (also a valid YAML flow scalar)."""
    return json.dumps(str(value), ensure_ascii=False)


def yaml_str(value: object) -> str:
    """Return `value` as a double-quoted YAML scalar that reads back exactly.

    JSON strings are YAML double-quoted scalars; the line and paragraph separators that
    YAML treats as line breaks are escaped too.
    """
    return json_str(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def sh_str(value: object) -> str:
    """Return `value` quoted as one word for a POSIX shell (no expansion inside)."""
    return shlex.quote(str(value))


def hcl_str(value: object) -> str:
    """Return `value` as an HCL (Terraform) string, `${` and `%{` kept from interpolating."""
    text = json_str(value)
    return text.replace("${", "$${").replace("%{", "%%{")


def md_text(value: object) -> str:
    """Return `value` as Markdown text that shows literally (no HTML, emphasis or links)."""
    return _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match[0], str(value))


_PY_ESCAPES: Final = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# The characters of U+00C0-U+017F that ruff's RUF001 reads as look-alikes of ASCII ones
# (every one of the range checked with ruff 0.17).
_CONFUSABLE_LATIN: Final = frozenset(
    "\N{MULTIPLICATION SIGN}\N{LATIN SMALL LETTER DOTLESS I}\N{LATIN SMALL LETTER LONG S}"
)
_TOML_ESCAPES: Final = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
# Characters that would start HTML, emphasis, code, a link or a table cell.
_MARKDOWN_SPECIAL: Final = re.compile(r"[\\`*<>\[\]&|]")
_JINJA_DELIMITERS: Final = ("{{", "{%", "{#")
# Controls, and the separators some formats (YAML, JavaScript) read as line breaks.
_NOT_ONE_LINE: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in _NOT_ONE_LINE for char in text)


class Requirement(TypedDict):
    """One line of a dependency list in pyproject.toml, with the comment above it."""

    spec: str
    comment: str


class PackageName(TypedDict):
    """A name the generated tests import from the package (tests/package.py): `from
    <package>.<module> import <name> as <name>`, on one line, or `wrap`ped as ruff would.
    """

    module: str
    name: str
    wrap: bool


class SettingsClass(TypedDict):
    """An optional service's settings class FastAPI's core/features.py imports: `from module
    import name`, the module relative to core/.
    """

    module: str
    name: str


class DjangoSettingsClass(TypedDict):
    """An optional part's settings class Django's config/features.py imports: `from
    <slug>.<module> import <name>`. The fields of an `integration` class are read by a module
    of config/settings/integrations/; the others' become Django settings of the same names.
    """

    module: str
    name: str
    integration: bool
    # Past the line length on one line: imported in parentheses, as ruff would.
    wrap: bool


class EnvSetting(TypedDict):
    """One setting of .env.example: `NAME=value` under its comment (one string, may hold newlines).

    Settings come grouped: `section` is the `# --- heading` they appear under, `feature`
    the toggle that brings them (`core` for those every project has), and `spaced` says
    that a blank line comes before the setting. A `commented` setting is written as a
    comment (`# NAME=value`): its default is free text that no .env quoting keeps exactly.
    """

    name: str
    value: str
    comment: str
    section: str
    feature: str
    spaced: bool
    commented: bool


class ComposeVariable(TypedDict):
    """One variable compose.yaml passes to the app's processes, with its comment."""

    name: str
    value: str
    comment: str


class DerivedContext(TypedDict, total=False):
    """The names `derive_context` adds to every render (docs/template-contract.md lists them).

    Each name is present once the answers it depends on are known.
    """

    # framework
    is_fastapi: bool
    is_django: bool
    postgres_scheme: str
    sqlite_scheme: str
    admin_path: str
    source_dirs: list[str]
    wheel_packages: list[str]
    pyright_include: list[str]
    # features
    use_jwt: bool
    docs_enabled: bool
    docs_basic: bool
    use_postgres: bool
    use_redis: bool
    redis_login_limit: bool
    # platform (issue 10: services; issue 11: observability)
    use_replica: bool
    use_spatial: bool
    use_celery: bool
    broker_redis: bool
    broker_rabbitmq: bool
    redis_service: bool
    use_sse: bool
    use_s3: bool
    use_cdn: bool
    use_cloudfront: bool
    use_metrics: bool
    use_tracing: bool
    # the Celery worker serves task metrics (both frameworks; Django's test file is named on it)
    use_worker_metrics: bool
    use_sentry: bool
    use_github: bool
    use_dependabot: bool
    registry_host: str
    bucket_name: str
    django_feature_apps: list[str]
    django_asgi_middleware: list[str]
    fastapi_feature_settings: list[SettingsClass]
    test_package_names: list[PackageName]
    django_feature_settings: list[DjangoSettingsClass]
    python_image: str
    ruff_target: str
    ruff_line_length: int
    # what shared files loop over
    backing_services: list[str]
    compose_services: list[str]
    compose_volumes: list[str]
    compose_environment: list[ComposeVariable]
    ci_services: list[str]
    ci_environment: list[ComposeVariable]
    dependencies: list[Requirement]
    dev_dependencies: list[Requirement]
    env_settings: list[EnvSetting]
    readme_sections: list[str]
    readme_setting_groups: list[str]


def derive_context(answers: dict[str, Any]) -> DerivedContext:
    """Return the values derived from `answers`, keyed by the names template files use.

    Answers that are not known yet (while question defaults render) derive nothing, and
    a list that needs several answers appears only once all of them are known.
    """
    derived = DerivedContext()
    if "framework" in answers:
        derived.update(_framework_context(str(answers["framework"]), answers.get("project_slug")))
    if "auth" in answers:
        derived["use_jwt"] = answers["auth"] == "jwt"
    if "api_docs" in answers:
        derived["docs_enabled"] = answers["api_docs"] != "off"
        derived["docs_basic"] = answers["api_docs"] == "basic"
    if "database" in answers:
        derived["use_postgres"] = answers["database"] == "postgresql"
    if "cache" in answers:
        derived["use_redis"] = answers["cache"] == "redis"
    if "auth" in answers and "cache" in answers:
        # The login limiter's shared store: files for jwt with Redis exist on this one name.
        derived["redis_login_limit"] = answers["auth"] == "jwt" and answers["cache"] == "redis"
    derived.update(_platform_flags(answers))
    if derived.get("is_django") and derived.get("use_spatial"):
        # GeoDjango's backends: dj-database-url maps these schemes to them.
        derived["postgres_scheme"] = "postgis"
        derived["sqlite_scheme"] = "spatialite"
    if "is_django" in derived and "project_slug" in answers:
        slug = str(answers["project_slug"])
        apps = django_feature_apps(derived, slug) if derived["is_django"] else []
        derived["django_feature_apps"] = apps
        wrappers = django_asgi_middleware(derived) if derived["is_django"] else []
        derived["django_asgi_middleware"] = wrappers
    if "ci" in answers:
        derived["use_github"] = answers["ci"] == "github"
        derived["use_dependabot"] = derived["use_github"] and bool(answers.get("dependabot"))
        registry = answers.get("container_registry") if derived["use_github"] else None
        derived["registry_host"] = REGISTRY_HOSTS.get(str(registry or "ghcr"), "ghcr.io")
    if "python_version" in answers:
        version = str(answers["python_version"])
        derived["python_image"] = f"python:{version}-slim"
        derived["ruff_target"] = "py" + version.replace(".", "")
        derived["ruff_line_length"] = RUFF_LINE_LENGTH
    flags = _flags(derived)
    if flags.keys() >= {"use_postgres", "redis_service", "broker_rabbitmq"}:
        derived["backing_services"] = backing_services(flags)
    if flags.keys() >= _FEATURE_FLAGS:
        derived["dependencies"] = requirements(_DEPENDENCIES, flags)
        derived["dev_dependencies"] = requirements(_DEV_DEPENDENCIES, flags)
        derived["compose_services"] = compose_services(flags)
        derived["compose_volumes"] = compose_volumes(flags)
        derived["readme_setting_groups"] = readme_setting_groups(flags)
        derived["fastapi_feature_settings"] = (
            fastapi_feature_settings(flags) if flags["is_fastapi"] else []
        )
    if flags.keys() >= _FEATURE_FLAGS and "project_slug" in answers:
        slug = str(answers["project_slug"])
        derived["django_feature_settings"] = (
            django_feature_settings(flags, slug) if flags["is_django"] else []
        )
        sqlite_scheme = derived.get("sqlite_scheme", "")
        derived["bucket_name"] = bucket_name(slug)
        derived["compose_environment"] = compose_environment(
            flags,
            slug,
            postgres_scheme=derived.get("postgres_scheme", ""),
            sqlite_scheme=sqlite_scheme,
            bucket=derived["bucket_name"],
        )
        derived["ci_services"] = ci_services(flags)
        derived["ci_environment"] = ci_environment(
            flags, postgres_scheme=derived.get("postgres_scheme", "")
        )
        derived["env_settings"] = env_settings(
            flags,
            slug,
            title=str(answers.get("project_name", "")),
            api_docs=str(answers["api_docs"]),
            admin_path=derived.get("admin_path", ""),
            sqlite_scheme=sqlite_scheme,
        )
    if flags.keys() >= _FEATURE_FLAGS | {"use_github"}:
        derived["readme_sections"] = readme_sections(flags)
    if flags.keys() >= _FEATURE_FLAGS and "project_slug" in answers:
        derived["test_package_names"] = test_package_names(flags, str(answers["project_slug"]))
    return derived


def django_feature_apps(flags: Mapping[str, object], slug: str) -> list[str]:
    """Return the Django apps the optional services add to INSTALLED_APPS, in order."""
    wanted = (
        ("django.contrib.gis", "use_spatial"),
        (f"{slug}.geo", "use_spatial"),
        (f"{slug}.events", "use_sse"),
        (f"{slug}.attachments", "use_s3"),
        (f"{slug}.jobs", "use_celery"),
    )
    return [app for app, flag in wanted if flags.get(flag)]


# FastAPI's optional services' settings classes and the flag each comes with, in the order of
# ruff's isort (`..` before `.`, then by module): core/features.py imports them in it, and
# its FeatureSettings lists them in it too, so their validators run last-listed first.
_FASTAPI_FEATURE_SETTINGS: Final = (
    ("..attachments.cdn_settings", "CdnSettings", "use_cdn"),
    ("..attachments.cloudfront_settings", "CloudFrontSettings", "use_cloudfront"),
    ("..attachments.settings", "AttachmentSettings", "use_s3"),
    ("..events_settings", "EventSettings", "use_sse"),
    ("..jobs.settings", "CelerySettings", "use_celery"),
    (".auth_settings", "AuthSettings", "use_jwt"),
    (".metrics_settings", "MetricsSettings", "use_metrics"),
    (".redis_settings", "RedisSettings", "use_redis"),
    (".replica_settings", "ReplicaSettings", "use_replica"),
    (".sentry_settings", "SentrySettings", "use_sentry"),
    (".tracing_settings", "TracingSettings", "use_tracing"),
)


def fastapi_feature_settings(flags: Mapping[str, bool]) -> list[SettingsClass]:
    """Return the settings classes of the optional services `flags` turn on, in import order."""
    return [
        {"module": module, "name": name}
        for module, name, flag in _FASTAPI_FEATURE_SETTINGS
        if flags.get(flag)
    ]


# Django's optional parts' settings classes (modules of the package), the flag each comes with,
# and whether an integration module reads them, in the order of ruff's isort (by module):
# config/features.py imports them in it and composes FeatureEnv and IntegrationEnv of them
# in it too, so their validators run last-listed first (the task queue's before CloudFront's).
_DJANGO_FEATURE_SETTINGS: Final = (
    ("attachments.cdn_settings", "CdnSettings", "use_cdn", False),
    ("attachments.cloudfront_settings", "CloudFrontSettings", "use_cloudfront", False),
    ("attachments.settings", "AttachmentSettings", "use_s3", False),
    ("core.auth_settings", "AuthSettings", "use_jwt", True),
    ("core.metrics_settings", "MetricsSettings", "use_metrics", False),
    ("core.redis_settings", "RedisSettings", "use_redis", True),
    ("core.replica_settings", "ReplicaSettings", "use_replica", True),
    ("core.sentry_settings", "SentrySettings", "use_sentry", False),
    ("core.tracing_settings", "TracingSettings", "use_tracing", False),
    ("events_settings", "EventSettings", "use_sse", False),
    ("jobs.settings", "CelerySettings", "use_celery", False),
)


def django_feature_settings(flags: Mapping[str, bool], slug: str) -> list[DjangoSettingsClass]:
    """Return the settings classes of the optional parts `flags` turn on, in import order,
    from package `slug`."""
    return [
        {
            "module": module,
            "name": name,
            "integration": integration,
            "wrap": needs_wrap(f"from {slug}.{module} import {name}"),
        }
        for module, name, flag, integration in _DJANGO_FEATURE_SETTINGS
        if flags.get(flag)
    ]


def django_asgi_middleware(flags: Mapping[str, object]) -> list[str]:
    """Return the ASGI wrappers of the Django app (modules under the package), innermost first.

    The server span (tracing) wraps the metrics' measuring, so their records carry its ids.
    """
    wanted = (
        ("core.metrics.instrument", "use_metrics"),
        ("core.tracing.instrument", "use_tracing"),
    )
    return [path for path, flag in wanted if flags.get(flag)]


def _platform_flags(answers: Mapping[str, Any]) -> DerivedContext:
    """The platform services' booleans, each once the answers it depends on are known.

    A question copier skips (its `when` is false) is off, whatever default it carries.
    """
    flags = DerivedContext()
    if "database" in answers:
        postgres = answers["database"] == "postgresql"
        flags["use_replica"] = postgres and answers.get("read_replica") is True
        flags["use_spatial"] = postgres and answers.get("spatial") is True
    if "task_queue" in answers:
        celery = flags["use_celery"] = answers["task_queue"] == "celery"
        flags["broker_redis"] = celery and answers.get("broker", "redis") == "redis"
        flags["broker_rabbitmq"] = celery and answers.get("broker") == "rabbitmq"
        if "cache" in answers:
            # Compose runs Redis for the cache, the broker, or both (databases 0 and 1).
            flags["redis_service"] = answers["cache"] == "redis" or flags["broker_redis"]
    if "cache" in answers:
        flags["use_sse"] = answers["cache"] == "redis" and answers.get("realtime") == "sse"
    if "object_storage" in answers:
        s3 = flags["use_s3"] = answers["object_storage"] == "s3"
        cdn = answers.get("cdn", "none") if s3 else "none"
        flags["use_cdn"] = cdn != "none"
        flags["use_cloudfront"] = cdn == "cloudfront"
    if "observability" in answers:
        flags["use_metrics"] = answers["observability"] in {"metrics", "full"}
        flags["use_tracing"] = answers["observability"] == "full"
        if "task_queue" in answers:
            flags["use_worker_metrics"] = flags["use_metrics"] and flags.get("use_celery", False)
    if "error_tracking" in answers:
        flags["use_sentry"] = answers["error_tracking"] == "sentry"
    return flags


def bucket_name(slug: str) -> str:
    """Return the default S3 bucket of a project: its slug, as S3 allows (no underscores)."""
    return slug.replace("_", "-")


def _framework_context(framework: str, slug: object) -> DerivedContext:
    """The names shared files need to run either framework the same way."""
    django = framework == "django"
    return {
        "is_fastapi": framework == "fastapi",
        "is_django": django,
        # What gunicorn serves (gunicorn.conf.py's wsgi_app).
        # DATABASE_URL schemes: SQLAlchemy names its async driver, Django's parser does not.
        "postgres_scheme": "postgresql" if django else "postgresql+asyncpg",
        "sqlite_scheme": "sqlite" if django else "sqlite+aiosqlite",
        # Where the Django admin is served (its own process; nginx routes the path to it).
        "admin_path": "manage/" if django else "",
        # Source folders besides src/ that development containers mount.
        "source_dirs": ["src", "config"] if django else ["src", "migrations"],
        # What the wheel packages and what pyright checks.
        "wheel_packages": [f"src/{slug}", "config"] if django else [f"src/{slug}"],
        "pyright_include": (
            ["src", "config", "tests", "manage.py", "gunicorn.conf.py"]
            if django
            else ["src", "tests", "migrations", "gunicorn.conf.py"]
        ),
    }


# The derived booleans the lists below are chosen by; a list is derived once all are known.
_FEATURE_FLAGS: Final = frozenset(
    {
        "is_fastapi",
        "is_django",
        "use_jwt",
        "docs_enabled",
        "docs_basic",
        "use_postgres",
        "use_redis",
        "use_replica",
        "use_spatial",
        "use_celery",
        "broker_redis",
        "broker_rabbitmq",
        "redis_service",
        "use_sse",
        "use_s3",
        "use_cdn",
        "use_cloudfront",
        "use_metrics",
        "use_tracing",
        "use_sentry",
    }
)


def _flags(derived: DerivedContext) -> dict[str, bool]:
    return {name: value for name, value in derived.items() if isinstance(value, bool)}


# (the derived booleans that must all be true, requirement, comment above it), in the
# order pyproject.toml lists them.
_Dependency = tuple[tuple[str, ...], str, str]
_ARGON2: Final = "argon2-cffi>=25.1"
_DEPENDENCIES: Final[tuple[_Dependency, ...]] = (
    (("is_fastapi",), "aiosqlite>=0.22", ""),
    (("is_fastapi",), "alembic>=1.20", ""),
    (("is_fastapi", "use_jwt"), _ARGON2, ""),
    (("is_fastapi", "use_jwt"), "email-validator>=2.3", ""),
    (("is_fastapi", "use_jwt"), "pyjwt>=2.15", ""),
    (("is_fastapi", "use_postgres"), "asyncpg>=0.32", ""),
    (("is_django", "use_jwt"), _ARGON2, ""),
    (
        ("is_django",),
        "asgiref>=3.13",
        "Django's async bridge; 3.13 lends a request a pooled thread (see core/asgi.py).",
    ),
    (("is_django",), "dj-database-url>=3.1", ""),
    (("is_django",), "django>=6.1", ""),
    (("is_django",), "django-cors-headers>=4.9", ""),
    (
        ("is_django",),
        "django-stubs-ext>=6.1",
        "Lets admin and form classes take type parameters at run time"
        " (see config/settings/base.py).",
    ),
    (("is_django",), "djangorestframework>=3.18", ""),
    (("is_django", "use_jwt"), "djangorestframework-simplejwt>=5.5", ""),
    (("is_django",), "drf-spectacular>=0.30", ""),
    (
        ("is_django", "use_postgres"),
        "psycopg[binary,pool]>=3.3",
        "psycopg 3 and its connection pool; the binary wheel brings its own libpq.",
    ),
    (("is_django",), "whitenoise>=6.12", ""),
    (("use_redis",), "redis>=8.1", ""),
    # platform services (issue 10)
    (
        ("broker_redis",),
        "celery[redis]>=5.7",
        "Celery's worker and beat; the redis extra brings its Redis transport.",
    ),
    (
        ("broker_rabbitmq",),
        "celery>=5.7",
        "Celery's worker and beat; RabbitMQ is spoken through kombu's py-amqp transport.",
    ),
    (("is_fastapi", "use_sse"), "sse-starlette>=3.7", ""),
    (("is_fastapi", "use_s3"), "aioboto3>=15.5", ""),
    (
        ("is_fastapi", "use_s3"),
        "python-multipart>=0.0.20",
        "Parses the upload form of the local-disk storage (no S3_BUCKET).",
    ),
    (("is_django", "use_s3"), "django-storages[s3]>=1.14.6", ""),
    (
        ("use_cloudfront",),
        "cryptography>=46",
        "RSA signatures for CloudFront signed URLs of private files.",
    ),
    (("is_fastapi", "use_spatial"), "geoalchemy2>=0.18", ""),
    # Below 3: sentry-sdk 3.0 replaced the privacy options core/sentry.py sets
    # (include_local_variables, send_default_pii) with data_collection, whose defaults send
    # user info and request bodies. Moving to it is a change of its own, with its tests.
    (
        ("is_fastapi", "use_sentry"),
        "sentry-sdk[fastapi]>=2.40,<3",
        "Below 3: 3.0 changed the privacy options core/sentry.py sets.",
    ),
    (
        ("is_django", "use_sentry"),
        "sentry-sdk[django]>=2.40,<3",
        "Below 3: 3.0 changed the privacy options core/sentry.py sets.",
    ),
    # observability (issue 11): core/metrics.py, core/tracing.py
    (
        ("is_django", "use_metrics"),
        "prometheus-client>=0.26",
        "GET /metrics; its multiprocess mode sums gunicorn's workers.",
    ),
    (("is_django", "use_tracing"), "opentelemetry-sdk>=1.45", ""),
    (("is_django", "use_tracing"), "opentelemetry-exporter-otlp-proto-http>=1.45", ""),
    (
        ("is_django", "use_tracing"),
        "opentelemetry-instrumentation-asgi>=0.66b1",
        "The server spans: on the event loop, where Django's instrumentation would use a thread.",
    ),
    (("is_django", "use_tracing"), "opentelemetry-instrumentation-sqlite3>=0.66b1", ""),
    (("is_django", "use_tracing"), "opentelemetry-instrumentation-urllib>=0.66b1", ""),
    (
        ("is_django", "use_tracing", "use_postgres"),
        "opentelemetry-instrumentation-psycopg>=0.66b1",
        "",
    ),
    (("is_django", "use_tracing", "use_redis"), "opentelemetry-instrumentation-redis>=0.66b1", ""),
    (
        ("is_django", "use_tracing", "use_celery"),
        "opentelemetry-instrumentation-celery>=0.66b1",
        "",
    ),
    (("is_fastapi",), "fastapi>=0.165", ""),
    ((), "gunicorn>=27", ""),
    # observability (issue 11)
    (("is_fastapi", "use_metrics"), "prometheus-client>=0.26", ""),
    (("is_fastapi", "use_tracing"), "opentelemetry-sdk>=1.45", ""),
    (
        ("is_fastapi", "use_tracing"),
        "opentelemetry-exporter-otlp-proto-http>=1.45",
        "Spans leave over OTLP/HTTP (protobuf), which Alloy, Tempo and Grafana Cloud receive.",
    ),
    (
        ("is_fastapi", "use_tracing"),
        "opentelemetry-instrumentation-asgi>=0.66b0",
        "The server span of each request (core/tracing.py names it after the route).",
    ),
    (("is_fastapi", "use_tracing"), "opentelemetry-instrumentation-httpx>=0.66b0", ""),
    (("is_fastapi", "use_tracing"), "opentelemetry-instrumentation-sqlalchemy>=0.66b0", ""),
    (
        ("is_fastapi", "use_tracing", "use_redis"),
        "opentelemetry-instrumentation-redis>=0.66b0",
        "",
    ),
    (
        ("is_fastapi", "use_tracing", "use_celery"),
        "opentelemetry-instrumentation-celery>=0.66b0",
        "",
    ),
    ((), "pydantic-settings>=2.16", ""),
    (("is_fastapi",), "sqlalchemy[asyncio]>=2.0.44", ""),
    (
        ("is_fastapi", "use_tracing"),
        "sqlalchemy<2.1",
        "OpenTelemetry's SQLAlchemy instrumentation does nothing on 2.1 (no database spans).",
    ),
    (
        (),
        "uvicorn[standard]>=0.54",
        "uvloop, httptools and watchfiles: the fast event loop and parser, and --reload.",
    ),
    (
        (),
        "uvicorn-worker>=0.4",
        "The gunicorn worker class; uvicorn.workers is deprecated in its favour.",
    ),
)
_DEV_DEPENDENCIES: Final[tuple[_Dependency, ...]] = (
    (("is_fastapi",), "httpx>=0.28", ""),
    (("is_django",), "django-stubs>=6.1", ""),
    (("is_django",), "djangorestframework-stubs>=3.18", ""),
    ((), "pre-commit>=4.7", ""),
    (
        (),
        "pre-commit-hooks>=6.0",
        "The file checks the local pre-commit hooks run (check-yaml, end-of-file-fixer, ...).",
    ),
    ((), "pyright>=1.1.414", ""),
    ((), "pytest>=9.2", ""),
    (("is_fastapi",), "pytest-asyncio>=1.5", ""),
    (("use_celery",), "celery-types>=0.26", "Type stubs of Celery and kombu."),
    (
        ("is_fastapi", "use_s3"),
        "types-aioboto3[s3]>=15.5",
        "Type stubs of aioboto3's S3 client.",
    ),
    (("is_django",), "pytest-django>=4.14", ""),
    (
        ("is_django", "use_s3"),
        "boto3-stubs[s3]>=1.40",
        "Type stubs of boto3's S3 client, which django-storages hands out.",
    ),
    ((), "ruff>=0.17", ""),
)


def requirements(table: tuple[_Dependency, ...], flags: Mapping[str, bool]) -> list[Requirement]:
    """Return the rows of `table` whose every named flag is true, in the table's order."""
    return [
        Requirement(spec=spec, comment=comment)
        for needs, spec, comment in table
        if all(flags[name] for name in needs)
    ]


def backing_services(flags: Mapping[str, bool]) -> list[str]:
    """Return the compose services the app's processes wait for until they are healthy."""
    wanted = (
        ("db", flags["use_postgres"]),
        ("redis", flags["redis_service"]),
        ("rabbitmq", flags["broker_rabbitmq"]),
    )
    return [name for name, on in wanted if on]


def compose_services(flags: Mapping[str, bool]) -> list[str]:
    """Return the compose.yaml services besides migrate and app, each a partials/compose/ file.

    Every name has its `<name>.yaml`, `<name>.override.yaml` (development) and
    `<name>.prod.yaml` (production) partial; one partial may hold a feature's few services
    (celery: worker and beat; s3: the storage and the job that creates its bucket).
    """
    wanted = (
        ("admin", flags["is_django"]),
        ("db", flags["use_postgres"]),
        ("redis", flags["redis_service"]),
        ("rabbitmq", flags["broker_rabbitmq"]),
        ("s3", flags["use_s3"]),
        ("celery", flags["use_celery"]),
    )
    return [name for name, on in wanted if on] + _observability_services(flags)


def compose_volumes(flags: Mapping[str, bool]) -> list[str]:
    """Return the named volumes compose.yaml declares, one per stateful service."""
    wanted = (
        ("db-data", flags["use_postgres"]),
        ("app-data", not flags["use_postgres"]),
        ("redis-data", flags["redis_service"]),
        ("rabbitmq-data", flags["broker_rabbitmq"]),
        ("s3-data", flags["use_s3"]),
    )
    return [name for name, on in wanted if on] + _observability_volumes(flags)


def compose_environment(
    flags: Mapping[str, bool],
    slug: str,
    *,
    postgres_scheme: str,
    sqlite_scheme: str,
    bucket: str,
) -> list[ComposeVariable]:
    """Return the variables compose.yaml sets on every process of the app's image."""
    variables = [ComposeVariable(name="ENVIRONMENT", value="production", comment="")]
    if flags["is_django"]:
        variables.append(
            ComposeVariable(
                name="ALLOWED_HOSTS",
                value="${ALLOWED_HOSTS:-localhost,127.0.0.1}",
                comment="Django answers only these hosts; .env sets them, a fresh clone gets"
                " the local ones.",
            )
        )
    if flags["use_redis"]:
        variables.append(
            ComposeVariable(name="REDIS_URL", value="redis://redis:6379/0", comment="")
        )
    variables += _platform_environment(flags, bucket=bucket)
    if flags["use_postgres"]:
        variables.append(
            ComposeVariable(
                name="DATABASE_URL",
                value=f"{postgres_scheme}://postgres:${{POSTGRES_PASSWORD:-}}@db:5432/{slug}",
                comment="The generated password is URL-safe, so it needs no escaping inside"
                " the URL.",
            )
        )
    else:
        variables.append(
            ComposeVariable(
                name="DATABASE_URL", value=f"{sqlite_scheme}:////app/data/{slug}.db", comment=""
            )
        )
    return variables + _observability_environment(flags)


def ci_services(flags: Mapping[str, bool]) -> list[str]:
    """Return the service containers of CI's test job, each a partials/ci/ file."""
    wanted = (
        ("postgres", flags["use_postgres"]),
        ("redis", flags["redis_service"]),
        ("rabbitmq", flags["broker_rabbitmq"]),
    )
    return [name for name, on in wanted if on]


def ci_environment(flags: Mapping[str, bool], *, postgres_scheme: str) -> list[ComposeVariable]:
    """Return the variables that point CI's tests at its service containers.

    The tests run against the embedded defaults unless these are set, so each real service
    the project uses is tested in CI.
    """
    wanted = (
        (
            "DATABASE_URL",
            f"{postgres_scheme}://postgres:postgres@localhost:5432/test",
            flags["use_postgres"],
        ),
        ("REDIS_URL", "redis://localhost:6379/0", flags["use_redis"]),
        ("CELERY_BROKER_URL", "redis://localhost:6379/1", flags["broker_redis"]),
        ("CELERY_BROKER_URL", "amqp://guest:guest@localhost:5672//", flags["broker_rabbitmq"]),
        ("S3_ENDPOINT_URL", "http://127.0.0.1:5000", flags["use_s3"]),
        ("S3_BUCKET", "test-bucket", flags["use_s3"]),
        ("S3_ACCESS_KEY_ID", "test", flags["use_s3"]),
        ("S3_SECRET_ACCESS_KEY", "test", flags["use_s3"]),
    )
    return [ComposeVariable(name=name, value=value, comment="") for name, value, on in wanted if on]


def _platform_environment(flags: Mapping[str, bool], *, bucket: str) -> list[ComposeVariable]:
    """The variables that point the app's processes at compose's platform services."""
    variables: list[ComposeVariable] = []
    if flags["broker_redis"]:
        variables.append(
            ComposeVariable(
                name="CELERY_BROKER_URL",
                value="redis://redis:6379/1",
                comment="Celery's queue in its own Redis database, apart from the cache's.",
            )
        )
    if flags["broker_rabbitmq"]:
        variables.append(
            ComposeVariable(
                name="CELERY_BROKER_URL",
                value="amqp://app:${RABBITMQ_PASSWORD:-}@rabbitmq:5672//",
                comment="The generated password is URL-safe; the trailing / is the default vhost.",
            )
        )
    if flags["use_celery"] and flags["redis_service"]:
        variables.append(
            ComposeVariable(name="CELERY_RESULT_BACKEND", value="redis://redis:6379/2", comment="")
        )
    if flags["use_s3"]:
        variables += [
            ComposeVariable(
                name="S3_ENDPOINT_URL",
                value="http://s3:8333",
                comment="compose's storage; the keys come from .env.",
            ),
            ComposeVariable(
                name="S3_PUBLIC_ENDPOINT_URL",
                value="${S3_PUBLIC_ENDPOINT_URL:-http://localhost:8333}",
                comment="Where browsers reach it: presigned URLs are signed for this host.",
            ),
            ComposeVariable(name="S3_BUCKET", value=f"${{S3_BUCKET:-{bucket}}}", comment=""),
        ]
    return variables


def env_settings(
    flags: Mapping[str, bool],
    slug: str,
    *,
    title: str,
    api_docs: str,
    admin_path: str,
    sqlite_scheme: str,
) -> list[EnvSetting]:
    """Return every setting .env.example lists, in its order, with its comment and default.

    The service's own settings come first (each feature's after the core ones they refine),
    then the production server's, then those only Docker Compose reads.
    """
    django = flags["is_django"]
    env = _EnvList()
    env.section(
        "the service (config/env.py, read once by config/settings/base.py)"
        if django
        else f"the service (src/{slug}/core/config.py)"
    )
    environment_comment = (
        "local | test | production. Outside local, placeholder secrets are refused and debug\n"
        "pages are off."
    )
    if django:
        environment_comment += (
            "\nIt also picks the settings module, config/settings/<ENVIRONMENT>.py: set it in the\n"
            "process environment, as a value only in this file comes too late for that."
        )
    env.add("ENVIRONMENT", "local", environment_comment)
    env.add(
        "SECRET_KEY",
        "changethis",
        (
            "Signs the tokens, sessions and CSRF cookies; at least 50 characters outside local."
            if django
            else "Signs the tokens; at least 32 characters outside local."
        )
        + " Make one with:\n  python -c 'import secrets; print(secrets.token_urlsafe(48))'",
    )
    env.add(
        "DATABASE_URL",
        f"{sqlite_scheme}:///./{slug}.db",
        "sqlite:///./file.db or postgresql://user:password@host:5432/name"
        if django
        else "SQLAlchemy URL: sqlite+aiosqlite:///./file.db or"
        " postgresql+asyncpg://user:password@host:5432/name",
    )
    env.add(
        "DATABASE_POOL_SIZE",
        "5",
        "PostgreSQL connections kept open per process (as many more may open under load).",
    )
    if flags["use_redis"]:
        env.add(
            "REDIS_URL",
            "",
            "Redis for readiness checks and the shared login rate limit; empty = not used.",
            feature="redis",
        )
    if flags["use_jwt"]:
        env.add(
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "15",
            "Lifetime of access tokens and of refresh tokens, in minutes.",
            feature="jwt",
        )
        env.add("REFRESH_TOKEN_EXPIRE_MINUTES", "10080", feature="jwt")
        env.add(
            "LOGIN_ATTEMPTS_PER_MINUTE",
            "10",
            "Login attempts allowed per minute for one client address and email, and per hour for\n"
            "one client address across all emails (slow guessing over many accounts); then 429.",
            feature="jwt",
        )
        env.add("LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR", "100", feature="jwt")
        seen = (
            "a change\nthrough the ORM applies at once, any other within this."
            if django
            else "a change is\nseen within this."
        )
        env.add(
            "USER_CACHE_SECONDS",
            "5",
            f"How long a token's account found active is cached between requests; {seen}"
            " 0 = read it every time.",
            feature="jwt",
        )
    # DOCS_MODE exists in every project (default: the api_docs answer), so docs turned
    # off at generation can be turned on later without touching the code.
    env.add(
        "DOCS_MODE",
        api_docs,
        "public | basic | off: the docs (/docs, /openapi.json) in every environment,"
        " production\nincluded. basic asks for DOCS_USERNAME and DOCS_PASSWORD (the password"
        " must be changed\n"
        "outside local).",
        feature="docs",
    )
    env.add("DOCS_USERNAME", "docs", feature="docs")
    env.add("DOCS_PASSWORD", "changethis", feature="docs")
    env.add(
        "ALLOWED_HOSTS",
        "",
        "Host names the service answers to (comma-separated); required in production. Requests\n"
        "for any other Host are refused with 400, except the probes /healthz and /readyz.",
    )
    env.add(
        "MAX_REQUEST_BODY_BYTES",
        "1048576",
        "Largest request body accepted, in bytes (413 above it); nginx's client_max_body_size\n"
        "in deploy/nginx/ is the same 1 MiB: change both together.",
    )
    env.add(
        "ALLOW_SQLITE_IN_PRODUCTION",
        "false" if flags["use_postgres"] else "true",
        "Whether ENVIRONMENT=production may run on SQLite (one instance, one disk). Without it,\n"
        "production on a sqlite DATABASE_URL refuses to start.",
    )
    if django:
        env.add(
            "CSRF_TRUSTED_ORIGINS",
            "",
            "Origins trusted for the admin's form posts over https, e.g. https://admin.example.com.",
            feature="django",
        )
        env.add(
            "APP_ROLE",
            "api",
            "api: serve the API and its docs; admin: serve only the Django admin"
            " (a second process).",
            feature="django",
        )
        env.add(
            "ADMIN_URL",
            admin_path,
            "The admin's path, ending in a slash; served by APP_ROLE=admin"
            " (and by `serve` locally).\n"
            "nginx (deploy/nginx/) routes this path to the admin process: change both together.",
            feature="django",
        )
    env.add(
        "APP_TITLE",
        title,
        "The API's title in its docs (OpenAPI); the default is the project's name. The\n"
        "description there is pyproject.toml's, read from the installed package's metadata.",
        commented=True,
    )
    env.add(
        "CORS_ORIGINS",
        "",
        "Comma-separated browser origins allowed by CORS, e.g. https://app.example.com;"
        " empty = none.",
    )
    env.add(
        "LOG_LEVEL",
        "INFO",
        "DEBUG | INFO | WARNING | ERROR | CRITICAL (also gunicorn's log level).",
    )
    env.add(
        "LOG_FORMAT",
        "",
        "json (one object per line: time, level, logger, message, request_id) or text; the\n"
        "default is text when ENVIRONMENT=local and json elsewhere.",
    )

    _platform_settings(env, flags, bucket=bucket_name(slug))

    env.section("the production server (gunicorn.conf.py)")
    env.add("PORT", "8000", "Port gunicorn listens on, on all interfaces.")
    env.add("WEB_CONCURRENCY", "", "Worker processes; default: one per CPU the process may use.")
    env.add(
        "FORWARDED_ALLOW_IPS",
        "127.0.0.1,::1",
        "Proxies whose X-Forwarded-For/-Proto headers are trusted (comma-separated addresses or\n"
        "networks). Never *: a client could then choose its own address. compose.prod.yaml sets\n"
        "nginx's address.",
    )
    env.add("TIMEOUT", "60", "Seconds before a silent worker is restarted.")
    env.add(
        "GRACEFUL_TIMEOUT",
        "30",
        "Seconds workers get to finish requests in flight on shutdown (SIGTERM).",
    )
    env.add(
        "KEEP_ALIVE",
        "75",
        "Seconds an idle keep-alive connection stays open; above the proxy's idle timeout.",
    )

    env.section("Docker Compose (compose.yaml, compose.prod.yaml)")
    if flags["use_postgres"]:
        env.add(
            "POSTGRES_PASSWORD",
            "changethis",
            "Password of the PostgreSQL service; compose builds DATABASE_URL from it.",
            feature="postgres",
        )
        env.paragraph()
    if flags["broker_rabbitmq"]:
        env.add(
            "RABBITMQ_PASSWORD",
            "changethis",
            "Password of RabbitMQ's user app; compose builds CELERY_BROKER_URL from it.",
            feature="celery",
        )
        env.paragraph()
    env.add(
        "PROXY_SUBNET",
        "172.28.250.0/24",
        "compose.prod.yaml: nginx's fixed address on the edge network, the only one the web\n"
        "processes trust for forwarded headers; change both when the range is taken on the host.",
    )
    env.add("PROXY_ADDRESS", "172.28.250.10")
    _observability_settings(env, flags, slug)
    return env.settings


def _platform_settings(env: _EnvList, flags: Mapping[str, bool], *, bucket: str) -> None:
    """Add the settings of the platform services the project has (issue 10), in order."""
    if flags["use_replica"]:
        env.add(
            "DATABASE_REPLICA_URL",
            "",
            "A read replica of DATABASE_URL: the list endpoints read from it; writes, and reads\n"
            "after a write in the same request, stay on the primary. Empty = all on the primary.",
            feature="replica",
        )
    if flags["use_celery"]:
        env.add(
            "CELERY_BROKER_URL",
            "",
            "Where Celery's tasks travel: redis://host:6379/1 or amqp://user:password@host:5672//.\n"
            "Empty = tasks run at once inside the web process (no worker needed, nothing queued).",
            feature="celery",
        )
        env.add(
            "CELERY_RESULT_BACKEND",
            "",
            "Where task results are kept (redis://host:6379/2); empty = not kept. Job status\n"
            "lives in the database either way.",
            feature="celery",
        )
        env.add(
            "CELERY_TASK_TIME_LIMIT",
            "300",
            "Seconds a task may run before its worker process is replaced; the soft limit\n"
            "raises inside the task first, so it can clean up.",
            feature="celery",
        )
        env.add("CELERY_TASK_SOFT_TIME_LIMIT", "270", feature="celery")
        env.add(
            "CELERY_WORKER_CONCURRENCY",
            "",
            "Tasks one worker runs at once; empty = one per CPU.",
            feature="celery",
        )
        env.add(
            "JOB_RETENTION_DAYS",
            "7",
            "Finished jobs older than this are deleted by beat's daily purge.",
            feature="celery",
        )
    if flags["use_sse"]:
        env.add(
            "EVENTS_HEARTBEAT_SECONDS",
            "15",
            "GET /events sends a comment this often, so proxies keep the stream open.",
            feature="sse",
        )
        env.add(
            "EVENTS_STREAM_LENGTH",
            "1000",
            "Events kept per user in Redis for clients that reconnect with Last-Event-ID.",
            feature="sse",
        )
    if flags["use_s3"]:
        env.add(
            "S3_BUCKET",
            "",
            "The bucket attachments go to; empty = files on local disk under MEDIA_ROOT (one\n"
            f"instance only). compose.yaml sets its own storage's bucket ({bucket}).",
            feature="s3",
        )
        env.add(
            "S3_ENDPOINT_URL",
            "",
            "S3-compatible endpoint (http://host:8333); empty = AWS S3 in S3_REGION.",
            feature="s3",
        )
        env.add(
            "S3_PUBLIC_ENDPOINT_URL",
            "",
            "The endpoint as clients reach it, which presigned URLs are signed for; empty =\n"
            "S3_ENDPOINT_URL.",
            feature="s3",
        )
        env.add("S3_REGION", "us-east-1", feature="s3")
        env.add(
            "S3_ACCESS_KEY_ID",
            "",
            "Empty = the default AWS credential chain (an IAM role, AWS_PROFILE, ...).",
            feature="s3",
        )
        env.add("S3_SECRET_ACCESS_KEY", "", feature="s3")
        env.add("MEDIA_ROOT", "./media", "Where files go when S3_BUCKET is empty.", feature="s3")
        env.add(
            "UPLOAD_MAX_BYTES",
            "10485760",
            "Largest attachment accepted, in bytes; uploads go straight to storage, not through\n"
            "the API, so MAX_REQUEST_BODY_BYTES does not apply to them.",
            feature="s3",
        )
        env.add(
            "UPLOAD_CONTENT_TYPES",
            "image/png,image/jpeg,image/webp,application/pdf,text/plain",
            "Content types attachments may have, comma-separated.",
            feature="s3",
        )
        env.add(
            "PRESIGNED_URL_EXPIRE_SECONDS",
            "900",
            "Lifetime of upload and download URLs.",
            feature="s3",
        )
    if flags["use_cdn"]:
        env.add(
            "CDN_DOMAIN",
            "",
            "The CDN's host name in front of the bucket (files.example.com): download URLs of\n"
            "public files point there. Empty = no CDN.",
            feature="cdn",
        )
    if flags["use_cloudfront"]:
        env.add(
            "CLOUDFRONT_KEY_ID",
            "",
            "CloudFront key pair for signed URLs of private files (the public key's id, and the\n"
            "private key in PEM); empty = private files use presigned S3 URLs.",
            feature="cdn",
        )
        env.add("CLOUDFRONT_PRIVATE_KEY", "", feature="cdn")
    if flags["use_sentry"]:
        env.add(
            "SENTRY_DSN",
            "",
            "Sentry project DSN; empty = errors are not reported. No personal data is sent.",
            feature="sentry",
        )
        env.add(
            "SENTRY_TRACES_SAMPLE_RATE",
            "0.0",
            "Share of requests traced to Sentry's performance view, 0.0 to 1.0.",
            feature="sentry",
        )
    if flags["use_sentry"] and not flags["use_tracing"]:
        # With tracing, the observability settings list it (the version of spans too).
        env.add(
            "APP_VERSION",
            "",
            "The release errors are reported under (the image tag); empty = the package\nversion.",
        )


# ---------------------------------------------------------------- observability (issue 11)
# One helper per shared list, each called once by the list's own function above.


def _observability_services(flags: Mapping[str, bool]) -> list[str]:
    """The compose services of the `observability` profile, each a partials/compose/ file."""
    if not flags["use_metrics"]:
        return []
    wanted = (
        ("prometheus", True),
        ("grafana", True),
        ("postgres-exporter", flags["use_postgres"]),
        ("redis-exporter", flags["redis_service"]),
        ("alloy", flags["use_tracing"]),
        ("loki", flags["use_tracing"]),
        ("tempo", flags["use_tracing"]),
    )
    return [name for name, on in wanted if on]


def _observability_volumes(flags: Mapping[str, bool]) -> list[str]:
    """The named volumes the observability services keep their data in (Tempo keeps none)."""
    if not flags["use_metrics"]:
        return []
    tracing = ["alloy-data", "loki-data"] if flags["use_tracing"] else []
    return ["prometheus-data", "grafana-data", *tracing]


def _observability_environment(flags: Mapping[str, bool]) -> list[ComposeVariable]:
    """What compose tells the app's processes about the observability profile."""
    if not flags["use_tracing"]:
        return []
    return [
        ComposeVariable(
            name="OTEL_EXPORTER_OTLP_ENDPOINT",
            value="${OTEL_EXPORTER_OTLP_ENDPOINT:-http://alloy:4318}",
            comment="Spans go to Alloy (the observability profile), which forwards them to"
            " Tempo or Grafana Cloud.",
        )
    ]


def _observability_settings(env: _EnvList, flags: Mapping[str, bool], slug: str) -> None:
    """Add the settings of /metrics, tracing and the observability profile to `env`."""
    if not flags["use_metrics"]:
        return
    env.section("observability (/metrics; deploy/observability/, compose profile observability)")
    env.add(
        "METRICS_ENABLED",
        "true",
        "Serve GET /metrics (Prometheus format) and count requests; false turns both off.",
        feature="metrics",
    )
    env.add(
        "METRICS_TOKEN",
        "",
        "Bearer token /metrics asks for (Authorization: Bearer <token>); required in production,\n"
        "where an empty one refuses to start. Compose hands the same value to Prometheus (and\n"
        "Alloy). nginx never routes /metrics. Make one with:\n"
        "  python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        feature="metrics",
    )
    if flags["use_celery"]:
        env.add(
            "WORKER_METRICS_PORT",
            "9808",
            "Port the Celery worker serves its task metrics on (Prometheus scrapes it).",
            feature="metrics",
        )
    if flags["use_tracing"]:
        env.paragraph()
        env.add(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "",
            "OpenTelemetry: where spans go over OTLP/HTTP, e.g. http://127.0.0.1:4318; empty =\n"
            "none exported (tracing is a no-op). Compose points it at Alloy.",
            feature="tracing",
        )
        env.add("OTEL_SERVICE_NAME", slug, "The service.name of every span.", feature="tracing")
        env.add(
            "OTEL_TRACES_SAMPLER",
            "parentbased_traceidratio",
            "Which requests are traced: this share of new traces (1.0 = all), and every request\n"
            "whose caller's trace was sampled.",
            feature="tracing",
        )
        env.add("OTEL_TRACES_SAMPLER_ARG", "1.0", feature="tracing")
        env.add(
            "APP_VERSION",
            "",
            "The service.version of spans (the release sets the image tag); empty = the\n"
            "package's version.",
            feature="tracing",
        )
    env.paragraph()
    env.add(
        "GRAFANA_ADMIN_PASSWORD",
        "",
        "Compose's observability profile: Grafana's admin password (the profile does not start\n"
        "Grafana without one), and the loopback ports of the Grafana and Prometheus UIs.",
        feature="metrics",
    )
    env.add("GRAFANA_PORT", "3000", feature="metrics")
    env.add("PROMETHEUS_PORT", "9090", feature="metrics")
    if flags["use_tracing"]:
        env.add(
            "ALLOY_PORT",
            "12345",
            "Alloy's UI; in development also its OTLP/HTTP receiver and the Loki and Tempo APIs.",
            feature="tracing",
        )
        env.add("ALLOY_OTLP_PORT", "4318", feature="tracing")
        env.add("LOKI_PORT", "3100", feature="tracing")
        env.add("TEMPO_PORT", "3200", feature="tracing")
        env.paragraph()
        env.add(
            "GRAFANA_CLOUD_OTLP_ENDPOINT",
            "",
            "Grafana Cloud (README, section Observability): Alloy sends traces and logs there\n"
            "once their URL is set (else to the local Tempo and Loki), and scrapes and pushes\n"
            "the metrics once the Prometheus URL is set (the local Prometheus scrapes for\n"
            "itself). One access policy token (metrics, logs and traces :write) serves all three.",
            feature="tracing",
        )
        env.add("GRAFANA_CLOUD_INSTANCE_ID", "", feature="tracing")
        env.add("GRAFANA_CLOUD_API_TOKEN", "", feature="tracing")
        env.add("GRAFANA_CLOUD_PROMETHEUS_URL", "", feature="tracing")
        env.add("GRAFANA_CLOUD_PROMETHEUS_USER", "", feature="tracing")
        env.add("GRAFANA_CLOUD_LOKI_URL", "", feature="tracing")
        env.add("GRAFANA_CLOUD_LOKI_USER", "", feature="tracing")


class _EnvList:
    """Collects EnvSettings: a section or paragraph puts a blank line before the next one."""

    def __init__(self) -> None:
        self.settings: list[EnvSetting] = []
        self._section = ""
        self._spaced = False

    def section(self, heading: str) -> None:
        self._section = heading
        self._spaced = True

    def paragraph(self) -> None:
        self._spaced = True

    def add(
        self,
        name: str,
        value: str,
        comment: str = "",
        *,
        feature: str = "core",
        commented: bool = False,
    ) -> None:
        self.settings.append(
            EnvSetting(
                name=name,
                value=value,
                comment=comment,
                section=self._section,
                feature=feature,
                spaced=self._spaced,
                commented=commented,
            )
        )
        self._spaced = False


def readme_setting_groups(flags: Mapping[str, bool]) -> list[str]:
    """Return the rows of the README's settings table: partials/readme/settings/<group>.md."""
    wanted = (
        ("core", True),
        ("redis", flags["use_redis"]),
        ("jwt", flags["use_jwt"]),
        # DOCS_MODE is a setting in every project: docs turned off can be turned on later.
        ("docs", True),
        ("docs-basic", True),
        ("django", flags["is_django"]),
        ("replica", flags["use_replica"]),
        ("celery", flags["use_celery"]),
        ("sse", flags["use_sse"]),
        ("s3", flags["use_s3"]),
        ("cdn", flags["use_cdn"]),
        ("cloudfront", flags["use_cloudfront"]),
        ("sentry", flags["use_sentry"]),
        ("server", True),
        ("postgres", flags["use_postgres"]),
    )
    return [name for name, on in wanted if on]


def readme_sections(flags: Mapping[str, bool]) -> list[str]:
    """Return the README's sections in order, each a partials/readme/<section>.md file.

    Sections of one framework end in its name (`tests-fastapi`); the README puts a blank
    line before each.
    """
    framework = "django" if flags["is_django"] else "fastapi"
    docs = "docs-basic" if flags["docs_basic"] else "docs-public"
    if not flags["docs_enabled"]:
        docs = "docs-off"
    wanted = (
        (f"overview-{framework}", True),
        ("endpoints", True),
        (f"bodies-{framework}", True),
        ("accounts", flags["use_jwt"]),
        (docs, True),
        ("celery", flags["use_celery"]),
        ("events", flags["use_sse"]),
        ("storage", flags["use_s3"]),
        ("spatial", flags["use_spatial"]),
        ("replica", flags["use_replica"]),
        ("sentry", flags["use_sentry"]),
        ("run-locally", True),
        ("run-locally-django", flags["is_django"]),
        ("tests", True),
        (f"tests-{framework}", True),
        ("lint", True),
        ("migrations", True),
        (f"migrations-{framework}", True),
        ("configuration", True),
        ("compose", True),
        ("observability", flags["use_metrics"]),
        ("observability-full", flags["use_tracing"]),
        ("ci", flags["use_github"]),
        ("security", True),
        ("layout", True),
        (f"layout-{framework}", True),
    )
    return [name for name, on in wanted if on]


# The names of the optional services that each framework's tests import from the package
# (tests/package.py re-exports them), with the flag each comes with. In the order of ruff's
# isort, `name as name` imports one each: by module, then constants, classes, the rest.
_TEST_PACKAGE_NAMES: Final[Mapping[str, tuple[tuple[str, str, str], ...]]] = {
    "fastapi": (
        ("api.accounts", "RecentlyActive", "use_jwt"),
        ("attachments.cdn", "cdn_url", "use_cdn"),
        ("attachments.storage", "PRIVATE_CACHE_CONTROL", "use_s3"),
        ("attachments.storage", "PUBLIC_CACHE_CONTROL", "use_s3"),
        ("attachments.storage", "LocalStorage", "use_s3"),
        ("attachments.storage", "S3Storage", "use_s3"),
        ("attachments.storage", "object_key", "use_s3"),
        ("attachments.storage", "safe_filename", "use_s3"),
        ("brokers", "check_broker_url", "use_celery"),
        ("core.metrics", "LATENCY_BUCKETS", "use_metrics"),
        ("core.tracing", "configure_tracing", "use_tracing"),
        ("core.tracing", "sampler", "use_tracing"),
        ("events", "EventHub", "use_sse"),
        ("events", "LocalHub", "use_sse"),
        ("events", "LocalSubscription", "use_sse"),
        ("events", "RedisHub", "use_sse"),
        ("events", "RedisSubscription", "use_sse"),
        ("events", "Subscription", "use_sse"),
        ("events", "stream_key", "use_sse"),
        ("jobs", "tasks", "use_celery"),
        ("jobs.metrics", "QueueLengthCollector", "use_worker_metrics"),
        ("jobs.metrics", "worker_registry", "use_worker_metrics"),
        ("jobs.models", "Job", "use_celery"),
        ("jobs.tasks", "process_item", "use_celery"),
        ("spatial", "spatialite_problem", "use_spatial"),
        ("worker", "TASK_QUEUE", "use_celery"),
        ("worker", "dead_letter_queue", "use_celery"),
        ("worker", "uses_amqp", "use_celery"),
    ),
    "django": (
        ("attachments.cdn", "cdn_url", "use_cdn"),
        ("attachments.storage", "PRIVATE_CACHE_CONTROL", "use_s3"),
        ("attachments.storage", "PUBLIC_CACHE_CONTROL", "use_s3"),
        ("attachments.storage", "LocalStorage", "use_s3"),
        ("attachments.storage", "S3Config", "use_s3"),
        ("attachments.storage", "S3Storage", "use_s3"),
        ("attachments.storage", "get_storage", "use_s3"),
        ("attachments.storage", "object_key", "use_s3"),
        ("attachments.storage", "safe_filename", "use_s3"),
        ("brokers", "check_broker_url", "use_celery"),
        ("core", "metrics", "use_metrics"),
        ("core", "tracing", "use_tracing"),
        ("core.replica", "REPLICA", "use_replica"),
        ("core.replica", "read_replica", "use_replica"),
        ("core.sentry", "init_sentry", "use_sentry"),
        ("events.hub", "RedisSubscription", "use_sse"),
        ("events.hub", "get_hub", "use_sse"),
        ("events.hub", "stream_key", "use_sse"),
        ("jobs", "tasks", "use_celery"),
        ("jobs.metrics", "QueueLengthCollector", "use_worker_metrics"),
        ("jobs.metrics", "worker_registry", "use_worker_metrics"),
        ("jobs.models", "Job", "use_celery"),
        ("jobs.tasks", "process_item", "use_celery"),
        ("users", "cache", "use_jwt"),
        ("users.models", "User", "use_jwt"),
        ("users.throttling", "login_attempts", "use_jwt"),
    ),
}


def test_package_names(flags: Mapping[str, bool], slug: str) -> list[PackageName]:
    """Return the optional services' names the tests import from package `slug`, in import
    order, each `{module, name, wrap}` (the module under the package; `wrap` where its
    import would pass the line length on one line).
    """
    framework = "django" if flags["is_django"] else "fastapi"
    return [
        {
            "module": module,
            "name": name,
            "wrap": needs_wrap(f"from {slug}.{module} import {name} as {name}"),
        }
        for module, name, flag in _TEST_PACKAGE_NAMES[framework]
        if flags.get(flag)
    ]


# Template sources Copier reads as URLs or VCS shortcuts, never as paths on this machine.
_REMOTE_SOURCE = re.compile(r"^([a-z][a-z0-9+.-]*://|gh:|gl:|git@)", re.IGNORECASE)


def recorded_answers(answers: Any) -> Any:
    """Return `answers` with a relative local `_src_path` made absolute.

    Copier records the template path as typed (`copier copy . ../svc` records `.`), which
    `copier update`, run later from the project, would read as the project itself. A path
    resolved against the directory Copier ran in still finds the template; URLs stay as
    they are.
    """
    if not isinstance(answers, dict):
        return answers
    recorded = cast("dict[str, object]", answers)
    source = recorded.get("_src_path")
    if not isinstance(source, str) or not source or _REMOTE_SOURCE.match(source):
        return recorded
    path = Path(source).expanduser()
    if path.is_absolute():
        return recorded
    return {**recorded, "_src_path": str(path.resolve())}


class StackcraftFilters(Extension):
    """Registers the pure filters above for copier.yml validators and template files."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["slugify"] = slugify
        environment.filters["slug_problem"] = slug_problem
        environment.filters["email_problem"] = email_problem
        environment.filters["text_problem"] = text_problem
        environment.filters["py_str"] = py_str
        environment.filters["toml_str"] = toml_str
        environment.filters["json_str"] = json_str
        environment.filters["yaml_str"] = yaml_str
        environment.filters["sh_str"] = sh_str
        environment.filters["hcl_str"] = hcl_str
        environment.filters["md_text"] = md_text
        environment.filters["recorded_answers"] = recorded_answers
        # Jinja's stubs type `globals` narrowly; any callable is accepted at run time.
        environment.globals["token_urlsafe"] = secrets.token_urlsafe  # pyright: ignore[reportArgumentType]
        _compile_each_string_once(environment)


def _compile_each_string_once(environment: Environment) -> None:
    """Compile each distinct Jinja source once per process, not once per use.

    Copier renders every path segment and many short strings with `from_string` (the same
    few, like `{% if is_django %}src{% endif %}`, hundreds of times per project) and loads
    every file template afresh for each project; compiling was a third of a render's
    time. Compiled code depends only on the source and the environment's syntax and
    extensions, so it is kept per process, keyed by those; Jinja's own bytecode cache
    does the same for file templates (it checks each source's checksum).
    """
    environment.bytecode_cache = _MEMORY_BYTECODE
    compile_string = environment.from_string

    def from_string(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if template_class is not None or not isinstance(source, str):
            return compile_string(source, globals, template_class)
        # Read at the first call: the environment's extensions are loaded after this one.
        key = (source, _syntax(environment))
        code = _COMPILED.get(key)
        if code is None:
            code = _COMPILED[key] = environment.compile(source)
        return environment.template_class.from_code(
            environment, code, environment.make_globals(globals), None
        )

    environment.from_string = from_string  # type: ignore[method-assign]


def _syntax(environment: Environment) -> tuple[object, ...]:
    """What, besides its source, decides the code Jinja compiles a template to."""
    return (
        environment.block_start_string,
        environment.variable_start_string,
        environment.comment_start_string,
        environment.line_statement_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.keep_trailing_newline,
        environment.autoescape,
        tuple(sorted(environment.extensions)),
    )


class _MemoryBytecode(BytecodeCache):
    """Jinja's bytecode cache, in memory: file templates compile once per process."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._store.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_MEMORY_BYTECODE: Final = _MemoryBytecode()
_COMPILED: dict[tuple[object, ...], Any] = {}


class ContextUpdater(ContextHook):
    """Adds the derived values of `derive_context` to every render's context.

    Copier builds a context for every file and path it renders, hundreds per project,
    all from the same answers: the derived values are computed once per answer set.
    """

    def hook(self, context: dict[str, Any]) -> None:
        key = _answers_key(context)
        derived = _DERIVED.get(key)
        if derived is None:
            if len(_DERIVED) >= _DERIVED_LIMIT:
                _DERIVED.clear()
            derived = _DERIVED[key] = derive_context(context)
        context.update(derived)


_DERIVED: dict[tuple[object, ...], DerivedContext] = {}
_DERIVED_LIMIT: Final = 256


def _answers_key(context: Mapping[str, Any]) -> tuple[object, ...]:
    """The answers in `context` as a hashable key (copier's `_` names and objects left out)."""
    items: list[tuple[str, object]] = []
    for name, value in context.items():
        if name.startswith("_"):
            continue
        frozen = _frozen(value)
        if frozen is not _UNFROZEN:
            items.append((name, frozen))
    items.sort(key=_first)
    return tuple(items)


def _first(item: tuple[str, object]) -> str:
    return item[0]


_UNFROZEN: Final = object()


def _frozen(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        items = [_frozen(item) for item in cast("list[object]", value)]
        return _UNFROZEN if _UNFROZEN in items else ("list", *items)
    return _UNFROZEN
