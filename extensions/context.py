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
from pathlib import Path
from typing import Any, Final, cast

from copier_template_extensions import ContextHook
from jinja2 import Environment
from jinja2.ext import Extension

__all__ = [
    "RESERVED_NAMES",
    "ContextUpdater",
    "StackcraftFilters",
    "derive_context",
    "email_problem",
    "hcl_str",
    "json_str",
    "md_text",
    "py_str",
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


class ContextUpdater(ContextHook):
    """Adds the derived values of `derive_context` to every render's context."""

    def hook(self, context: dict[str, Any]) -> None:
        context.update(derive_context(context))
