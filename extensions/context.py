"""Copier extensions for stackcraft: pure, typed filters plus one context hook.

Every value derived from the answers is computed here, once, so template files read a
ready-made name (`use_postgres`, `registry_host`, ...) instead of re-deriving it in Jinja.
Copier loads this file by path through copier-template-extensions, so it imports nothing
from the rest of the repository.
"""

from __future__ import annotations

import keyword
import re
import secrets
import sys
import unicodedata
from typing import Any, Final

from copier_template_extensions import ContextHook
from jinja2 import Environment
from jinja2.ext import Extension

__all__ = [
    "RESERVED_NAMES",
    "ContextUpdater",
    "StackcraftFilters",
    "derive_context",
    "email_problem",
    "py_str",
    "slug_problem",
    "slugify",
    "text_problem",
]

SLUG_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{1,38}$")
EMAIL_PATTERN: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

# Package names a generated service imports (or that tools treat specially): a project
# named after one would shadow it.
RESERVED_NAMES: Final = frozenset(
    {
        "aiosqlite",
        "alembic",
        "app",
        "argon2",
        "asyncpg",
        "celery",
        "config",
        "django",
        "fastapi",
        "gunicorn",
        "httpx",
        "jwt",
        "migrations",
        "orjson",
        "pydantic",
        "pydantic_settings",
        "pytest",
        "redis",
        "rest_framework",
        "site",
        "sqlalchemy",
        "src",
        "starlette",
        "test",
        "tests",
        "uvicorn",
        "uvloop",
    }
)

REGISTRY_HOSTS: Final = {"ghcr": "ghcr.io", "dockerhub": "docker.io"}


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
    allowed = "use 2-39 lowercase letters, digits or underscores, starting with a letter"
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
    if len(text) > 200:
        return f"{key} is {len(text)} characters long: keep it to 200"
    return ""


def py_str(value: object) -> str:
    """Return `value` as a Python string literal quoted the way `ruff format` writes it.

    Double quotes unless single quotes need fewer escapes; non-ASCII text is kept as is.
    """
    text = str(value).replace("\\", "\\\\")
    for char, escape in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        text = text.replace(char, escape)
    quote = "'" if text.count("'") < text.count('"') else '"'
    return quote + text.replace(quote, "\\" + quote) + quote


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def derive_context(answers: dict[str, Any]) -> dict[str, Any]:
    """Return the values derived from `answers`, keyed by the names template files use.

    Answers that are not known yet (while question defaults render) derive nothing.
    """
    derived: dict[str, Any] = {}
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
    if "ci" in answers:
        derived["use_github"] = answers["ci"] == "github"
        derived["use_dependabot"] = derived["use_github"] and bool(answers.get("dependabot"))
        registry = answers.get("container_registry") if derived["use_github"] else None
        derived["registry_host"] = REGISTRY_HOSTS.get(str(registry or "ghcr"), "ghcr.io")
    if "python_version" in answers:
        version = str(answers["python_version"])
        derived["python_image"] = f"python:{version}-slim"
        derived["ruff_target"] = "py" + version.replace(".", "")
    if "database" in answers and "cache" in answers:
        derived["backing_services"] = [
            name
            for name, wanted in (("db", derived["use_postgres"]), ("redis", derived["use_redis"]))
            if wanted
        ]
    return derived


def _framework_context(framework: str, slug: object) -> dict[str, Any]:
    """The names shared files need to run either framework the same way."""
    django = framework == "django"
    return {
        "is_fastapi": framework == "fastapi",
        "is_django": django,
        # What gunicorn serves (gunicorn.conf.py's wsgi_app).
        "asgi_app": "config.asgi:application" if django else f"{slug}.main:app",
        # DATABASE_URL schemes: SQLAlchemy names its async driver, Django's parser does not.
        "postgres_scheme": "postgresql" if django else "postgresql+asyncpg",
        "sqlite_scheme": "sqlite" if django else "sqlite+aiosqlite",
        # Where the Django admin is served (its own process; nginx routes the path to it).
        "admin_path": "manage/" if django else "",
        # Source folders besides src/ that development containers mount.
        "source_dirs": ["src", "config"] if django else ["src", "migrations"],
    }


class StackcraftFilters(Extension):
    """Registers the pure filters above for copier.yml validators and template files."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["slugify"] = slugify
        environment.filters["slug_problem"] = slug_problem
        environment.filters["email_problem"] = email_problem
        environment.filters["text_problem"] = text_problem
        environment.filters["py_str"] = py_str
        # Jinja's stubs type `globals` narrowly; any callable is accepted at run time.
        environment.globals["token_urlsafe"] = secrets.token_urlsafe  # pyright: ignore[reportArgumentType]


class ContextUpdater(ContextHook):
    """Adds the derived values of `derive_context` to every render's context."""

    def hook(self, context: dict[str, Any]) -> None:
        context.update(derive_context(context))
