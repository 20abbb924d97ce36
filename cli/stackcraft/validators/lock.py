"""The lock file: a project whose image or CI installs from uv.lock must have a current one.

The template's `uv lock` task can fail (offline, say) and still leave a project behind,
with no lock or, after `stackcraft add`, with the lock of the answers before; the
Dockerfile's `uv sync --locked` would then fail at build time, far from the cause. A
lock is stale when the dependencies it records for the project are not the ones
pyproject.toml declares (checked offline, by name).
"""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path
from typing import Any, cast

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome

NAME = "lock"

# An install that refuses to run without uv.lock, or a build step that mounts or copies it.
_NEEDS_LOCK = re.compile(r"uv\s+(?:sync|export|run)\b[^\n]*--(?:locked|frozen)\b|\buv\.lock\b")
_CONSUMERS = ("Dockerfile", ".github/workflows/*.yml", ".github/workflows/*.yaml")


def applies(project: Project) -> bool:
    """The lock check applies to every project with a pyproject.toml."""
    return (project.path / "pyproject.toml").is_file()


def check(project: Project) -> list[Outcome]:
    """Fail when a file installs from uv.lock (`uv sync --locked`) and there is none."""
    started = time.perf_counter()
    needing = [
        (str(path.relative_to(project.path)), number)
        for pattern in _CONSUMERS
        for path in sorted(project.path.glob(pattern))
        if path.is_file()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if not line.lstrip().startswith("#") and _NEEDS_LOCK.search(line)
    ]
    if not needing:
        return [Outcome(tool=NAME, target="uv.lock", status="pass", seconds=_since(started))]
    if (project.path / "uv.lock").is_file():
        stale = lock_problem(project.path)
        if not stale:
            return [Outcome(tool=NAME, target="uv.lock", status="pass", seconds=_since(started))]
        return [
            Outcome(
                tool=NAME,
                target="uv.lock",
                status="fail",
                seconds=_since(started),
                findings=(Finding(file="uv.lock", line=None, message=stale),),
                detail=f"{stale}: run `uv lock` in the project and commit it",
            )
        ]
    first: dict[str, int] = {}
    for file, line in needing:
        first.setdefault(file, line)
    findings = tuple(
        Finding(
            file=file,
            line=line,
            message="installs from uv.lock, which the project lacks: run `uv lock` in it",
        )
        for file, line in first.items()
    )
    return [
        Outcome(
            tool=NAME,
            target="uv.lock",
            status="fail",
            seconds=_since(started),
            findings=findings,
            detail="uv.lock is missing: run `uv lock` in the project and commit it",
        )
    ]


def lock_problem(project: Path) -> str:
    """Return why `project`/uv.lock does not lock pyproject.toml's dependencies, or "" when
    it does or there is no lock to judge."""
    if not (project / "uv.lock").is_file() or not (project / "pyproject.toml").is_file():
        return ""
    try:
        declared = tomllib.loads((project / "pyproject.toml").read_text())
        locked = tomllib.loads((project / "uv.lock").read_text())
    except tomllib.TOMLDecodeError as error:
        return f"pyproject.toml or uv.lock does not parse: {error}"
    meta = cast("dict[str, Any]", declared.get("project") or {})
    name = _normalized(str(meta.get("name", "")))
    wanted = {
        _distribution(str(spec)) for spec in cast("list[object]", meta.get("dependencies") or [])
    }
    packages = cast("list[dict[str, Any]]", locked.get("package") or [])
    root = next((p for p in packages if _normalized(str(p.get("name", ""))) == name), None)
    if root is None:
        return f"uv.lock has no entry for the project '{name}'"
    metadata = cast("dict[str, Any]", root.get("metadata") or {})
    recorded = {
        _normalized(str(item.get("name", "")))
        for item in cast("list[dict[str, Any]]", metadata.get("requires-dist") or [])
    }
    missing, extra = sorted(wanted - recorded), sorted(recorded - wanted)
    if not (missing or extra):
        return ""
    parts = ([f"lacks {', '.join(missing)}"] if missing else []) + (
        [f"still holds {', '.join(extra)}"] if extra else []
    )
    return f"uv.lock is stale: it {' and '.join(parts)}"


def _normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them: `Email_Validator` -> `email-validator`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _distribution(requirement: str) -> str:
    """The normalized name a PEP 508 requirement (`uvicorn[standard]>=0.54`) starts with."""
    match = _NAME.match(requirement.strip())
    return _normalized(match[0]) if match else requirement


_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def _since(started: float) -> float:
    return time.perf_counter() - started
