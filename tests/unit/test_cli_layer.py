"""STYLE rule 18: Typer and rich are imported only by the CLI layer, and ruff enforces it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


def _ruff_on(path: str, source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--stdin-filename", path, "-"],
        cwd=REPO_ROOT,
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("source", ["import typer\n", "from rich.table import Table\n"])
def test_a_core_module_importing_the_terminal_libraries_fails_ruff(source: str) -> None:
    done = _ruff_on("cli/stackcraft/variants.py", source)
    assert done.returncode == 1
    assert "TID251" in done.stdout


@pytest.mark.parametrize("module", ["app", "report", "prompts"])
def test_the_cli_layer_may_import_them(module: str) -> None:
    done = _ruff_on(
        f"cli/stackcraft/{module}.py", "import rich\nimport typer\n\nprint(rich, typer)\n"
    )
    assert done.returncode == 0, done.stdout
