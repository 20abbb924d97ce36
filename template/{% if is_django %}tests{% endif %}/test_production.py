"""Production settings, loaded the way the server loads them.

What needs Django set up with them (the deploy checks, requests through the middleware,
the startup warning, collectstatic) runs in processes of their own, with
ENVIRONMENT=production and real-looking secrets, so nothing of the test settings leaks in:
one process per role, started together once for this module, each test reading what its
process printed. What the settings modules refuse is checked here, importing fresh copies
of them with the same environment. All run on SQLite, allowed (ALLOW_SQLITE_IN_PRODUCTION),
as none of them reaches the database.
"""

import importlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from pydantic import ValidationError

from .conftest import sqlite_problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# GeoDjango (spatial) warns when the machine's GDAL predates 3.9 (gis.W001): a fact of the
# machine the tests run on, not of the settings (the image installs a newer GDAL).
OLD_GDAL = """
from django.conf import settings
if "django.contrib.gis" in settings.INSTALLED_APPS:
    from django.contrib.gis.gdal import GDAL_VERSION
    if GDAL_VERSION < (3, 9):
        settings.SILENCED_SYSTEM_CHECKS.append("gis.W001")
"""

# The API process: `manage.py check --deploy`, then requests through the production
# settings' middleware (a probe over plain http, another path over http and over https as
# the proxy reports it; none touches the database). Prints one JSON line.
API_SCRIPT = (
    """
import io, json, django
from config.settings import use_environment_settings
use_environment_settings()
django.setup()
"""
    + OLD_GDAL
    + """
from django.core.management import call_command
from django.test import Client
checked = io.StringIO()
try:
    call_command("check", "--deploy", "--fail-level", "DEBUG", stdout=checked)
    check = checked.getvalue()
except Exception as error:
    check = f"failed: {error}"
client = Client(headers={"host": "example.com"})
missing = client.get("/no-such-page", headers={"x-forwarded-proto": "https", "x-request-id": "r-1"})
print(json.dumps({
    "check": check,
    "healthz": client.get("/healthz").status_code,
    "other_http": client.get("/no-such-page").status_code,
    "other_https": missing.status_code,
    "other_https_body": missing.json(),
    "other_https_request_id": missing.headers["X-Request-ID"],
}))
"""
)

# `manage.py check --deploy` of the admin process (APP_ROLE=admin).
ADMIN_SCRIPT = (
    """
import django
from config.settings import use_environment_settings
use_environment_settings()
django.setup()
"""
    + OLD_GDAL
    + """
from django.core.management import call_command
call_command("check", "--deploy", "--fail-level", "DEBUG")
"""
)

# What the image build runs: `ENVIRONMENT=local python manage.py collectstatic`, into the
# directory named on the command line rather than the project's staticfiles/.
COLLECTSTATIC_SCRIPT = """
import sys, django
from config.settings import use_environment_settings
use_environment_settings()
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.STATIC_ROOT = sys.argv[1]
call_command("collectstatic", interactive=False, verbosity=0)
"""

# The settings modules a fresh import loads again, as a new process would.
SETTINGS_MODULES = ("config.settings.base", "config.settings.production")


def production_env(**changes: str) -> dict[str, str]:
    """Return this process's environment set up for production, with `changes` applied."""
    # Without the settings module and log format of this process: production picks its own.
    unset = {"DJANGO_SETTINGS_MODULE", "LOG_FORMAT"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env |= {
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "sqlite:///./production-test.db",
        "ALLOW_SQLITE_IN_PRODUCTION": "true",
        # Needed only when DOCS_MODE is basic; harmless otherwise.
        "DOCS_PASSWORD": secrets.token_urlsafe(24),
        # Needed only with /metrics (observability); harmless otherwise.
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    return env | changes


@dataclass
class Run:
    """A process of this module: started at once, waited for when a test reads it."""

    process: subprocess.Popen[str]
    done: subprocess.CompletedProcess[str] | None = None

    def result(self) -> subprocess.CompletedProcess[str]:
        """Wait for the process; return its exit status and output."""
        if self.done is None:
            stdout, stderr = self.process.communicate(timeout=120)
            self.done = subprocess.CompletedProcess(
                self.process.args, self.process.returncode, stdout, stderr
            )
        return self.done


def start_python(*args: str, env: dict[str, str]) -> Run:
    """Start this interpreter in the project's root with `args`."""
    process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Run(process)


# The processes, started once per test session by start_runs.
_runs: dict[str, Run] = {}
# Where the collectstatic process collects to, made when it starts.
STATIC_ROOT = Path(tempfile.gettempdir()) / f"collectstatic-{os.getpid()}"


def start_runs() -> dict[str, Run]:
    """Start the module's processes together, once (conftest.py starts them as soon as
    these tests are collected, so they run beside the rest of the suite); return them.
    """
    if not _runs:
        STATIC_ROOT.mkdir()
        _runs["api"] = start_python("-c", API_SCRIPT, env=production_env(APP_ROLE="api"))
        _runs["admin"] = start_python("-c", ADMIN_SCRIPT, env=production_env(APP_ROLE="admin"))
        # Nothing but what the image build has: PATH and ENVIRONMENT=local.
        _runs["collectstatic"] = start_python(
            "-c",
            COLLECTSTATIC_SCRIPT,
            str(STATIC_ROOT),
            env={"PATH": os.environ["PATH"], "ENVIRONMENT": "local"},
        )
    return _runs


def stop_runs() -> None:
    """End the processes still running, and remove what collectstatic wrote."""
    for run in _runs.values():
        if run.process.poll() is None:
            run.process.kill()
        run.process.communicate()
    _runs.clear()
    shutil.rmtree(STATIC_ROOT, ignore_errors=True)


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, Run]]:
    """Return the module's processes, each test waiting for the one it reads."""
    # They run production on an SQLite file.
    if problem := sqlite_problem():
        pytest.skip(problem)
    yield start_runs()
    stop_runs()


