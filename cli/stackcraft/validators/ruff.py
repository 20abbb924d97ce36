"""ruff check and ruff format --check, with the project's own configuration."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, cast

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome, run_tool

NAME = "ruff"
_CONCISE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):\d+: ")


def applies(project: Project) -> bool:
    """ruff applies to every generated project."""
    return (project.path / "pyproject.toml").is_file()


def check(project: Project) -> list[Outcome]:
    """Return one outcome for `ruff check` and one for `ruff format --check`."""
    ruff = [sys.executable, "-m", "ruff"]
    lint = run_tool([*ruff, "check", "--no-cache", "--output-format=json", "."], cwd=project.path)
    findings: list[Finding] = []
    if lint.returncode != 0:
        try:
            reported = cast("list[dict[str, Any]]", json.loads(lint.stdout or "[]"))
        except json.JSONDecodeError:
            reported = []
        for item in reported:
            location = cast("dict[str, Any]", item.get("location") or {})
            findings.append(
                Finding(
                    file=_relative(str(item.get("filename", "")), project.path),
                    line=cast("int | None", location.get("row")),
                    message=f"{item.get('code')} {item.get('message')}",
                )
            )
    outcomes = [
        Outcome(
            tool="ruff check",
            target=".",
            status="pass" if lint.returncode == 0 else "fail",
            seconds=lint.seconds,
            findings=tuple(findings),
            detail=lint.output if lint.returncode != 0 and not findings else "",
        )
    ]
    fmt = run_tool(
        [*ruff, "format", "--check", "--no-cache", "--output-format=concise", "."], cwd=project.path
    )
    unformatted = [
        Finding(file=m["file"], line=int(m["line"]), message="would be reformatted")
        for m in (_CONCISE.match(line) for line in fmt.stdout.splitlines())
        if m
    ]
    outcomes.append(
        Outcome(
            tool="ruff format",
            target=".",
            status="pass" if fmt.returncode == 0 else "fail",
            seconds=fmt.seconds,
            findings=tuple(unformatted),
            detail=fmt.output if fmt.returncode != 0 and not unformatted else "",
        )
    )
    return outcomes


def _relative(path: str, project: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(project.resolve()))
    except ValueError:
        return path
