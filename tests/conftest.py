"""Isolation shared by every tier: each test gets its own git identity, environment and cwd."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import cast

import pytest
from plumbum import local

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the test a private git config and cwd, and keep uv off the network."""
    gitconfig = tmp_path / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test\n\temail = test@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # The template's `uv lock` task then resolves from the local cache only: fast, and a
    # cold cache just leaves the project unlocked (the task says so) instead of failing.
    for key, value in {"UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never"}.items():
        monkeypatch.setenv(key, value)
        # Copier runs tasks with plumbum's copy of the environment, taken at import.
        monkeypatch.setitem(cast("dict[str, str]", local.env), key, value)
    monkeypatch.delenv("STACKCRAFT_TEMPLATE", raising=False)
    monkeypatch.chdir(tmp_path)


def make_template(root: Path, files: dict[str, str], settings: str = "") -> Path:
    """Write a minimal stackcraft-shaped template: copier.yml, extensions, template/ files."""
    (root / "extensions").mkdir(parents=True)
    (root / "extensions" / "context.py").write_text(
        (REPO_ROOT / "extensions" / "context.py").read_text()
    )
    (root / "copier.yml").write_text(
        "_subdirectory: template\n"
        "_jinja_extensions:\n"
        "  - copier_template_extensions.TemplateExtensionLoader\n"
        "  - extensions/context.py:StackcraftFilters\n"
        "project_name: {type: str, default: Demo}\n" + settings
    )
    write_files(root / "template", files)
    return root


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write each relative path of `files` under `root` with its text."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def generated_project(root: Path, data: dict[str, object] | None = None) -> Path:
    """Render the real template with `data` (and defaults) into `root`/svc, tasks included.

    The `uv lock` task needs the package index; where it is unreachable the project is
    still rendered, unlocked, and `uv sync` locks it later.
    """
    from stackcraft.render import render_new
    from stackcraft.template import Template

    dest = root / "svc"
    render_new(dest, template=Template.load(), data=data or {}, defaults=True)
    return dest


def copy_project(source: Path, dest: Path) -> Path:
    """Copy a generated project without its virtualenv (whose scripts hold absolute paths)."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    return dest
