"""Pull template changes into a generated project with Copier's update, reviewed first.

The preview renders the project's answers at the template version it was made from and at
the target version, and lists what the template changed between the two. The update itself
is Copier's three-way merge: the user's edits are kept, and where both sides changed the
same lines Copier writes inline conflict markers, which are listed afterwards.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import copier
import yaml
from copier.errors import DirtyLocalWarning

from stackcraft.errors import CheckFailedError, UserError
from stackcraft.process import ToolRun, run_tool
from stackcraft.pythons import tasks_use_python

__all__ = ["UpdatePlan", "UpdateResult", "plan_update", "update_project"]

_CONFLICT_MARKER = "<<<<<<< "


@dataclass(frozen=True)
class UpdatePlan:
    """What the template changed between the project's version and the target version."""

    template: str
    from_ref: str
    to_ref: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    modified: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when the template changed nothing this project renders."""
        return not (self.added or self.removed or self.modified)


@dataclass(frozen=True)
class UpdateResult:
    """The plan, whether it was applied, and the files left with conflict markers."""

    plan: UpdatePlan
    applied: bool
    changed: tuple[str, ...]
    conflicts: tuple[str, ...]


def plan_update(project: Path, *, vcs_ref: str | None = None) -> UpdatePlan:
    """Return what updating `project` to `vcs_ref` (default: latest) would change.

    Raises:
        UserError: when `project` is not a git repository with a clean tree and answers.
    """
    project = project.resolve()
    _require_clean_git(project)
    answers = _answers(project)
    template = str(answers.get("_src_path") or "")
    from_ref = str(answers.get("_commit") or "")
    if not template or not from_ref:
        raise UserError(
            f"'{project}/.copier-answers.yml' lacks _src_path or _commit: "
            "it was not rendered from a versioned template"
        )
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="stackcraft-update-") as tmp:
        old, new = Path(tmp) / "old", Path(tmp) / "new"
        _render(template, old, data, from_ref)
        to_ref = _render(template, new, data, vcs_ref)
        added, removed, modified = _compare(old, new)
    return UpdatePlan(
        template=template,
        from_ref=from_ref,
        to_ref=to_ref,
        added=added,
        removed=removed,
        modified=modified,
    )


def update_project(
    project: Path, *, vcs_ref: str | None = None, dry_run: bool = False
) -> UpdateResult:
    """Update `project` with Copier (unless `dry_run`) and report changes and conflicts.

    Raises:
        UserError: when the project cannot be updated as it is (see `plan_update`).
        CheckFailedError: when Copier fails; the project is then as git shows it.
    """
    project = project.resolve()
    plan = plan_update(project, vcs_ref=vcs_ref)
    if dry_run or plan.empty:
        return UpdateResult(plan=plan, applied=False, changed=(), conflicts=())
    version = _answers(project).get("python_version")
    try:
        with warnings.catch_warnings(), tasks_use_python(str(version) if version else None):
            warnings.simplefilter("ignore", DirtyLocalWarning)
            copier.run_update(
                project,
                vcs_ref=vcs_ref,
                defaults=True,
                overwrite=True,
                unsafe=True,  # our own template: its tasks (uv lock) are trusted
                quiet=True,
                conflict="inline",
                skip_answered=True,
            )
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise CheckFailedError(
            f"copier update failed in '{project}': {first}; `git status` shows what it touched"
        ) from error
    changed = _git_changed(project)
    conflicts = tuple(
        name for name in changed if _has_conflict(project / name) or name.endswith(".rej")
    )
    return UpdateResult(plan=plan, applied=True, changed=changed, conflicts=conflicts)


def _answers(project: Path) -> dict[str, Any]:
    path = project / ".copier-answers.yml"
    if not path.is_file():
        raise UserError(f"no .copier-answers.yml in '{project}': is it a stackcraft project?")
    return cast("dict[str, Any]", yaml.safe_load(path.read_text()) or {})


def _git(project: Path, *args: str) -> ToolRun:
    return run_tool([shutil.which("git") or "git", *args], cwd=project)


def _require_clean_git(project: Path) -> None:
    if _git(project, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise UserError(
            f"'{project}' is not a git repository: run `git init && git add -A && git commit` "
            "first, so the update can be reviewed and undone"
        )
    dirty = _git(project, "status", "--porcelain").stdout.strip()
    if dirty:
        first = dirty.splitlines()[0][3:]
        raise UserError(
            f"'{project}' has uncommitted changes (e.g. '{first}'): commit or stash them "
            "first, so the update can be reviewed and undone"
        )


def _render(template: str, dest: Path, data: dict[str, Any], ref: str | None) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        worker = copier.run_copy(
            template,
            dest,
            data=data,
            defaults=True,
            vcs_ref=ref,
            skip_tasks=True,
            quiet=True,
            unsafe=True,
        )
    return str(worker.template.commit or ref or "")


def _files(root: Path) -> set[str]:
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and path.name != ".copier-answers.yml"
    }


def _compare(old: Path, new: Path) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    before, after = _files(old), _files(new)
    # `.env` holds fresh secrets on every render; it is never updated (_skip_if_exists).
    shared = sorted(name for name in before & after if name != ".env")
    modified = tuple(n for n in shared if not filecmp.cmp(old / n, new / n, shallow=False))
    return tuple(sorted(after - before)), tuple(sorted(before - after)), modified


def _git_changed(project: Path) -> tuple[str, ...]:
    lines = _git(project, "status", "--porcelain", "--untracked-files=all").stdout.splitlines()
    return tuple(sorted(line[3:].strip() for line in lines if line.strip()))


def _has_conflict(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        return False
    return any(line.startswith(_CONFLICT_MARKER) for line in text.splitlines())
