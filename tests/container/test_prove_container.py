"""The container tier, pairwise over what changes the image or the services it talks to
(CONTAINER_FACTORS): every image that can be built here boots (`prove`)."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.containers.engine import Engine
from stackcraft.containers.standins import DEBIAN_PYTHONS, registry_answers
from stackcraft.variants import CONTAINER_FACTORS

runner = CliRunner()
pytestmark = pytest.mark.xdist_group("container")


def test_every_buildable_pairwise_variant_passes_the_container_tier(engine: Engine) -> None:
    factors = ",".join(CONTAINER_FACTORS)
    args = ["prove", "--strategy", "pairwise", "--factors", factors, "--tier", "container"]
    result = runner.invoke(app, [*args, "-j", "2", "--json"])
    report = cast("dict[str, Any]", json.loads(result.stdout))
    variants = cast("list[dict[str, Any]]", report["variants"])
    # One line per failed variant, whole: a dict's repr would be cut in its middle.
    failed = "\n".join(f"{v['id']}: {v['first_error']}" for v in variants if not v["ok"])

    assert result.exit_code == 0, failed
    ran = [v for v in variants if not v["skipped"]]
    skipped = [v for v in variants if v["skipped"]]
    assert len(ran) >= 6, f"{engine.label} ran only {[v['id'] for v in ran]}"
    for variant in skipped:
        version = variant["data"]["python_version"]
        # Only a Python with neither a registry nor a Debian release may be skipped.
        assert version not in DEBIAN_PYTHONS
        assert not registry_answers(f"python:{version}-slim")
        assert f"no Debian release ships Python {version}" in variant["skipped"]
        assert "GitHub workflow" in variant["skipped"]
