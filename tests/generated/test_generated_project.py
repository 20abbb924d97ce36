"""Generated projects held to their own bar: install, lint, type check, test, migrate.

Renders a few variants with `stackcraft new` (uv lock included), installs each with uv on
the Python it targets, and runs the commands its README promises. Needs the package index
and that interpreter; when either is missing the tests skip and say which.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
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
    synced = _run(dest, "uv", "sync", "--locked", "--compile-bytecode", "--python", str(python))
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


# The README's commands that another test here, or another tier, runs; the walk below runs
# every other one as written. A README command in neither fails the walk, so a new one
# cannot go untested.
RUN_ELSEWHERE: dict[str, str] = {
    r"uv run ruff check": "test_generated_project_is_ruff_clean",
    r"uv run ruff format --check": "test_generated_project_is_ruff_format_clean",
    r"uv run pyright": "test_generated_project_is_pyright_clean",
    r"uv run pytest": "test_generated_project_tests_pass_on_sqlite",
    r"DATABASE_URL=\S+ uv run pytest": "test_generated_project_tests_pass_on_postgresql",
    r"docker compose .*": "tests/static (compose config) and the project's own CI; no engine here",
    r"ENVIRONMENT=production uv run gunicorn -c gunicorn\.conf\.py": "stackcraft smoke's boot step",
}
SERVE = re.compile(r"uv run (?P<slug>\w+) serve")
ADMIN_SERVER = re.compile(r"APP_ROLE=admin PORT=(?P<port>\d+) ENVIRONMENT=production .+")
CREATEDB = re.compile(r"createdb -h 127\.0\.0\.1 -U postgres (?P<name>\w+)")
PORT_8000 = re.compile(r"localhost:8000\b")


def readme_commands(readme: str) -> list[str]:
    """Return the commands of the README's ```sh blocks: continued lines joined, comments cut."""
    commands: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", readme, flags=re.DOTALL | re.MULTILINE):
        pending = ""
        for raw in block.splitlines():
            line = f"{pending} {raw.strip()}" if pending else raw
            pending = ""
            if line.rstrip().endswith("\\"):
                pending = line.rstrip()[:-1].rstrip()
                continue
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_readme_commands_are_parsed_as_a_user_types_them() -> None:
    readme = "```sh\nuv sync   # install\n# a comment\ncurl -X POST x \\\n  -d '{}'\n```\n"

    assert readme_commands(readme) == ["uv sync", "curl -X POST x -d '{}'"]


def _bash(cwd: Path, script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@contextmanager
def _serving(cwd: Path, command: str, env: dict[str, str], port: int) -> Generator[None]:
    """Run `command` (a server) in its own process group until the block ends."""
    log = cwd / f"server-{port}.log"
    with log.open("w") as out:
        child = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not services.listening(port):
            assert child.poll() is None, f"{command!r} exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"{command!r} not listening on {port}"
            time.sleep(0.2)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):  # the group may have ended already
            os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=30)


def _production_env(project: Path, env: dict[str, str], database_url: str) -> dict[str, str]:
    answers = _answers(project)
    production = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": database_url,
    }
    if answers.get("api_docs") == "basic":
        production["DOCS_PASSWORD"] = secrets.token_urlsafe(24)
    return env | production


def test_readme_commands_run_as_written(project: Path, tmp_path: Path) -> None:
    """Walk the README top to bottom in a copy of the project, as a new user would.

    The copy has no environment yet, so its first command (`uv sync`) builds one. The only
    changes to what is written: servers listen on a free port (and the examples' URLs say
    so), and the database commands point at the harness's PostgreSQL.
    """
    answers = _answers(project)
    walk = tmp_path / "walk"
    shutil.copytree(project, walk, ignore=shutil.ignore_patterns(".venv", "*.db"))
    python = find_python(str(answers["python_version"]))
    assert python is not None
    # The one-line fix `stackcraft new` prints where uv cannot see the chosen Python.
    env = project_env(UV_PYTHON=str(python), GIT_AUTHOR_NAME="t", GIT_COMMITTER_NAME="t")
    # Bytecode at install, as a user's first import would write it: this shell may forbid that.
    env |= {"UV_COMPILE_BYTECODE": "1"}
    env |= {"GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_EMAIL": "t@example.com"}
    commands = readme_commands((walk / "README.md").read_text())
    examples = [command for command in commands if command.startswith(("curl", "TOKEN="))]
    ran: list[str] = []
    with contextlib.ExitStack() as stack:
        postgres = functools.cache(lambda: stack.enter_context(services.postgres("auto")))
        for command in commands:
            if command in examples or any(re.fullmatch(p, command) for p in RUN_ELSEWHERE):
                continue
            if SERVE.fullmatch(command):
                port = services.free_port()
                script = PORT_8000.sub(f"localhost:{port}", "\n".join(examples))
                with _serving(walk, f"{command} --port {port}", env, port):
                    done = _bash(walk, script, env)
                assert done.returncode == 0, f"{script}\n{done.stdout}{done.stderr}"
                if examples:
                    assert '"title":"first"' in done.stdout.replace(" ", ""), done.stdout
                ran.append(command)
                continue
            if admin := ADMIN_SERVER.fullmatch(command):
                on_postgres = answers["database"] == "postgresql"
                url = postgres().database() if on_postgres else f"sqlite:///{walk}/prod.db"
                port = services.free_port()
                production = _production_env(walk, env, url)
                run = command.replace(f"PORT={admin['port']}", f"PORT={port}", 1)
                with _serving(walk, run, production, port):
                    answer = _bash(walk, f"curl -sf http://127.0.0.1:{port}/healthz", env)
                assert answer.returncode == 0, answer.stderr
                ran.append(command)
                continue
            shell = command
            if created := CREATEDB.fullmatch(command):
                server = postgres()
                name = f"{created['name']}_{secrets.token_hex(4)}"
                shell = f"createdb -h 127.0.0.1 -p {server.port} -U postgres {name}"
                stack.callback(
                    _bash, walk, f"dropdb -h 127.0.0.1 -p {server.port} -U postgres {name}", env
                )
            done = _bash(walk, shell, env)
            assert done.returncode == 0, f"{shell}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            if command.endswith("pre-commit run --all-files"):
                assert "no files to check" not in done.stdout, done.stdout
            ran.append(command)
    unknown = [c for c in commands if c not in ran and c not in examples]
    unknown = [c for c in unknown if not any(re.fullmatch(p, c) for p in RUN_ELSEWHERE)]
    assert not unknown
    assert any(SERVE.fullmatch(command) for command in ran)
