"""Render a new project through Copier's Python API, all or nothing.

Copier writes into a staging directory beside the destination; only a complete render is
moved into place, so a refused answer or a failed task leaves the destination as it was.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import copier
from copier.errors import DirtyLocalWarning

from stackcraft.answers import recorded_answers
from stackcraft.errors import (
    DestinationIsFileError,
    DestinationNotEmptyError,
    DestinationNotWritableError,
    InvalidAnswerError,
    RenderError,
    UnknownQuestionError,
    UserError,
)
from stackcraft.pythons import tasks_use_python
from stackcraft.template import Template

__all__ = ["RenderResult", "parse_data", "plain_copy", "render_new"]

_VALIDATION = re.compile(r"^Validation error for question '(?P<key>[^']+)': (?P<reason>.+)$", re.S)
_CHOICE = re.compile(
    r"^Invalid choice for '(?P<key>[^']+)': '(?P<value>.*)' is not in \[(?P<allowed>.*)\]$", re.S
)


@dataclass(frozen=True)
class RenderResult:
    """A rendered project: where it is, the answers copier recorded for it, and whether
    the template's `uv lock` task left it without the uv.lock its Dockerfile installs from.
    """

    path: Path
    answers: Mapping[str, object] = field(hash=False)
    unlocked: bool = False


def parse_data(pairs: list[str], template: Template) -> dict[str, object]:
    """Return `KEY=VALUE` pairs as a dict of typed answers (yes/no questions as bools).

    Raises:
        UnknownQuestionError: for a key that is no question of `template`.
        InvalidAnswerError: for a pair without '=', or a yes/no answer that is neither.
    """
    data: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidAnswerError(
                key=key, reason=f"-d '{pair}' is not KEY=VALUE: write it as -d {key}=VALUE"
            )
        if key not in template.names:
            raise UnknownQuestionError(key=key, known=template.names)
        data[key] = template.parse_answer(template.question(key), value)
    return data


def render_new(
    dest: Path,
    *,
    template: Template,
    data: Mapping[str, object],
    defaults: bool,
    run_tasks: bool = True,
    vcs_ref: str | None = "HEAD",
) -> RenderResult:
    """Render `template` into the new directory `dest` and return what was rendered.

    `data` answers questions up front; with `defaults` every other question takes its
    default, otherwise copier asks on the terminal. `vcs_ref` "HEAD" renders the checkout
    as it is (uncommitted changes included); None renders the latest tagged release.

    Raises:
        DestinationIsFileError: `dest`, or a folder it would go in, is a file.
        DestinationNotEmptyError: `dest` exists and holds files.
        DestinationNotWritableError: `dest` cannot be created (permissions, read-only).
        InvalidAnswerError: an answer was refused by copier.yml.
        RenderError: copier or one of its tasks failed.
    """
    dest = dest.resolve()
    _check_destination(dest)
    created = _missing_ancestor(dest.parent)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    except OSError as error:
        _cleanup(None, created)
        # Name the folder that could not be made, not the staging folder inside it.
        failed = Path(error.filename) if error.filename else dest.parent
        where = failed if dest.is_relative_to(failed) else dest.parent
        raise DestinationNotWritableError(
            path=where, reason=error.strerror or type(error).__name__
        ) from error
    try:
        with warnings.catch_warnings(), _interpreter_for_tasks(template, data, defaults):
            # Rendering a checkout with uncommitted changes is how the template is developed.
            warnings.simplefilter("ignore", DirtyLocalWarning)
            copier.run_copy(
                str(template.root),
                staging / dest.name,
                data=dict(data),
                defaults=defaults,
                unsafe=True,  # our own template: its tasks (uv lock) are trusted
                quiet=True,
                skip_tasks=not run_tasks,
                vcs_ref=vcs_ref,
            )
        answers = recorded_answers(staging / dest.name)
        unlocked = run_tasks and _unlocked(staging / dest.name)
        if dest.exists():
            dest.rmdir()
        (staging / dest.name).rename(dest)
    except ValueError as error:
        _cleanup(staging, created)
        raise _answer_error(error) from error
    except Exception as error:
        _cleanup(staging, created)
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RenderError(path=dest, reason=reason) from error
    except BaseException:
        # Ctrl-C at a prompt: still leave nothing behind.
        _cleanup(staging, created)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return RenderResult(path=dest, answers=answers, unlocked=unlocked)


# What a template's renders never read: its history, environments and caches, at any depth,
# and its own test suite (the top-level tests/ only: template folders may be named tests).
_NEVER_READ = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".ruff_cache", ".pytest_cache", "node_modules"
)


def _not_template(root: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(_NEVER_READ(folder, names))
        if Path(folder) == root:
            skipped |= {"tests"} & set(names)
        return skipped

    return ignore


def plain_copy(template: Template, into: Path) -> Template:
    """Copy `template`'s files, without its git history, to `into`; return the copy.

    Copier clones a git template for every render (about half a second); a plain folder
    is read in place, so proving many variants of one checkout renders from a copy.
    """
    shutil.copytree(template.root, into, ignore=_not_template(template.root))
    return Template.load(into)


def _check_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise DestinationIsFileError(path=dest)
    if dest.is_dir():
        try:
            holds_files = any(dest.iterdir())
        except OSError as error:
            raise DestinationNotWritableError(
                path=dest, reason=error.strerror or type(error).__name__
            ) from error
        if holds_files:
            raise DestinationNotEmptyError(path=dest)
        return
    ancestor = dest.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise DestinationIsFileError(path=dest, within=ancestor)


def _unlocked(project: Path) -> bool:
    """True when the project installs from a lock file (uv) that was not written."""
    return (project / "pyproject.toml").is_file() and not (project / "uv.lock").is_file()


@contextmanager
def _interpreter_for_tasks(
    template: Template, data: Mapping[str, object], defaults: bool
) -> Generator[None]:
    """Point the `uv lock` task at the project's Python; only known up front with defaults."""
    version = None
    if defaults:
        try:
            version = template.complete(data).get("python_version")
        except UserError:
            version = None  # copier reports the bad answer itself, with its own message
    with tasks_use_python(str(version) if version else None):
        yield


def _answer_error(error: ValueError) -> InvalidAnswerError:
    message = str(error).strip()
    if match := _VALIDATION.match(message):
        return InvalidAnswerError(key=match["key"], reason=match["reason"].strip())
    if match := _CHOICE.match(message):
        allowed = match["allowed"].replace("'", "")
        reason = f"{match['key']} '{match['value']}' is not offered: choose one of {allowed}"
        return InvalidAnswerError(key=match["key"], reason=reason)
    return InvalidAnswerError(key="", reason=message.splitlines()[0] if message else repr(error))


def _missing_ancestor(path: Path) -> Path | None:
    """Return the topmost ancestor of `path` (itself included) that does not exist yet."""
    missing: Path | None = None
    while not path.exists():
        missing, path = path, path.parent
    return missing


def _cleanup(staging: Path | None, created: Path | None) -> None:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
