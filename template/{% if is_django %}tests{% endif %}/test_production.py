"""Production settings, loaded the way the server loads them, in a process of their own.

Each test runs `python` in the project with ENVIRONMENT=production and real-looking
secrets, so nothing of the test settings leaks in. They run on SQLite, allowed
(ALLOW_SQLITE_IN_PRODUCTION), as none of them reaches the database.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Requests through the production settings' middleware: a probe over plain http, another
# path over http and over https as the proxy reports it. None touches the database.
REQUESTS_SCRIPT = """
import json, django
from config.settings import use_environment_settings
use_environment_settings()
django.setup()
from django.test import Client
client = Client(headers={"host": "example.com"})
missing = client.get("/no-such-page", headers={"x-forwarded-proto": "https", "x-request-id": "r-1"})
print(json.dumps({
    "healthz": client.get("/healthz").status_code,
    "other_http": client.get("/no-such-page").status_code,
    "other_https": missing.status_code,
    "other_https_body": missing.json(),
    "other_https_request_id": missing.headers["X-Request-ID"],
}))
"""

# `manage.py collectstatic`, into the directory named on the command line rather than the
# project's staticfiles/.
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
    }
    return env | changes


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run this interpreter in the project's root with `args`."""
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("role", ["api", "admin"])
def test_check_deploy_reports_no_issues(role: str) -> None:
    done = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "DEBUG", env=production_env(APP_ROLE=role)
    )

    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_http_is_redirected_to_https_except_for_the_probes() -> None:
    done = run_python("-c", REQUESTS_SCRIPT, env=production_env())

    assert done.returncode == 0, done.stderr
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    assert statuses["healthz"] == 200
    assert statuses["other_http"] == 301
    assert statuses["other_https"] == 404
    assert statuses["other_https_body"] == {"detail": "Not found."}
    assert statuses["other_https_request_id"] == "r-1"


def test_logs_are_json_lines_carrying_the_request_id() -> None:
    done = run_python("-c", REQUESTS_SCRIPT, env=production_env())

    assert done.returncode == 0, done.stderr
    # Python's warnings (whitenoise's about the unbuilt staticfiles/) are not log records.
    lines = [line for line in done.stderr.splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    [not_found] = [entry for entry in entries if entry["request_id"] == "r-1"]
    assert not_found["message"] == "Not Found: /no-such-page"
    assert {"time", "level", "logger", "message", "request_id"} <= set(not_found)


def test_sqlite_in_production_is_refused_unless_allowed() -> None:
    done = run_python("manage.py", "check", env=production_env(ALLOW_SQLITE_IN_PRODUCTION="false"))

    assert done.returncode != 0
    assert "DATABASE_URL is SQLite but ENVIRONMENT is 'production'" in done.stderr


def test_sqlite_in_production_when_allowed_warns_once_at_startup() -> None:
    done = run_python("manage.py", "check", env=production_env())

    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "Production runs on SQLite" in line]
    assert len(warnings) == 1
    assert json.loads(warnings[0])["level"] == "WARNING"


def test_production_settings_refuse_an_empty_allowed_hosts() -> None:
    done = run_python("manage.py", "check", env=production_env(ALLOWED_HOSTS=""))

    assert done.returncode != 0
    assert "ALLOWED_HOSTS is empty" in done.stderr


def test_production_settings_refuse_a_placeholder_secret_key() -> None:
    done = run_python("manage.py", "check", env=production_env(SECRET_KEY="changethis"))

    assert done.returncode != 0
    assert "SECRET_KEY is the placeholder" in done.stderr


def test_production_settings_refuse_to_load_without_environment_production() -> None:
    env = production_env(DJANGO_SETTINGS_MODULE="config.settings.production")
    env["ENVIRONMENT"] = "local"

    done = run_python("manage.py", "check", env=env)

    assert done.returncode != 0
    assert "these are the production settings but ENVIRONMENT is 'local'" in done.stderr


def test_collectstatic_needs_nothing_but_environment_local(tmp_path: Path) -> None:
    # What the image build runs: `ENVIRONMENT=local python manage.py collectstatic`.
    env = {"PATH": os.environ["PATH"], "ENVIRONMENT": "local"}

    done = run_python("-c", COLLECTSTATIC_SCRIPT, str(tmp_path), env=env)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "staticfiles.json").is_file()
    assert (tmp_path / "admin" / "css" / "base.css").is_file()
