"""The smoke tier (SPEC section 6): pairwise over the questions that change which services a
variant runs, every variant booted and probed (`prove`)."""

from __future__ import annotations

import json
from typing import Any, cast

from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.variants import SMOKE_FACTORS

runner = CliRunner()


def test_every_pairwise_variant_passes_smoke() -> None:
    factors = ",".join(SMOKE_FACTORS)
    args = ["prove", "--strategy", "pairwise", "--factors", factors, "--tier", "smoke", "-j", "2"]
    # Each variant fuzzed for 10 s, not smoke's 30: the variants share most operations, and
    # `stackcraft smoke` on one project (tests/smoke) keeps the full budget.
    args += ["--fuzz-seconds", "10"]
    result = runner.invoke(app, [*args, "--json"])
    report = cast("dict[str, Any]", json.loads(result.stdout))
    # One line per failed variant, whole: a dict's repr would be cut in its middle.
    failed = "\n".join(f"{v['id']}: {v['first_error']}" for v in report["variants"] if not v["ok"])
    assert result.exit_code == 0, failed
    assert len(report["variants"]) >= 6
