"""The static tier over the pairwise set: every variant passes every validator (`prove`)."""

from __future__ import annotations

import json
from typing import Any, cast

from typer.testing import CliRunner

from stackcraft.app import app

runner = CliRunner()


def test_every_pairwise_variant_passes_validate() -> None:
    args = ["prove", "--strategy", "pairwise", "--tier", "static", "-j", "2", "--json"]
    result = runner.invoke(app, args)
    report = cast("dict[str, Any]", json.loads(result.stdout))
    failed = {v["id"]: v["first_error"] for v in report["variants"] if not v["ok"]}
    assert result.exit_code == 0, failed
    assert len(report["variants"]) >= 6
