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
    "DestinationNotEmptyError",
    "InvalidAnswerError",
    "NoTerminalError",
    "RenderError",
    "StackcraftError",
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
