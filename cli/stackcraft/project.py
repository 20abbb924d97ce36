"""A generated project on disk: its answers, its own virtual environment, and one for checks.

`Project.sync` installs into the project (`.venv`), as its README does; smoke runs it that
way. `Project.check_env` builds an environment outside it, so checks leave the tree as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stackcraft.answers import Answers, read_answers
from stackcraft.errors import CheckFailedError, UserError
from stackcraft.process import ToolRun, run_tool
from stackcraft.pythons import find_python

__all__ = ["CheckEnv", "Project", "check_env_root", "project_env"]

# A check environment not used for this long is removed when another is built.
_STALE_SECONDS = 14 * 24 * 3600

# Settings a developer's shell may hold that would change what a generated project sees.
_SCRUBBED = (
    "DATABASE_URL",
    "REDIS_URL",
    "ENVIRONMENT",
    "SECRET_KEY",
    "VIRTUAL_ENV",
    "UV_OFFLINE",
    "UV_PYTHON",
)


def project_env(**extra: str) -> dict[str, str]:
    """Return this process's environment without settings that leak into a project."""
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return env | extra


def check_env_root() -> Path:
    """Return where check environments live: $STACKCRAFT_CACHE_DIR/envs, else the user cache."""
    configured = os.environ.get("STACKCRAFT_CACHE_DIR")
    if configured:
        return Path(configured) / "envs"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "stackcraft" / "envs"


@dataclass(frozen=True)
class CheckEnv:
    """A virtual environment with a project's dependencies, kept outside the project."""

    venv: Path
    seconds: float

    @property
    def python(self) -> Path:
        """The environment's interpreter."""
        return self.venv / "bin" / "python"

    def tool(self, name: str) -> Path:
        """The path of console script `name` installed in the environment."""
        return self.venv / "bin" / name


@dataclass(frozen=True)
class Project:
    """A stackcraft-generated project and the answers it was rendered with."""

    path: Path
    answers: Answers

    @classmethod
    def open(cls, path: Path) -> Project:
        """Return the project at `path`.

        Raises:
            UserError: when `path` is not a directory holding a stackcraft answers file.
        """
        if not path.is_dir():
            raise UserError(f"'{path}' is not a directory: give the path of a generated project")
        return cls(path=path.resolve(), answers=read_answers(path))

    def _uv_and_python(self) -> tuple[str, Path]:
        uv = shutil.which("uv")
        if uv is None:
            raise CheckFailedError("uv is not installed: pip install uv")
        return uv, self._python()

    def sync(self) -> ToolRun:
        """Install the project's environment with uv on its own Python version.

        Its modules are compiled as they are installed: each process the run starts (the
        tests' subprocesses, the server, the worker) then loads bytecode instead of compiling
        every dependency again, which it would when the shell sets PYTHONDONTWRITEBYTECODE.

        Raises:
            CheckFailedError: when uv or the interpreter is missing, or the install fails.
        """
        uv, python = self._uv_and_python()
        locked = ["--locked"] if (self.path / "uv.lock").is_file() else []
        run = run_tool(
            [uv, "sync", *locked, "--compile-bytecode", "--python", str(python)],
            cwd=self.path,
            env=project_env(),
        )
        if run.returncode != 0:
            last = run.stderr.strip().splitlines()[-1:] or ["(no output)"]
            raise CheckFailedError(f"uv sync failed in '{self.path}': {last[0]}")
        return run

    def check_env(self) -> CheckEnv:
        """Return an environment with the project's dependencies, built outside the project.

        Only pyproject.toml and uv.lock (when there is one) decide what it holds, so it is
        kept in the user's cache under their hash and shared by projects that agree. It is
        synced from a copy of those two files, `--locked` when there is a lock, so uv writes
        neither a `.venv` nor a `uv.lock` into the project. The project itself is not
        installed: its `src/` is on pyright's import path by convention.

        Raises:
            CheckFailedError: when uv or the interpreter is missing, or the install fails.
        """
        uv, python = self._uv_and_python()
        files = [name for name in ("pyproject.toml", "uv.lock") if (self.path / name).is_file()]
        digest = hashlib.sha256(str(python).encode())
        for name in files:
            digest.update(name.encode() + b"\0" + (self.path / name).read_bytes())
        root = check_env_root()
        venv = root / digest.hexdigest()[:20] / ".venv"
        locked = ["--locked"] if "uv.lock" in files else []
        offline = {"UV_OFFLINE": os.environ["UV_OFFLINE"]} if "UV_OFFLINE" in os.environ else {}
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="stackcraft-lock-") as tmp:
            for name in files:
                shutil.copy2(self.path / name, Path(tmp) / name)
            run = run_tool(
                [uv, "sync", *locked, "--no-install-project", "--python", str(python)],
                cwd=Path(tmp),
                env=project_env(UV_PROJECT_ENVIRONMENT=str(venv), **offline),
            )
        if run.returncode != 0:
            last = run.stderr.strip().splitlines()[-1:] or ["(no output)"]
            raise CheckFailedError(f"uv sync failed for '{self.path}': {last[0]}")
        venv.parent.touch()
        _remove_stale(root, keep=venv.parent)
        return CheckEnv(venv=venv, seconds=time.perf_counter() - started)

    def _python(self) -> Path:
        version = self.answers.python_version
        python = find_python(version)
        if python is None:
            raise CheckFailedError(
                f"no Python {version} interpreter found: install it, or set "
                f"STACKCRAFT_PYTHON_{version.replace('.', '_')} to its path"
            )
        return python

    def run(
        self, *command: str, env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> ToolRun:
        """Run `command` inside the project's environment (uv run --no-sync), with `env` added."""
        uv = shutil.which("uv") or "uv"
        return run_tool(
            [uv, "run", "--no-sync", *command],
            cwd=self.path,
            env=project_env(**(env or {})),
            timeout=timeout,
        )


def _remove_stale(root: Path, *, keep: Path) -> None:
    """Remove check environments unused for two weeks (each is one `uv sync` away)."""
    cutoff = time.time() - _STALE_SECONDS
    for env in root.iterdir():
        try:
            stale = env != keep and env.stat().st_mtime < cutoff
        except OSError:
            continue
        if stale:
            shutil.rmtree(env, ignore_errors=True)
