"""pyright, run inside the project's own environment so imports resolve."""

from __future__ import annotations

import json
from typing import Any, cast

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome

NAME = "pyright"


def applies(project: Project) -> bool:
    """pyright applies to every generated project."""
    return (project.path / "pyproject.toml").is_file()


def check(project: Project) -> list[Outcome]:
    """Install the project (uv sync) and return pyright's verdict with its configuration."""
    synced = project.sync()
    run = project.run("pyright", "--outputjson")
    try:
        report = cast("dict[str, Any]", json.loads(run.stdout))
    except json.JSONDecodeError:
        return [
            Outcome(tool=NAME, target=".", status="fail", seconds=run.seconds, detail=run.output)
        ]
    findings = tuple(
        Finding(
            file=_relative(str(item.get("file", "")), project),
            line=int(item["range"]["start"]["line"]) + 1 if item.get("range") else None,
            message=str(item.get("message", "")).splitlines()[0],
            severity="error" if item.get("severity") == "error" else "warning",
        )
        for item in cast("list[dict[str, Any]]", report.get("generalDiagnostics", []))
        if item.get("severity") in {"error", "warning"}
    )
    failed = run.returncode != 0
    return [
        Outcome(
            tool=NAME,
            target=".",
            status="fail" if failed else "pass",
            seconds=synced.seconds + run.seconds,
            findings=findings,
            detail=run.output if failed and not findings else "",
        )
    ]


def _relative(path: str, project: Project) -> str:
    prefix = str(project.path) + "/"
    return path.removeprefix(prefix)
