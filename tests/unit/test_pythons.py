"""Finding interpreters (stackcraft.pythons) and telling whether uv itself sees them.

Interpreters and uv are stood in for by small scripts on PATH, so each test decides what
the machine has: a real interpreter, a pyenv shim that exits 127, a uv that finds nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from plumbum import local
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.pythons import check_python, find_python, tasks_use_python

runner = CliRunner()


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def _interpreter(path: Path, version: str = "3.13") -> Path:
    """A script that answers the version probe as Python `version` would, logging each run."""
    return _script(path, f'echo "$0" >> "{path}.runs"\necho {version}')


def _runs(interpreter: Path) -> int:
    log = Path(f"{interpreter}.runs")
    return len(log.read_text().splitlines()) if log.is_file() else 0


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with pyenv's Python 3.13.0 installed but not global, and its shim first."""
    root = tmp_path / "pyenv"
    _interpreter(root / "versions" / "3.13.0" / "bin" / "python3.13")
    (root / "version").write_text("3.11.7\n")
    _script(
        root / "shims" / "python3.13", "echo 'pyenv: python3.13: command not found' >&2\nexit 127"
    )
    _script(tmp_path / "bin" / "uv", f'echo "$@" >> "{tmp_path}/uv.runs"\nexit 2')
    monkeypatch.setenv("PYENV_ROOT", str(root))
    monkeypatch.setenv(
        "PATH", f"{tmp_path / 'bin'}{os.pathsep}{root / 'shims'}{os.pathsep}/usr/bin:/bin"
    )
    for key in ("UV_PYTHON", "STACKCRAFT_PYTHON_3_13", "VIRTUAL_ENV"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def test_find_python_takes_the_override_first_without_asking_uv(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    override = _interpreter(machine / "custom" / "python")
    monkeypatch.setenv("STACKCRAFT_PYTHON_3_13", str(override))
    assert find_python("3.13") == override
    assert not (machine / "uv.runs").exists()


def test_find_python_passes_over_a_shim_that_does_not_run_to_pyenvs_interpreter(
    machine: Path,
) -> None:
    assert find_python("3.13") == machine / "pyenv" / "versions" / "3.13.0" / "bin" / "python3.13"
    assert not (machine / "uv.runs").exists()


def test_find_python_prefers_the_newest_installed_patch(machine: Path) -> None:
    newer = _interpreter(machine / "pyenv" / "versions" / "3.13.10" / "bin" / "python3.13")
    _interpreter(machine / "pyenv" / "versions" / "3.13.9" / "bin" / "python3.13")
    assert find_python("3.13") == newer


def test_find_python_remembers_its_answer_for_the_process(machine: Path) -> None:
    found = find_python("3.13")
    assert found is not None
    assert find_python("3.13") == found
    assert _runs(found) == 1


def test_find_python_asks_uv_only_when_nothing_else_runs(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(machine / "no-pyenv"))
    managed = _interpreter(machine / "uv-managed" / "python3.13")
    _script(machine / "bin" / "uv", f"echo {managed}")
    assert find_python("3.13") == managed


def test_check_python_gives_the_one_line_fix_when_uv_cannot_see_it(machine: Path) -> None:
    status = check_python("3.13")
    python = machine / "pyenv" / "versions" / "3.13.0" / "bin" / "python3.13"
    assert not status.usable
    assert status.found == python
    assert status.fix == (
        f"uv cannot see Python 3.13 (pyenv shims hide it): run  export UV_PYTHON={python}"
        "  (or: pyenv global 3.11.7 3.13.0)"
    )


def test_check_python_asks_uv_for_uv_python_which_uv_sync_honours(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = machine / "pyenv" / "versions" / "3.13.0" / "bin" / "python3.13"
    # This uv finds an interpreter only when asked for it by path, as UV_PYTHON names it.
    _script(machine / "bin" / "uv", 'case "$5" in /*) echo "$5";; *) exit 2;; esac')
    assert not check_python("3.13").usable
    monkeypatch.setenv("UV_PYTHON", str(python))
    status = check_python("3.13")
    assert status.usable
    assert status.fix == ""


def test_check_python_says_how_to_install_a_python_that_is_nowhere(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(machine / "no-pyenv"))
    status = check_python("3.13")
    assert status.found is None
    assert status.fix == (
        "no Python 3.13 interpreter on this machine: run  uv python install 3.13"
        "  (or: pyenv install 3.13)"
    )


def test_doctor_does_not_call_a_python_found_that_uv_cannot_use(machine: Path) -> None:
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "Python 3.13" in line)
    assert "found, uv cannot see it" in row
    fixes = [line for line in result.output.splitlines() if line.startswith("uv cannot see")]
    assert fixes == [
        "uv cannot see Python 3.13 (pyenv shims hide it): run  export UV_PYTHON="
        f"{machine / 'pyenv' / 'versions' / '3.13.0' / 'bin' / 'python3.13'}"
        "  (or: pyenv global 3.11.7 3.13.0)"
    ]


def test_tasks_lock_with_the_chosen_python_not_a_uv_python_of_another_version(
    machine: Path,
) -> None:
    other = _interpreter(machine / "other" / "python3.12", version="3.12")
    with local.env(UV_PYTHON=str(other)), tasks_use_python("3.13"):
        chosen = local.env["UV_PYTHON"]
    assert chosen == str(machine / "pyenv" / "versions" / "3.13.0" / "bin" / "python3.13")


def test_tasks_keep_a_uv_python_of_the_chosen_version(machine: Path) -> None:
    mine = _interpreter(machine / "mine" / "python3.13")
    with local.env(UV_PYTHON=str(mine)), tasks_use_python("3.13"):
        chosen = local.env["UV_PYTHON"]
    assert chosen == str(mine)
