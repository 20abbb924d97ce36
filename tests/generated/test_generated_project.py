"""Generated projects held to their own bar: install, lint, type check, test, migrate.

Renders a few variants with `stackcraft new` (uv lock included), installs each with uv on
the Python it targets, and runs the commands its README promises. Needs the package index
and that interpreter; when either is missing the tests skip and say which.
"""

from __future__ import annotations

import subprocess
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest
import yaml

from stackcraft.errors import CheckFailedError
from stackcraft.project import project_env
from stackcraft.pythons import find_python
from stackcraft.render import render_new
from stackcraft.smoke import services
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


def _run(project: Path, *command: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=project,
        env=project_env(**extra_env),
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def _fresh_postgresql(project: Path) -> Generator[str]:
    """Yield the URL of a fresh database (dropped afterwards), or skip saying why there is none.

    Uses the smoke harness's PostgreSQL: the one on 127.0.0.1:5432, else a throwaway one.
    """
    answers = _answers(project)
    if answers["database"] != "postgresql":
        pytest.skip("database=sqlite: the project has no PostgreSQL driver")
    # SQLAlchemy's URLs name the async driver; Django's do not.
    scheme = "postgresql" if answers["framework"] == "django" else "postgresql+asyncpg"
    try:
        with services.postgres("auto") as server:
            yield server.database(scheme)
    except CheckFailedError as missing:
        pytest.skip(str(missing))


def _answers(project: Path) -> dict[str, object]:
    return cast("dict[str, object]", yaml.safe_load((project / ".copier-answers.yml").read_text()))


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
    with _fresh_postgresql(project) as url:
        done = _run(project, "uv", "run", "--no-sync", "pytest", "-q", DATABASE_URL=url)
    assert done.returncode == 0, done.stdout[-4000:]


def test_generated_project_migrates_a_fresh_postgresql(project: Path) -> None:
    slug = str(_answers(project)["project_slug"])
    with _fresh_postgresql(project) as url:
        done = _run(project, "uv", "run", "--no-sync", slug, "migrate", DATABASE_URL=url)
    assert done.returncode == 0, done.stderr[-4000:]
