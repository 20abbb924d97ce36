"""yamllint on the project's YAML, Helm templates excepted (they are not YAML yet)."""

from __future__ import annotations

import re
from pathlib import Path

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome, dev_tool, run_tool

NAME = "yamllint"
INSTALL = "uv add --dev yamllint"
# `on:` in workflows is a key, not a boolean; long lines are the formatters' business.
CONFIG = """\
extends: default
rules:
  truthy: {allowed-values: ["true", "false"], check-keys: false}
  line-length: disable
  document-start: disable
  comments: {min-spaces-from-content: 1}
"""
_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): \[(?P<level>\w+)\] (?P<message>.+)$"
)


def applies(project: Project) -> bool:
    """yamllint applies when the project has YAML files."""
    return bool(_yaml_files(project.path))


def check(project: Project) -> list[Outcome]:
    """Return one outcome for all YAML files together; warnings are listed, not failed."""
    yamllint = dev_tool("yamllint", install=INSTALL)
    files = [str(p.relative_to(project.path)) for p in _yaml_files(project.path)]
    run = run_tool([yamllint, "-f", "parsable", "-d", CONFIG, *files], cwd=project.path)
    findings = tuple(
        Finding(
            file=m["file"],
            line=int(m["line"]),
            message=m["message"],
            severity="error" if m["level"] == "error" else "warning",
        )
        for m in (_LINE.match(line) for line in run.stdout.splitlines())
        if m
    )
    failed = run.returncode != 0 and any(f.severity == "error" for f in findings)
    return [
        Outcome(
            tool=NAME,
            target=f"{len(files)} file(s)",
            status="fail" if failed else "pass",
            seconds=run.seconds,
            findings=findings,
        )
    ]


def _yaml_files(project: Path) -> list[Path]:
    return sorted(
        p
        for p in [*project.rglob("*.yml"), *project.rglob("*.yaml")]
        if ".venv" not in p.parts and not ("helm" in p.parts and "templates" in p.parts)
    )
