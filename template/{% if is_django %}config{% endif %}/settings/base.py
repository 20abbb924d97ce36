"""Settings every environment shares; `local.py`, `test.py` and `production.py` adjust them.

The environment and `.env` are read once, here (`env`); every value below comes from `env`
or is fixed. `.env.example` lists what can be set.
"""

from importlib import import_module
from importlib.metadata import metadata
from pathlib import Path
from typing import Any

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config import features
from config.env import Env, database_settings
from config.settings.integrations import configure_integrations

# Django's classes take the type parameters of django-stubs (ModelAdmin[Item]) at run time.
django_stubs_ext.monkeypatch()

PACKAGE = features.PACKAGE
# How the schema describes an id in a path: bounded to its column (core/converters.py).
ID_SCHEMA: dict[str, object] = import_module(f"{PACKAGE}.core.converters").ID_SCHEMA
# The project's root: config/settings/base.py is three levels down.
BASE_DIR = Path(__file__).resolve().parents[2]

env = Env()


def expect_environment(expected: str) -> None:
    """Refuse settings meant for another ENVIRONMENT than the one `env` read.

    Raises ImproperlyConfigured, e.g. for production settings with ENVIRONMENT unset, which
    would accept the placeholder SECRET_KEY.
    """
    environment = env.ENVIRONMENT
    if environment != expected:
        msg = (
            f"these are the {expected} settings but ENVIRONMENT is {environment!r}: set "
            f"ENVIRONMENT={expected} in the process environment (it picks the settings "
            "module; a value only in .env does not)"
        )
        raise ImproperlyConfigured(msg)


