"""pyright, the project's own version, on an environment with its dependencies.

The environment is built outside the project (`Project.check_env`), so checking writes no
`.venv` or `uv.lock` into it; pyright is pointed at it on the command line.
"""

from __future__ import annotations

import json
from typing import Any, cast

from stackcraft.project import Project, project_env
from stackcraft.validators._base import Finding, Outcome, ToolMissing, run_tool

NAME = "pyright"


def applies(project: Project) -> bool:
    """pyright applies to every generated project."""
    return (project.path / "pyproject.toml").is_file()


def check(project: Project) -> list[Outcome]:
    """Build the check environment and return pyright's verdict with the project's config."""
    env = project.check_env()
    if not env.tool("pyright").is_file():
        raise ToolMissing(tool="pyright", install="uv add --dev pyright (in the project)")
    run = run_tool(
        [
            str(env.tool("pyright")),
            "--outputjson",
            # Wins over the config's `venv = ".venv"`, which is not built (pyright notes
            # on stderr that it is missing).
            "--pythonpath",
            str(env.python),
        ],
        cwd=project.path,
        env=project_env(),
    )
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
            seconds=env.seconds + run.seconds,
            findings=findings,
            detail=run.output if failed and not findings else "",
        )
    ]


def _relative(path: str, project: Project) -> str:
    prefix = str(project.path) + "/"
    return path.removeprefix(prefix)
