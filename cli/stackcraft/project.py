"""A generated project on disk: its answers, and its own virtual environment."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stackcraft.answers import Answers, read_answers
from stackcraft.errors import CheckFailedError, UserError
from stackcraft.process import ToolRun, run_tool
from stackcraft.pythons import find_python

__all__ = ["Project", "project_env"]

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

    def sync(self) -> ToolRun:
        """Install the project's environment with uv on its own Python version.

        Raises:
            CheckFailedError: when uv or the interpreter is missing, or the install fails.
        """
        uv = shutil.which("uv")
        if uv is None:
            raise CheckFailedError("uv is not installed: pip install uv")
        version = self.answers.python_version
        python = find_python(version)
        if python is None:
            raise CheckFailedError(
                f"no Python {version} interpreter found: install it, or set "
                f"STACKCRAFT_PYTHON_{version.replace('.', '_')} to its path"
            )
        locked = ["--locked"] if (self.path / "uv.lock").is_file() else []
        run = run_tool(
            [uv, "sync", *locked, "--python", str(python)], cwd=self.path, env=project_env()
        )
        if run.returncode != 0:
            last = run.stderr.strip().splitlines()[-1:] or ["(no output)"]
            raise CheckFailedError(f"uv sync failed in '{self.path}': {last[0]}")
        return run

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
