"""The static tier over the pairwise set: every variant passes every validator (`prove`)."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from plumbum import local
from typer.testing import CliRunner

from stackcraft.app import app

runner = CliRunner()


@pytest.fixture
def package_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the template's `uv lock` task reach the package index, as a user's does.

    The other tiers lock from uv's cache only (tests/conftest.py); on a fresh machine the
    cache lacks some wheels for a pairwise variant's Python, its lock fails, and the lock
    validator rightly refuses the project. Here the lock is part of what is proved.
    """
    monkeypatch.delenv("UV_OFFLINE", raising=False)
    monkeypatch.delitem(cast("dict[str, str]", local.env), "UV_OFFLINE", raising=False)


@pytest.mark.usefixtures("package_index")
def test_every_pairwise_variant_passes_validate() -> None:
    args = ["prove", "--strategy", "pairwise", "--tier", "static", "-j", "2", "--json"]
    result = runner.invoke(app, args)
    report = cast("dict[str, Any]", json.loads(result.stdout))
    # One line per failed variant, whole: a dict's repr would be cut in its middle.
    failed = "\n".join(f"{v['id']}: {v['first_error']}" for v in report["variants"] if not v["ok"])
    assert result.exit_code == 0, failed
    assert len(report["variants"]) >= 6
