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
    "ComposeVariable",
    "ContextUpdater",
    "DerivedContext",
    "EnvSetting",
    "Requirement",
    "StackcraftFilters",
    "backing_services",
    "compose_environment",
    "compose_services",
    "compose_volumes",
    "derive_context",
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
    "text_problem",
    "toml_str",
    "yaml_str",
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


class EnvSetting(TypedDict):
    """One setting of .env.example: `NAME=value` under its comment (one string, may hold newlines).

    Settings come grouped: `section` is the `# --- heading` they appear under, `feature`
    the toggle that brings them (`core` for those every project has), and `spaced` says
    that a blank line comes before the setting.
    """

    name: str
    value: str
    comment: str
    section: str
    feature: str
    spaced: bool


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
    asgi_app: str
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
    use_github: bool
    use_dependabot: bool
    registry_host: str
    python_image: str
    ruff_target: str
    # what shared files loop over
    backing_services: list[str]
    compose_services: list[str]
    compose_volumes: list[str]
    compose_environment: list[ComposeVariable]
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
    if "ci" in answers:
        derived["use_github"] = answers["ci"] == "github"
        derived["use_dependabot"] = derived["use_github"] and bool(answers.get("dependabot"))
        registry = answers.get("container_registry") if derived["use_github"] else None
        derived["registry_host"] = REGISTRY_HOSTS.get(str(registry or "ghcr"), "ghcr.io")
    if "python_version" in answers:
        version = str(answers["python_version"])
        derived["python_image"] = f"python:{version}-slim"
        derived["ruff_target"] = "py" + version.replace(".", "")
    flags = _flags(derived)
    if flags.keys() >= {"use_postgres", "use_redis"}:
        derived["backing_services"] = backing_services(flags)
    if flags.keys() >= _FEATURE_FLAGS:
        derived["dependencies"] = requirements(_DEPENDENCIES, flags)
        derived["dev_dependencies"] = requirements(_DEV_DEPENDENCIES, flags)
        derived["compose_services"] = compose_services(flags)
        derived["compose_volumes"] = compose_volumes(flags)
        derived["readme_setting_groups"] = readme_setting_groups(flags)
    if flags.keys() >= _FEATURE_FLAGS and "project_slug" in answers:
        slug = str(answers["project_slug"])
        sqlite_scheme = derived.get("sqlite_scheme", "")
        derived["compose_environment"] = compose_environment(
            flags,
            slug,
            postgres_scheme=derived.get("postgres_scheme", ""),
            sqlite_scheme=sqlite_scheme,
        )
        derived["env_settings"] = env_settings(
            flags,
            slug,
            api_docs=str(answers["api_docs"]),
            admin_path=derived.get("admin_path", ""),
            sqlite_scheme=sqlite_scheme,
        )
    if flags.keys() >= _FEATURE_FLAGS | {"use_github"}:
        derived["readme_sections"] = readme_sections(flags)
    return derived


def _framework_context(framework: str, slug: object) -> DerivedContext:
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
    (("is_fastapi",), "fastapi>=0.165", ""),
    ((), "gunicorn>=27", ""),
    ((), "pydantic-settings>=2.16", ""),
    (("is_fastapi",), "sqlalchemy[asyncio]>=2.1.9", ""),
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
    (("is_django",), "pytest-django>=4.14", ""),
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
    """Return the compose services the web processes wait for until they are healthy."""
    wanted = (("db", flags["use_postgres"]), ("redis", flags["use_redis"]))
    return [name for name, on in wanted if on]


def compose_services(flags: Mapping[str, bool]) -> list[str]:
    """Return the compose.yaml services besides migrate and app, each a partials/compose/ file."""
    wanted = (
        ("admin", flags["is_django"]),
        ("db", flags["use_postgres"]),
        ("redis", flags["use_redis"]),
    )
    return [name for name, on in wanted if on]


def compose_volumes(flags: Mapping[str, bool]) -> list[str]:
    """Return the named volumes compose.yaml declares: the database's, or the SQLite file's."""
    volumes = ["db-data" if flags["use_postgres"] else "app-data"]
    return volumes + (["redis-data"] if flags["use_redis"] else [])


def compose_environment(
    flags: Mapping[str, bool], slug: str, *, postgres_scheme: str, sqlite_scheme: str
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
    return variables


def env_settings(
    flags: Mapping[str, bool], slug: str, *, api_docs: str, admin_path: str, sqlite_scheme: str
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
    env.add(
        "PROXY_SUBNET",
        "172.28.250.0/24",
        "compose.prod.yaml: nginx's fixed address on the edge network, the only one the web\n"
        "processes trust for forwarded headers; change both when the range is taken on the host.",
    )
    env.add("PROXY_ADDRESS", "172.28.250.10")
    return env.settings


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

    def add(self, name: str, value: str, comment: str = "", *, feature: str = "core") -> None:
        self.settings.append(
            EnvSetting(
                name=name,
                value=value,
                comment=comment,
                section=self._section,
                feature=feature,
                spaced=self._spaced,
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
        ("run-locally", True),
        ("run-locally-django", flags["is_django"]),
        ("tests", True),
        (f"tests-{framework}", True),
        ("lint", True),
        ("migrations", True),
        (f"migrations-{framework}", True),
        ("configuration", True),
        ("compose", True),
        ("ci", flags["use_github"]),
        ("security", True),
        ("layout", True),
        (f"layout-{framework}", True),
    )
    return [name for name, on in wanted if on]


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
