"""Find a working interpreter for a generated project's Python version.

uv cannot download interpreters on every machine, and pyenv's shims for versions that are
installed but not global exit 127, so uv is handed a real interpreter path instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

from plumbum import local

__all__ = ["find_python", "tasks_use_python"]


def find_python(version: str) -> Path | None:
    """Return the path of a Python `version` ("3.13") interpreter that runs, or None.

    Looks at $STACKCRAFT_PYTHON_<major>_<minor>, then `python<version>` on PATH, then pyenv's
    installed versions, then uv's own discovery.
    """
    override = os.environ.get(f"STACKCRAFT_PYTHON_{version.replace('.', '_')}")
    candidates: list[Path] = [Path(override)] if override else []
    if on_path := shutil.which(f"python{version}"):
        candidates.append(Path(on_path))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates.extend(sorted(pyenv_root.glob(f"versions/{version}*/bin/python{version}")))
    if uv := shutil.which("uv"):
        found = _output([uv, "python", "find", "--no-python-downloads", version])
        if found:
            candidates.append(Path(found))
    for candidate in candidates:
        if _output([str(candidate), "-c", "import sys; print(sys.version_info[:2])"]) == str(
            tuple(int(part) for part in version.split("."))
        ):
            return candidate
    return None


def _output(command: list[str]) -> str:
    try:
        # The command is an interpreter path we found ourselves, run with fixed arguments.
        done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)  # noqa: S603
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


@contextmanager
def tasks_use_python(version: str | None) -> Generator[None]:
    """Let copier's tasks (the template's `uv lock`) use a real Python `version` interpreter.

    uv finds interpreters itself on most machines; where it may not download one and a
    pyenv shim stands in its way, the lock would fail. UV_PYTHON set by the user wins.
    Copier hands tasks plumbum's copy of the environment, so it is set there.
    """
    python = find_python(version) if version and "UV_PYTHON" not in local.env else None
    if python is None:
        yield
        return
    with local.env(UV_PYTHON=str(python)):
        yield
