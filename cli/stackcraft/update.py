"""Pull template changes into a generated project with Copier's update, reviewed first.

The preview renders the project's answers at the template version it was made from and at
the target version, and lists what the template changed between the two. The update itself
is Copier's three-way merge, run in a scratch copy of the project: the user's edits are
kept, and where both sides changed the same lines Copier writes inline conflict markers.
A dry run stops there and reports what would change and conflict; otherwise the scratch
copy's changes are brought into the project, so a failed update leaves it as it was.

`apply_answers` is that machinery with the answers as a parameter: `stackcraft add` and
`remove` (stackcraft.toggle) run it at the project's own revision with changed answers.
Files the new render drops but the user edited are kept, where Copier would delete them.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import yaml
from copier.errors import DirtyLocalWarning

from stackcraft.answers import ANSWERS_FILE, recorded_answers
from stackcraft.errors import (
    CheckFailedError,
    DirtyTreeError,
    TemplateRevisionError,
    TemplateSourceError,
    UserError,
)
from stackcraft.process import ToolRun, run_tool
from stackcraft.pythons import tasks_use_python

__all__ = [
    "UpdatePlan",
    "UpdateResult",
    "apply_answers",
    "check_revision",
    "open_project",
    "plan_update",
    "recorded_commit",
    "template_at",
    "template_source",
    "update_project",
]

_ANSWERS = ANSWERS_FILE
_CONFLICT_MARKER = "<<<<<<< "
_URL_PREFIXES = ("gh:", "gl:", "git@", "git+", "http://", "https://", "ssh://", "file://")
# Copier's shorthands, spelled out for git itself.
_URL_SHORTHANDS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
# Folders a scratch copy does without: environments and caches, rebuilt from the project.
_NOT_COPIED = (".venv", "node_modules", "__pycache__", ".ruff_cache", ".pytest_cache")


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
    """The plan, whether it was applied, and the files changed and left conflicting.

    For a dry run `changed` and `conflicts` are what the update would do. `kept` are the
    files the new render no longer has but the user edited: Copier would delete them, so
    they are kept as they are and counted among the conflicts, for the user to decide.
    """

    plan: UpdatePlan
    applied: bool
    changed: tuple[str, ...]
    conflicts: tuple[str, ...]
    dry_run: bool = False
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Change:
    path: str
    deleted: bool


def plan_update(
    project: Path, *, vcs_ref: str | None = None, template: str | None = None
) -> UpdatePlan:
    """Return what updating `project` to `vcs_ref` (default: latest) would change.

    `template` (a path or URL) replaces the template the answers file records. The
    update runs in a scratch copy (a dry run), so the plan includes what `_migrations` do.

    Raises:
        UserError: when `project` is not a git repository with a clean tree and answers,
            or its template or a revision cannot be found.
    """
    return update_project(project, vcs_ref=vcs_ref, dry_run=True, template=template).plan


def update_project(
    project: Path,
    *,
    vcs_ref: str | None = None,
    dry_run: bool = False,
    template: str | None = None,
) -> UpdateResult:
    """Update `project` with Copier and report what changed and what conflicts.

    With `dry_run` the update runs in a scratch copy only and nothing in `project` changes.

    Raises:
        UserError: when the project cannot be updated as it is (see `plan_update`).
        CheckFailedError: when Copier fails; the project is then unchanged.
    """
    project, answers = open_project(project)
    source = template_source(project, answers, template)
    return apply_answers(project, answers, source, vcs_ref=vcs_ref, dry_run=dry_run)


def open_project(project: Path) -> tuple[Path, dict[str, Any]]:
    """Return `project` as an absolute path and the answers its answers file records.

    Raises:
        UserError: when `project` is no directory, no git repository with a clean tree,
            or has no answers file.
    """
    project = _checked(project)
    return project, _answers(project)


def recorded_commit(answers: Mapping[str, Any]) -> str:
    """Return the template revision the answers record (`_commit`).

    Raises:
        UserError: when they record none (the project came from an unversioned template).
    """
    commit = str(answers.get("_commit") or "")
    if not commit:
        raise UserError(
            f"{_ANSWERS} lacks _commit: the project was not rendered from a versioned template"
        )
    return commit


def apply_answers(
    project: Path,
    answers: Mapping[str, Any],
    source: str,
    *,
    vcs_ref: str | None,
    after: Mapping[str, object] | None = None,
    dry_run: bool = False,
) -> UpdateResult:
    """Run Copier's update of `project` from `source` at `vcs_ref`, in a scratch copy.

    `answers` are the ones the project records; `after`, when given, is the complete set
    of answers the project should have afterwards (only the ones that differ are passed
    to Copier). The preview compares a render of the recorded answers at the project's
    revision with a render of the answers the update recorded (after any `_migrations`)
    at `vcs_ref`. The scratch copy's changes are brought back unless `dry_run`.

    Raises:
        UserError: a revision the template does not have.
        CheckFailedError: when Copier fails; the project is then unchanged.
    """
    from_ref = recorded_commit(answers)
    check_revision(source, from_ref, recorded=True)
    if vcs_ref:
        check_revision(source, vcs_ref, recorded=False)
    recorded = _questions(answers)
    data = {k: v for k, v in (after or {}).items() if k not in recorded or recorded[k] != v}
    python_version = data.get("python_version", recorded.get("python_version"))
    with tempfile.TemporaryDirectory(prefix="stackcraft-update-") as tmp:
        scratch = _scratch_copy(project, Path(tmp) / project.name)
        if source != answers.get("_src_path"):
            _record_source(scratch, source)
        _copier_update(scratch, vcs_ref, python_version, data=data, run_tasks=not dry_run)
        plan, edited = _plan(source, answers, _answers(scratch), vcs_ref, project=project)
        if plan.empty:
            return UpdateResult(plan=plan, applied=False, changed=(), conflicts=(), dry_run=dry_run)
        # Copier deletes what the new render lacks even when the user edited it; keep
        # those as the user left them, so nothing they wrote is silently dropped.
        for name in edited:
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(project / name, scratch / name, follow_symlinks=False)
        changes = _changes(scratch)
        marked = {
            change.path
            for change in changes
            if not change.deleted
            and (change.path.endswith(".rej") or _has_conflict(scratch / change.path))
        }
        if not dry_run:
            _bring_back(changes, scratch, project)
    return UpdateResult(
        plan=plan,
        applied=not dry_run,
        changed=tuple(change.path for change in changes),
        conflicts=tuple(sorted(marked | set(edited))),
        dry_run=dry_run,
        kept=edited,
    )


def template_at(source: str, ref: str, dest: Path) -> Path:
    """Check the template `source` out at revision `ref` into the new directory `dest`.

    Raises:
        CheckFailedError: when git cannot clone `source`.
        TemplateRevisionError: when `source` has no revision `ref`.
    """
    url = source
    for prefix, host in _URL_SHORTHANDS.items():
        if source.startswith(prefix):
            url = host + source.removeprefix(prefix)
    clone = _git(dest.parent, "clone", "--quiet", "--no-checkout", url, str(dest))
    if clone.returncode:
        raise CheckFailedError(
            f"cannot clone the template '{source}': {_first_line_of(clone.stderr)}"
        )
    checkout = _git(dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", ref)
    if checkout.returncode:
        raise TemplateRevisionError(ref=ref, template=source, recorded=True)
    return dest


def _scratch_copy(project: Path, scratch: Path) -> Path:
    """Copy `project`, its repository and ignored files (.env) included, to `scratch`.

    A `.git` file (a worktree's) points into another repository, which a scratch commit
    would change, so such a project is cloned instead (its tree is clean, so the same).
    """
    if (project / ".git").is_dir():
        shutil.copytree(
            project, scratch, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_COPIED)
        )
    else:
        _git(project, "clone", "--quiet", "--no-hardlinks", str(project), str(scratch))
    return scratch


def _checked(project: Path) -> Path:
    project = project.resolve()
    if not project.is_dir():
        raise UserError(f"'{project}' is not a directory: give the path of a generated project")
    _require_clean_git(project)
    return project


def _answers(project: Path) -> dict[str, Any]:
    if not (project / ANSWERS_FILE).is_file():
        raise UserError(f"no {ANSWERS_FILE} in '{project}': is it a stackcraft project?")
    return recorded_answers(project, private=True)


def _is_url(source: str) -> bool:
    return source.startswith(_URL_PREFIXES)


def template_source(project: Path, answers: Mapping[str, Any], given: str | None) -> str:
    """Return the template to update from, as an absolute path or a URL.

    `given` (a path or URL) replaces the `_src_path` the answers record. A relative
    `_src_path` is read from the project's directory (never from wherever the command
    runs), and only when the template is there.

    Raises:
        UserError: `given` holds no template.
        TemplateSourceError: the recorded template cannot be found.
    """
    if given:
        if _is_url(given):
            return given
        path = Path(given).expanduser().resolve()
        if not _is_template(path):
            raise UserError(f"--template '{given}' holds no copier.yml: give the template's path")
        return str(path)
    recorded = str(answers.get("_src_path") or "")
    if not recorded:
        raise TemplateSourceError(
            project=project, src_path="", reason=f"{_ANSWERS} records no _src_path"
        )
    if _is_url(recorded):
        return recorded
    path = Path(recorded).expanduser()
    if not path.is_absolute():
        if not _is_template(project / path):
            raise TemplateSourceError(
                project=project,
                src_path=recorded,
                reason="is relative and names no template from the project",
            )
        return str((project / path).resolve())
    if not path.is_dir():
        raise TemplateSourceError(project=project, src_path=recorded, reason="no longer exists")
    if not _is_template(path):
        raise TemplateSourceError(project=project, src_path=recorded, reason="holds no copier.yml")
    return str(path)


def _is_template(path: Path) -> bool:
    return (path / "copier.yml").is_file() or (path / "copier.yaml").is_file()


def _plan(
    source: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    vcs_ref: str | None,
    *,
    project: Path,
) -> tuple[UpdatePlan, tuple[str, ...]]:
    """Render the `before` answers at their revision and the `after` ones at `vcs_ref`
    (default: latest), and compare the two.

    The answers file counts as modified when the answers or the revision it records
    change. Also returns the files the second render lacks that the user edited in
    `project`.
    """
    from_ref = recorded_commit(before)
    with tempfile.TemporaryDirectory(prefix="stackcraft-plan-") as tmp:
        old, new = Path(tmp) / "old", Path(tmp) / "new"
        _render(source, old, _questions(before), from_ref)
        to_ref = _render(source, new, _questions(after), vcs_ref)
        added, removed, modified = _compare(old, new)
        edited = tuple(name for name in removed if _edited(project / name, old / name))
    if dict(before) != dict(after):
        # A new revision, answers a migration renamed, or answers `add` changed.
        modified = tuple(sorted((*modified, _ANSWERS)))
    plan = UpdatePlan(
        template=source,
        from_ref=from_ref,
        to_ref=to_ref,
        added=added,
        removed=removed,
        modified=modified,
    )
    return plan, edited


def _questions(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to questions, without Copier's own `_` keys."""
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def _edited(path: Path, rendered: Path) -> bool:
    """True when the project's file differs from what the template rendered for it."""
    if path.is_symlink() or not path.is_file():
        return False
    return not filecmp.cmp(path, rendered, shallow=False)