@pytest.fixture(scope="module")
def api_run(runs: dict[str, Run]) -> subprocess.CompletedProcess[str]:
    """Return the API process's run, which must have succeeded."""
    done = runs["api"].result()
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def api_answers(api_run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Return what the API process printed: its deploy check's output, its answers."""
    answers: dict[str, Any] = json.loads(api_run.stdout.strip().splitlines()[-1])
    return answers


def load_production_settings(monkeypatch: pytest.MonkeyPatch, **changes: str) -> ModuleType:
    """Import fresh copies of the production settings modules, with production_env(**changes)
    as the process environment, as a new process would; return the production module.

    Raises whatever the settings raise. This process's own settings modules are left alone.
    """
    for name in ("DJANGO_SETTINGS_MODULE", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in production_env(**changes).items():
        monkeypatch.setenv(name, value)
    saved = {name: sys.modules.pop(name) for name in SETTINGS_MODULES if name in sys.modules}
    try:
        return importlib.import_module("config.settings.production")
    finally:
        for name in SETTINGS_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


@pytest.mark.parametrize("role", ["api", "admin"])
def test_check_deploy_reports_no_issues(
    role: str, runs: dict[str, Run], api_answers: dict[str, Any]
) -> None:
    if role == "api":
        output: str = api_answers["check"]
    else:
        done = runs["admin"].result()
        assert done.returncode == 0, done.stderr
        output = done.stdout

    assert "no issues" in output


def test_http_is_redirected_to_https_except_for_the_probes(api_answers: dict[str, Any]) -> None:
    assert api_answers["healthz"] == 200
    assert api_answers["other_http"] == 301
    assert api_answers["other_https"] == 404
    assert api_answers["other_https_body"] == {"detail": "Not found."}
    assert api_answers["other_https_request_id"] == "r-1"


def test_logs_are_json_lines_carrying_the_request_id(
    api_run: subprocess.CompletedProcess[str],
) -> None:
    # Python's warnings (whitenoise's about the unbuilt staticfiles/) are not log records.
    lines = [line for line in api_run.stderr.splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    [not_found] = [entry for entry in entries if entry["request_id"] == "r-1"]
    assert not_found["message"] == "Not Found: /no-such-page"
    assert {"time", "level", "logger", "message", "request_id"} <= set(not_found)


def test_sqlite_in_production_when_allowed_warns_once_at_startup(
    api_run: subprocess.CompletedProcess[str],
) -> None:
    lines = api_run.stderr.splitlines()
    warnings = [line for line in lines if "Production runs on SQLite" in line]
    assert len(warnings) == 1
    assert json.loads(warnings[0])["level"] == "WARNING"


def test_production_settings_load_with_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    production = load_production_settings(monkeypatch)

    assert production.DEBUG is False
    assert production.ALLOWED_HOSTS == ["example.com"]


def test_sqlite_in_production_is_refused_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL is SQLite but ENVIRONMENT is"):
        load_production_settings(monkeypatch, ALLOW_SQLITE_IN_PRODUCTION="false")


def test_production_settings_refuse_an_empty_allowed_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS is empty"):
        load_production_settings(monkeypatch, ALLOWED_HOSTS="")


def test_production_settings_refuse_a_placeholder_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is the placeholder"):
        load_production_settings(monkeypatch, SECRET_KEY="changethis")


def test_production_settings_refuse_to_load_without_environment_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(
        ImproperlyConfigured, match="these are the production settings but ENVIRONMENT is 'local'"
    ):
        load_production_settings(monkeypatch, ENVIRONMENT="local")


def test_collectstatic_needs_nothing_but_environment_local(runs: dict[str, Run]) -> None:
    done = runs["collectstatic"].result()

    assert done.returncode == 0, done.stderr
    assert (STATIC_ROOT / "staticfiles.json").is_file()
    assert (STATIC_ROOT / "admin" / "css" / "base.css").is_file()
