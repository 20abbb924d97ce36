"""Helpers for the update tier: git in throwaway repositories, and a committed snapshot of
the real template, since a project rendered from a checkout with uncommitted changes
records a revision (`_commit`) that exists nowhere else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# Session fixtures run outside the per-test git config that tests/conftest.py sets up.
_NOT_TEMPLATE = (".git", ".venv", "__pycache__", "*.pyc", ".ruff_cache", ".pytest_cache", "site")
_IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@example.com")


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return what it printed; fail the test when git fails."""
    done = subprocess.run(
        ["git", *_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def commit_all(cwd: Path, message: str, tag: str | None = None) -> None:
    """Commit every change in `cwd`, and tag the commit when `tag` is given."""
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "--no-verify", "-m", message)
    if tag:
        git(cwd, "tag", tag)


@pytest.fixture(scope="session")
def template_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real template as it is in this checkout, committed and tagged in a repository
    of its own."""
    root = tmp_path_factory.mktemp("template-snapshot") / "stackcraft"
    # Everything copier may read (copier.yml, template/, extensions/, partials), not the
    # repository's own history, environments and caches.
    ignore = shutil.ignore_patterns(*_NOT_TEMPLATE)
    shutil.copytree(REPO_ROOT, root, ignore=ignore, symlinks=True)
    git(root, "init", "-q")
    commit_all(root, "snapshot", tag="v0.1.0")
    return root
