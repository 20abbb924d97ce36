"""Grafana Alloy's config (observability=full): reported, not checked.

No offline parser for Alloy's configuration syntax exists here (Alloy is one Go binary, in no
package index this machine reaches), so `validate` lists each .alloy file as skipped and says
where it is checked: the template's GitHub workflow runs `alloy validate` on a rendered
project's files with the real binary.
"""

from __future__ import annotations

from pathlib import Path

from stackcraft.project import Project
from stackcraft.validators._base import Outcome

NAME = "alloy"
FOLDER = Path("deploy") / "observability" / "alloy"
SKIPPED = "no offline Alloy parser exists; the template's CI runs `alloy validate` on it"


def applies(project: Project) -> bool:
    """alloy applies when the project ships .alloy files."""
    return bool(_configs(project.path))


def check(project: Project) -> list[Outcome]:
    """Return one skipped outcome per .alloy file, saying where it is validated."""
    return [
        Outcome(
            tool=NAME,
            target=str(path.relative_to(project.path)),
            status="skip",
            seconds=0.0,
            detail=SKIPPED,
        )
        for path in _configs(project.path)
    ]


def _configs(project: Path) -> list[Path]:
    folder = project / FOLDER
    return sorted(folder.glob("*.alloy")) if folder.is_dir() else []