def check_revision(source: str, ref: str, *, recorded: bool) -> None:
    """Refuse a revision a local template repository does not have (URLs: Copier says).

    Raises:
        TemplateRevisionError: when the local repository `source` has no `ref`.
    """
    if _is_url(source):
        return
    if _git(Path(source), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode:
        raise TemplateRevisionError(ref=ref, template=source, recorded=recorded)


def _git(cwd: Path, *args: str) -> ToolRun:
    return run_tool([shutil.which("git") or "git", *args], cwd=cwd)


def _require_clean_git(project: Path) -> None:
    if _git(project, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise UserError(
            f"'{project}' is not a git repository: run `git init && git add -A && git commit` "
            "first, so the update can be reviewed and undone"
        )
    changes = _changes(project)
    if changes:
        raise DirtyTreeError(project=project, example=changes[0].path)


def _render(template: str, dest: Path, data: dict[str, Any], ref: str | None) -> str:
    try:
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
    except Exception as error:
        raise CheckFailedError(
            f"rendering the template '{template}' at '{ref or 'latest'}' failed: "
            f"{_first_line(error)}"
        ) from error
    return str(worker.template.commit or ref or "")


def _record_source(scratch: Path, source: str) -> None:
    """Point the scratch copy's answers at `source`, committed there so Copier accepts it."""
    path = scratch / _ANSWERS
    recorded = yaml.safe_dump({"_src_path": source}, width=10_000).strip()
    lines = [line for line in path.read_text().splitlines() if not line.startswith("_src_path:")]
    path.write_text("\n".join([recorded, *lines]) + "\n")
    identity = ("-c", "user.name=stackcraft", "-c", "user.email=stackcraft@localhost")
    _git(scratch, "add", _ANSWERS)
    _git(scratch, *identity, "commit", "--quiet", "--no-verify", "-m", "stackcraft: template")


def _copier_update(
    scratch: Path,
    vcs_ref: str | None,
    python_version: object,
    *,
    data: Mapping[str, object],
    run_tasks: bool,
) -> None:
    version = str(python_version) if python_version else None
    try:
        with warnings.catch_warnings(), tasks_use_python(version):
            warnings.simplefilter("ignore", DirtyLocalWarning)
            copier.run_update(
                scratch,
                data=dict(data),
                vcs_ref=vcs_ref,
                defaults=True,
                overwrite=True,
                unsafe=True,  # our own template: its tasks (uv lock) are trusted
                quiet=True,
                conflict="inline",
                # With defaults every question takes its recorded answer anyway; only
                # skip_answered=False makes Copier re-read the answers file after the
                # `before` migrations, so an answer they rename reaches the new version.
                skip_answered=False,
                skip_tasks=not run_tasks,
            )
    except Exception as error:
        raise CheckFailedError(
            f"copier update failed: {_first_line(error)}; nothing in the project was changed"
        ) from error


def _first_line(error: BaseException) -> str:
    return _first_line_of(str(error)) or type(error).__name__


def _first_line_of(text: str) -> str:
    text = text.strip()
    return text.splitlines()[0] if text else ""


def _changes(repo: Path) -> tuple[_Change, ...]:
    """Return the paths `git status` lists in `repo`, parsed from its NUL-separated form.

    Each entry is `XY PATH`; X or Y may be a space, so an entry is never stripped. A
    rename or copy is followed by its source path, which counts as deleted.
    """
    output = _git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all").stdout
    entries = output.split("\0")
    changes: list[_Change] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        changes.append(_Change(path=path, deleted="D" in status))
        if "R" in status or "C" in status:
            source = entries[index]
            index += 1
            if "R" in status:
                changes.append(_Change(path=source, deleted=True))
    return tuple(sorted(changes, key=lambda change: change.path))


def _bring_back(changes: tuple[_Change, ...], scratch: Path, project: Path) -> None:
    for change in changes:
        target = project / change.path
        if change.deleted:
            target.unlink(missing_ok=True)
            _remove_empty_parents(target.parent, project)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(scratch / change.path, target, follow_symlinks=False)


def _remove_empty_parents(folder: Path, project: Path) -> None:
    """Remove `folder` and its parents up to `project` while they are empty, as Copier
    does in its own copy, so a feature turned off leaves no empty folder behind."""
    while folder != project and folder.is_relative_to(project):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or already gone)
        folder = folder.parent


def _files(root: Path) -> set[str]:
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and path.name != _ANSWERS
    }


def _compare(old: Path, new: Path) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    before, after = _files(old), _files(new)
    # `.env` holds fresh secrets on every render; it is never updated (_skip_if_exists).
    shared = sorted(name for name in before & after if name != ".env")
    modified = tuple(n for n in shared if not filecmp.cmp(old / n, new / n, shallow=False))
    return tuple(sorted(after - before)), tuple(sorted(before - after)), modified


def _has_conflict(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        return False
    return any(line.startswith(_CONFLICT_MARKER) for line in text.splitlines())
