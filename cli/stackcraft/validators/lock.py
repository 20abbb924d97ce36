"""The lock file: a project whose image or CI installs from uv.lock must have one.

The template's `uv lock` task can fail (offline, say) and still leave a project behind;
the Dockerfile's `uv sync --locked` would then fail at build time, far from the cause.
"""

from __future__ import annotations

import re
import time

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
    if (project.path / "uv.lock").is_file() or not needing:
        return [Outcome(tool=NAME, target="uv.lock", status="pass", seconds=_since(started))]
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


def _since(started: float) -> float:
    return time.perf_counter() - started