ENVIRONMENT = env.ENVIRONMENT
SECRET_KEY = env.SECRET_KEY.get_secret_value()
DEBUG = False
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS
CORS_ALLOWED_ORIGINS = env.CORS_ORIGINS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` leaves static files to whitenoise, as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    f"{PACKAGE}.core",
    f"{PACKAGE}.users",
    f"{PACKAGE}.items",
    # The optional services' (config/features.py).
    *features.APPS,
]


def middleware(*, admin: bool) -> list[str]:
    """Return MIDDLEWARE: every process's chain, plus what the admin's pages need when
    `admin` (sessions, CSRF, the signed-in user, messages and the admin's own CSP).

    The API's chain runs on the event loop under ASGI: each of these is async (or runs its
    hooks there, core/middleware.py), so no request is handed to a thread for them.
    """
    core = f"{PACKAGE}.core.middleware"
    return [
        # First: every log record below carries the request's id, every response echoes it.
        f"{core}.RequestIdMiddleware",
        f"{core}.SecurityMiddleware",
        f"{core}.ContentSecurityPolicyMiddleware",
        f"{core}.XFrameOptionsMiddleware",
        *([f"{core}.AdminContentSecurityPolicyMiddleware"] if admin else []),
        # Below the security headers, which its JSON error answers get too.
        f"{core}.JsonErrorMiddleware",
        # Answers /healthz and /readyz before anything below checks the Host header.
        f"{core}.ProbeMiddleware",
        "corsheaders.middleware.CorsMiddleware",
        f"{core}.StaticFilesMiddleware",
        *(["django.contrib.sessions.middleware.SessionMiddleware"] if admin else []),
        f"{core}.CommonMiddleware",
        *(
            [
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
                "django.contrib.messages.middleware.MessageMiddleware",
            ]
            if admin
            else []
        ),
    ]


MIDDLEWARE = middleware(admin=env.APP_ROLE == "admin")
# Functions that wrap the ASGI application around Django's, each taking the application and
# returning the one to serve; the last one is outermost (core/asgi.py): the request metrics
# (core/metrics.py, GET /metrics) and, outside them, the server span (core/tracing.py).
ASGI_MIDDLEWARE = [f"{PACKAGE}.{name}" for name in features.ASGI_MIDDLEWARE]
# The requests a worker runs in Django's views at once (core/asgi.py).
REQUEST_THREADS = env.request_threads
# Django's checks that do not apply to the API process: the admin's middleware (sessions,
# the signed-in user, messages) is in the chain of the process that serves the admin (the
# admin's, or the API's on a developer's machine: local.py); and the API authenticates with
# bearer tokens, never cookies, so no request can be forged (the admin's chain has CSRF).
NOT_FOR_THE_API = ["admin.E408", "admin.E409", "admin.E410", "security.W003"]
SILENCED_SYSTEM_CHECKS = [
    # They look for SecurityMiddleware and XFrameOptionsMiddleware by name; MIDDLEWARE has
    # subclasses of them, which core/checks.py looks for instead (core.W001).
    "security.W001",
    "security.W002",
    *(NOT_FOR_THE_API if env.APP_ROLE == "api" else []),
]

# The API process serves the API and its docs; the admin process only the admin.
ROOT_URLCONF = "config.admin_urls" if env.APP_ROLE == "admin" else "config.urls"
ADMIN_URL = env.ADMIN_URL
# Whether the API's URLconf serves the admin too (only on a developer's machine).
ADMIN_WITH_API = False
WSGI_APPLICATION = "config.wsgi.application"
# The API has no trailing slashes; a missing one is a 404, never a redirect.
APPEND_SLASH = False

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.csp",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_settings(env.DATABASE_URL, pool_size=env.DATABASE_POOL_SIZE)}
# The optional services' and telemetry's settings (config/features.py's FeatureEnv), each
# under its own name.
globals().update(env.feature_settings())
ALLOW_SQLITE_IN_PRODUCTION = env.ALLOW_SQLITE_IN_PRODUCTION
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# In-process memory: each process keeps its own entries (and login attempt counts); Redis
# when REDIS_URL is set (integrations/redis.py).
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# What /readyz checks (core/readiness.py): a name, and a function that raises when it is down.
# The jobs app adds the broker's (jobs/apps.py); integrations/ those of Redis and the replica.
READINESS_CHECKS = {"database": f"{PACKAGE}.core.readiness.ping_database"}

AUTH_USER_MODEL = "users.User"
# argon2id for new passwords; a hash made by another hasher is upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Bounded: 413 past DATA_UPLOAD_MAX_MEMORY_SIZE, 400 for JSON nested too deeply.
    "DEFAULT_PARSER_CLASSES": [f"{PACKAGE}.core.parsers.JSONParser"],
    # 503 with Retry-After while the database is unavailable, 413 for a body too large.
    "EXCEPTION_HANDLER": f"{PACKAGE}.core.errors.exception_handler",
    # Open to anyone: where the project has accounts (auth=jwt), integrations/jwt.py asks
    # every request for a bearer token instead.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Documents each operation's error answers (core/schema.py).
    "DEFAULT_SCHEMA_CLASS": f"{PACKAGE}.core.schema.ApiSchema",
    # Client addresses come from the ASGI server, which trusts X-Forwarded-For only from
    # FORWARDED_ALLOW_IPS; a client's own X-Forwarded-For is ignored.
    "NUM_PROXIES": 0,
}

DOCS_MODE = env.DOCS_MODE
DOCS_USERNAME = env.DOCS_USERNAME
DOCS_PASSWORD = env.DOCS_PASSWORD.get_secret_value()

# Request bodies past this are refused with 413 (the JSON parser and Django's forms).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.MAX_REQUEST_BODY_BYTES

# Version and description as pyproject.toml gives them to the installed package.
PACKAGE_METADATA = metadata(PACKAGE)

SPECTACULAR_SETTINGS = {
    "TITLE": env.APP_TITLE,
    "DESCRIPTION": PACKAGE_METADATA.get("Summary", ""),
    "VERSION": PACKAGE_METADATA["Version"],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5",
    "SWAGGER_UI_FAVICON_HREF": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/favicon-32x32.png",
    # Ids bounded to their column (core/converters.py).
    "PATH_CONVERTER_OVERRIDES": {"id": ID_SCHEMA},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        f"{PACKAGE}.core.schema.refuse_unknown_fields",
        f"{PACKAGE}.core.schema.refuse_null_characters",
    ],
}

# Security headers on every response (nosniff, X-Frame-Options: DENY and the opener
# policy are Django's defaults). HSTS is sent only on requests that arrived over https.
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 730
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# JSON responses never load anything; the docs page and the admin widen it for themselves.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
}

STATIC_URL = "static/"
# Filled by `manage.py collectstatic` (the image runs it at build time), served by whitenoise.
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed copies: whitenoise serves them with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# LOG_FORMAT: one JSON object per line (the default outside local), for log shippers, or
# readable lines; both carry the request id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": f"{PACKAGE}.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": f"{PACKAGE}.core.logging.JsonFormatter"},
        "text": {"()": f"{PACKAGE}.core.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": env.LOG_LEVEL, "propagate": False},
    },
}

# Last: the settings of the optional parts this project has (accounts, Redis, a read replica),
# each in a module of config/settings/integrations/ that adjusts those above.
configure_integrations(globals(), env)
