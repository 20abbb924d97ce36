"""ruff check and ruff format --check, with the project's own configuration."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

from stackcraft.validators._base import Finding, Outcome, run_tool

NAME = "ruff"


def applies(project: Path) -> bool:
    """ruff applies to every generated project."""
    return (project / "pyproject.toml").is_file()


def check(project: Path) -> list[Outcome]:
    """Return one outcome for `ruff check` and one for `ruff format --check`."""
    ruff = [sys.executable, "-m", "ruff"]
    lint = run_tool([*ruff, "check", "--no-cache", "--output-format=json", "."], cwd=project)
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
                    file=_relative(str(item.get("filename", "")), project),
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
            detail="" if findings else lint.output,
        )
    ]
    fmt = run_tool([*ruff, "format", "--check", "--no-cache", "."], cwd=project)
    unformatted = [
        Finding(
            file=line.removeprefix("Would reformat: ").strip(), line=None, message="not formatted"
        )
        for line in fmt.stdout.splitlines()
        if line.startswith("Would reformat: ")
    ]
    outcomes.append(
        Outcome(
            tool="ruff format",
            target=".",
            status="pass" if fmt.returncode == 0 else "fail",
            seconds=fmt.seconds,
            findings=tuple(unformatted),
            detail="" if unformatted else fmt.output,
        )
    )
    return outcomes


def _relative(path: str, project: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(project.resolve()))
    except ValueError:
        return path
