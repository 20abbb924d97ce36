"""The errors stackcraft raises: one root, a user-input branch, and a failed-check branch.

Each specific error builds its own one-line message from keyword arguments: what failed,
the bad value in quotes, and one next step. `app.py` maps `UserError` to exit code 2 and
`CheckFailedError` to exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "CheckFailedError",
    "DestinationIsFileError",
    "DestinationNotEmptyError",
    "DestinationNotWritableError",
    "DirtyTreeError",
    "InvalidAnswerError",
    "NoOffValueError",
    "NoTerminalError",
    "NotABooleanError",
    "NotApplicableError",
    "NotApplicableToProjectError",
    "NotKeyValueError",
    "RenderError",
    "SpaceTooLargeError",
    "StackcraftError",
    "TemplateRevisionError",
    "TemplateSourceError",
    "UnknownPresetError",
    "UnknownQuestionError",
    "UserError",
]


class StackcraftError(Exception):
    """Root of every error stackcraft raises on purpose."""


class UserError(StackcraftError):
    """The input was wrong; the message says which value and what is allowed (exit code 2)."""


class CheckFailedError(StackcraftError):
    """A check or an operation on valid input failed (exit code 1)."""


class InvalidAnswerError(UserError):
    """An answer was refused by copier.yml: a choice that is not offered or a failed validator."""

    def __init__(self, *, key: str, reason: str) -> None:
        self.key = key
        super().__init__(reason)


class NotABooleanError(InvalidAnswerError):
    """A yes/no question was answered with something that is neither."""

    def __init__(self, *, key: str, value: str) -> None:
        self.value = value
        super().__init__(
            key=key,
            reason=f"{key} '{value}' is not a yes/no answer: use true/false, yes/no or 1/0",
        )


class NotApplicableError(InvalidAnswerError):
    """An answer was given to a question the other answers rule out (its `when` is false)."""

    def __init__(self, *, key: str, value: object, when: str, because: str) -> None:
        self.when = when
        super().__init__(
            key=key,
            reason=(
                f"{key} '{value}' does not apply: it is asked only when {when}, and {because}; "
                f"drop -d {key}=... or change that answer"
            ),
        )


class UnknownQuestionError(UserError):
    """A `-d KEY=VALUE` named a question the template does not ask."""

    def __init__(self, *, key: str, known: Iterable[str]) -> None:
        self.key = key
        super().__init__(f"unknown question '{key}': the template asks {', '.join(sorted(known))}")


class UnknownPresetError(UserError):
    """`--preset` named a preset that does not exist or the template cannot build yet."""

    def __init__(self, *, name: str, available: Iterable[str], reason: str = "") -> None:
        self.name = name
        choices = ", ".join(sorted(available)) or "none yet"
        why = f" ({reason})" if reason else ""
        super().__init__(f"preset '{name}' is not available{why}: available presets are {choices}")


class DestinationNotEmptyError(UserError):
    """The destination already holds files; stackcraft never renders over them."""

    def __init__(self, *, path: Path) -> None:
        self.path = path
        super().__init__(f"destination '{path}' is not empty: choose a new or empty directory")


class DestinationIsFileError(UserError):
    """The destination, or a folder it would go in, is a file."""

    def __init__(self, *, path: Path, within: Path | None = None) -> None:
        self.path = path
        if within is None:
            message = f"destination '{path}' is a file: choose a new or empty directory"
        else:
            message = (
                f"'{within}' is a file, so '{path}' cannot be created in it: "
                "choose a destination outside it"
            )
        super().__init__(message)


class DestinationNotWritableError(UserError):
    """The destination cannot be created or written (permissions, a read-only tree)."""

    def __init__(self, *, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(
            f"cannot write '{path}' ({reason}): choose a destination in a directory you can write"
        )


class DirtyTreeError(UserError):
    """The project has uncommitted changes, so an update could not be reviewed or undone."""

    def __init__(self, *, project: Path, example: str) -> None:
        self.project = project
        super().__init__(
            f"'{project}' has uncommitted changes (e.g. '{example}'): commit or stash them "
            "first, so the update can be reviewed and undone"
        )


class TemplateSourceError(UserError):
    """The template a project records (`_src_path`) cannot be found from here."""

    def __init__(self, *, project: Path, src_path: str, reason: str) -> None:
        self.project = project
        recorded = f"_src_path '{src_path}' {reason}" if src_path else reason
        super().__init__(
            f"cannot find the template of '{project}': {recorded}; "
            "point at it with --template PATH_OR_URL"
        )


class TemplateRevisionError(UserError):
    """A template revision (a tag, a commit) does not exist in the template's repository."""

    def __init__(self, *, ref: str, template: str, recorded: bool = False) -> None:
        self.ref = ref
        if recorded:
            message = (
                f"the project's template revision '{ref}' (its _commit) does not exist in "
                f"'{template}': point --template at a clone of the template that has it"
            )
        else:
            message = (
                f"template revision '{ref}' does not exist in '{template}': "
                "pass one of its tags or commits with --vcs-ref"
            )
        super().__init__(message)


class NoTerminalError(UserError):
    """Questions would be asked, but there is no terminal to ask them on."""

    def __init__(self) -> None:
        super().__init__(
            "no terminal to ask questions on: pass --defaults, with -d KEY=VALUE for each choice"
        )


class RenderError(CheckFailedError):
    """Copier failed while writing the project; the destination was left as it was."""

    def __init__(self, *, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"rendering '{path}' failed, nothing was written: {reason}")


class SpaceTooLargeError(UserError):
    """`--strategy full` was asked of a variant space too large to render whole."""

    def __init__(self, *, size: int, limit: int) -> None:
        self.size = size
        super().__init__(
            f"the full variant space holds {size:,} answer sets, more than {limit:,}: "
            "use --strategy pairwise, or --strategy sample --count N"
        )


class NoOffValueError(UserError):
    """`stackcraft remove` named a question that has no "off" answer (no `none`, not yes/no)."""

    def __init__(self, *, key: str, choices: Iterable[object]) -> None:
        self.key = key
        offered = ", ".join(str(choice) for choice in choices) or "free text"
        super().__init__(
            f"cannot remove '{key}': no answer turns it off (none, off or false; it offers "
            f"{offered}); "
            f"choose one with `stackcraft add {key}=VALUE`"
        )


class NotKeyValueError(InvalidAnswerError):
    """`stackcraft add` was given a word that is not KEY=VALUE."""

    def __init__(self, *, pair: str) -> None:
        key = pair.partition("=")[0] or "KEY"
        super().__init__(
            key=key, reason=f"'{pair}' is not KEY=VALUE: write it as `stackcraft add {key}=VALUE`"
        )


class NotApplicableToProjectError(UserError):
    """`stackcraft add` answered a question the project's other answers rule out."""

    def __init__(self, *, key: str, value: object, when: str) -> None:
        self.key = key
        if isinstance(value, bool):
            value = str(value).lower()
        super().__init__(
            f"{key} '{value}' does not apply to this project: it is asked only when {when}; "
            "add that answer first (`stackcraft add KEY=VALUE`)"
        )
