"""One version: pyproject.toml's, which the installed CLI reports, which CHANGELOG.md's
newest release heading names, and which the release's git tag (`vX.Y.Z`) carries.

Copier reads a template's version from its git tags only, so the tag is what `copier
update`, `stackcraft update` and `_migrations` compare; these tests keep the other two
places from drifting away from it.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import tomllib

import pytest
from packaging.version import Version
from typer.testing import CliRunner

from stackcraft.app import app
from tests.conftest import REPO_ROOT

# `## [1.2.0] - 2027-01-31`, as Keep a Changelog writes a release.
_RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - \d{4}-\d{2}-\d{2}$", re.MULTILINE)
_HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\]", re.MULTILINE)


def _pyproject_version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def _changelog() -> str:
    return (REPO_ROOT / "CHANGELOG.md").read_text()


def _tags() -> list[str]:
    done = subprocess.run(
        ["git", "tag", "--list", "v*"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("the checkout is not a git repository")
    return done.stdout.split()


def test_the_installed_cli_reports_pyprojects_version() -> None:
    assert importlib.metadata.version("stackcraft") == _pyproject_version()


def test_the_changelog_opens_with_unreleased_then_releases_newest_first() -> None:
    names = _HEADING.findall(_changelog())
    assert names[0] == "Unreleased"
    released = [Version(name) for name in names[1:]]
    assert released == sorted(released, reverse=True)
    assert len(released) == len(_RELEASE.findall(_changelog())), "a release heading lacks its date"


def test_the_newest_changelog_release_is_pyprojects_version() -> None:
    releases = _RELEASE.findall(_changelog())
    if releases:
        assert releases[0] == _pyproject_version()
    else:
        # Nothing released yet: pyproject names the version the first release will carry.
        assert _tags() == [], "a version is tagged but CHANGELOG.md has no release heading"


def test_no_tag_is_newer_than_pyprojects_version() -> None:
    version = Version(_pyproject_version())
    assert [tag for tag in _tags() if Version(tag.removeprefix("v")) > version] == []


def test_stackcraft_version_prints_pyprojects_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"stackcraft {_pyproject_version()}"
