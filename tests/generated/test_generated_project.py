"""Generated projects held to their own bar: install, lint, type check, test, migrate.

Renders a few variants with `stackcraft new` (uv lock included), installs each with uv on
the Python it targets, and runs the commands its README promises. Needs the package index
and that interpreter; when either is missing the tests skip and say which.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path
from typing import cast

import pytest
import yaml

from stackcraft.pythons import find_python
from stackcraft.render import render_new
from stackcraft.template import Template

pytestmark = pytest.mark.xdist_group("generated-projects")

VARIANTS: dict[str, dict[str, object]] = {
    "defaults": {},
    "django": {"framework": "django"},
    "no-auth-sqlite-no-cache-docs-basic-py312": {
        "auth": "none",
        "database": "sqlite",
        "cache": "none",
        "api_docs": "basic",
        "python_version": "3.12",
        "ci": "none",
    },
}

# Settings a developer's shell may hold that would change what the generated tests see.
_SCRUBBED = ("DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "SECRET_KEY", "VIRTUAL_ENV", "UV_OFFLINE")


def _env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env | extra


def _run(project: Path, *command: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=project, env=_env(**extra_env), capture_output=True, text=True, check=False
    )


def _skip_unless_postgresql(project: Path) -> str:
    """Return a fresh PostgreSQL database URL, or skip: SQLite variants ship no driver for it."""
    answers = _answers(project)
    if answers["database"] != "postgresql":
        pytest.skip("database=sqlite: the project has no PostgreSQL driver")
    # SQLAlchemy's URLs name the async driver; Django's do not.
    url = _postgres_url("postgresql" if answers["framework"] == "django" else "postgresql+asyncpg")
    if url is None:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (psql and a trust login are needed)")
    return url


def _answers(project: Path) -> dict[str, object]:
    return cast("dict[str, object]", yaml.safe_load((project / ".copier-answers.yml").read_text()))


def _postgres_url(scheme: str) -> str | None:
    """Return a URL of a fresh database on the local PostgreSQL, or None when there is none."""
    if shutil.which("psql") is None:
        return None
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    name = f"stackcraft_{uuid.uuid4().hex[:12]}"
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return f"{scheme}://postgres@127.0.0.1:5432/{name}" if done.returncode == 0 else None


def _drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {name}"],
        capture_output=True,
        check=False,
    )


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render one variant and install it; skip (saying why) when that cannot happen here."""
    data = VARIANTS[str(request.param)]
    template = Template.load()
    version = str(template.complete(data)["python_version"])
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter on this machine")
    dest = tmp_path_factory.mktemp("generated") / str(request.param)
    render_new(dest, template=template, data=data, defaults=True)
    if not (dest / "uv.lock").is_file():
        pytest.skip("uv lock failed at render time (no package index reachable?)")
    synced = _run(dest, "uv", "sync", "--locked", "--python", str(python))
    assert synced.returncode == 0, synced.stderr
    return dest


def test_generated_project_is_ruff_clean(project: Path) -> None:
    done = _run(project, "uv", "run", "--no-sync", "ruff", "check")
    assert done.returncode == 0, done.stdout


def test_generated_project_is_ruff_format_clean(project: Path) -> None:
    done = _run(project, "uv", "run", "--no-sync", "ruff", "format", "--check")
    assert done.returncode == 0, done.stdout


def test_generated_project_is_pyright_clean(project: Path) -> None:
    done = _run(project, "uv", "run", "--no-sync", "pyright")
    assert done.returncode == 0, done.stdout


def test_generated_project_tests_pass_on_sqlite(project: Path) -> None:
    done = _run(project, "uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider")
    assert done.returncode == 0, done.stdout[-4000:]


def test_generated_project_tests_pass_on_postgresql(project: Path) -> None:
    url = _skip_unless_postgresql(project)
    try:
        done = _run(project, "uv", "run", "--no-sync", "pytest", "-q", DATABASE_URL=url)
        assert done.returncode == 0, done.stdout[-4000:]
    finally:
        _drop(url)


def test_generated_project_migrates_a_fresh_postgresql(project: Path) -> None:
    url = _skip_unless_postgresql(project)
    try:
        slug = str(_answers(project)["project_slug"])
        done = _run(project, "uv", "run", "--no-sync", slug, "migrate", DATABASE_URL=url)
        assert done.returncode == 0, done.stderr[-4000:]
    finally:
        _drop(url)
