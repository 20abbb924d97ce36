"""Find a working interpreter for a generated project's Python version, and check uv sees it.

uv cannot download interpreters on every machine, and pyenv's shims for versions that are
installed but not global exit 127, so uv is handed a real interpreter path instead where
stackcraft runs it, and the user is told the one-line fix where they will run it themselves.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from plumbum import local

__all__ = ["PythonCheck", "check_python", "find_python", "tasks_use_python"]

_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"


def find_python(version: str) -> Path | None:
    """Return the path of a Python `version` ("3.13") interpreter that runs, or None.

    Tries real interpreter paths first: $STACKCRAFT_PYTHON_<major>_<minor>, pyenv's installed
    versions (newest patch first), then `python<version>` on PATH when it runs (a pyenv shim
    for a version that is not global does not); only then uv's own discovery. The answer is
    kept for the process, per version and per the environment it was looked up in.
    """
    override = os.environ.get(_override_name(version), "")
    return _find_python(version, override, os.environ.get("PATH", ""), str(_pyenv_root()))


@functools.cache
def _find_python(version: str, override: str, path: str, pyenv_root: str) -> Path | None:
    for candidate in _candidates(version, override, path, Path(pyenv_root)):
        if _version_of(candidate) == version:
            return candidate
    uv = shutil.which("uv", path=path)
    if uv is not None:
        found = _output([uv, "python", "find", "--no-python-downloads", version])
        if found and _version_of(Path(found)) == version:
            return Path(found)
    return None


def _candidates(version: str, override: str, path: str, pyenv_root: Path) -> Iterator[Path]:
    if override:
        yield Path(override)
    yield from sorted(
        pyenv_root.glob(f"versions/{version}*/bin/python{version}"),
        key=lambda found: _patch_key(found.parents[1].name),
        reverse=True,
    )
    on_path = shutil.which(f"python{version}", path=path)
    if on_path is not None:
        yield Path(on_path)


def _patch_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


@dataclass(frozen=True)
class PythonCheck:
    """Whether uv itself can use a Python version, and what to do when it cannot.

    `found` is an interpreter stackcraft found (it may be one uv cannot see); `uv_found` is
    what uv finds, honouring $UV_PYTHON as `uv sync` does; `fix` is "" when uv finds it.
    """

    version: str
    found: Path | None
    uv_found: Path | None
    fix: str

    @property
    def usable(self) -> bool:
        """True when uv finds an interpreter of the version on its own."""
        return self.uv_found is not None


def check_python(
    version: str, *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> PythonCheck:
    """Return whether `uv` run in `cwd` with `env` (default: ours) finds Python `version`.

    This is what `uv sync` does in a new project, which has no virtual environment yet:
    `--system` keeps a surrounding one (stackcraft's own, say) from answering. `uv python
    find` ignores $UV_PYTHON, which `uv sync` honours, so when it is set it is the request;
    the interpreter found must be `version` either way.
    """
    env = dict(os.environ if env is None else env)
    env.pop("VIRTUAL_ENV", None)  # stackcraft's own environment is not the project's
    found = find_python(version)
    uv = shutil.which("uv", path=env.get("PATH"))
    uv_found: Path | None = None
    if uv is not None:
        request = env.get("UV_PYTHON") or version
        located = _output(
            [uv, "python", "find", "--system", "--no-python-downloads", request],
            cwd=cwd,
            env=env,
        )
        if located and _version_of(Path(located)) == version:
            uv_found = Path(located)
    fix = "" if uv_found else _fix(version, found, env, uv_missing=uv is None)
    return PythonCheck(version=version, found=found, uv_found=uv_found, fix=fix)


def _fix(version: str, found: Path | None, env: Mapping[str, str], *, uv_missing: bool) -> str:
    if uv_missing:
        return "uv is not installed: run  pip install uv"
    if found is None:
        return (
            f"no Python {version} interpreter on this machine: run  uv python install {version}"
            f"  (or: pyenv install {version})"
        )
    pyenv_root = _pyenv_root()
    shims = pyenv_root / "shims"
    on_path = str(shims) in env.get("PATH", "").split(os.pathsep)
    hidden = " (pyenv shims hide it)" if on_path and (shims / f"python{version}").exists() else ""
    if env.get("UV_PYTHON"):
        hidden = f" (UV_PYTHON={env['UV_PYTHON']} is not it)"
    alternative = ""
    if found.is_relative_to(pyenv_root / "versions"):
        installed = found.relative_to(pyenv_root / "versions").parts[0]
        current = " ".join(_pyenv_globals(pyenv_root)) or "system"
        alternative = f"  (or: pyenv global {current} {installed})"
    return f"uv cannot see Python {version}{hidden}: run  export UV_PYTHON={found}{alternative}"


def _pyenv_globals(pyenv_root: Path) -> list[str]:
    try:
        text = (pyenv_root / "version").read_text()
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _override_name(version: str) -> str:
    return f"STACKCRAFT_PYTHON_{version.replace('.', '_')}"


@functools.cache
def _version_of(interpreter: Path) -> str:
    """Return "3.13" for an interpreter that runs, "" for one that does not (a bare shim)."""
    return _output([str(interpreter), "-c", _PROBE])


def _output(
    command: list[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    try:
        # The command is an interpreter or uv we located ourselves, with fixed arguments.
        done = subprocess.run(  # noqa: S603
            command,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
            cwd=cwd,
            env=None if env is None else dict(env),
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


@contextmanager
def tasks_use_python(version: str | None) -> Generator[None]:
    """Let copier's tasks (the template's `uv lock`) use a real Python `version` interpreter.

    uv finds interpreters itself on most machines; where it may not download one and a
    pyenv shim stands in its way, the lock would fail. UV_PYTHON set by the user wins when
    it is that version; one of another version would lock for the wrong Python, so it is
    replaced for the tasks. Copier hands tasks plumbum's copy of the environment, so it is
    set there.
    """
    chosen = local.env.get("UV_PYTHON", "")
    keep = bool(chosen) and _version_of(Path(chosen)) == version
    python = find_python(version) if version and not keep else None
    if python is None:
        yield
        return
    with local.env(UV_PYTHON=str(python)):
        yield
