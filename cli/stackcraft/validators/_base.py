"""The shared result type of every validator, and the helpers they run tools with."""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from stackcraft.process import ToolRun, run_tool

__all__ = [
    "Finding",
    "Outcome",
    "Status",
    "ToolMissing",
    "ToolRun",
    "dev_tool",
    "line_findings",
    "run_tool",
]

Status = Literal["pass", "fail", "skip"]


@dataclass(frozen=True)
class Finding:
    """One problem a tool reported: where (file and line, when known) and what."""

    file: str
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Outcome:
    """What one tool said about one target of a project."""

    tool: str
    target: str
    status: Status
    seconds: float
    findings: tuple[Finding, ...] = field(default=())
    detail: str = ""

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings that fail the check."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings listed but not failing the check."""
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def first_error(self) -> str:
        """The first error as one line, or the detail when the tool gave no finding."""
        if self.errors:
            return str(self.errors[0])
        return self.detail.strip().splitlines()[0] if self.detail.strip() else ""


class ToolMissing(Exception):  # noqa: N818 - a condition, not a failure of ours
    """A tool a validator needs is not installed; the message says how to install it."""

    def __init__(self, *, tool: str, install: str) -> None:
        self.tool = tool
        self.install = install
        super().__init__(f"{tool} is not installed: {install}")


def dev_tool(name: str, *, install: str) -> str:
    """Return the path of `name` from stackcraft's environment, else from PATH.

    Raises:
        ToolMissing: when neither has it.
    """
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(tool=name, install=install)
    return found


_FILE_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


def line_findings(output: str) -> tuple[Finding, ...]:
    """Return the findings of `FILE:LINE:COL: MESSAGE` lines (gcc style); notes are warnings."""
    return tuple(
        Finding(
            file=m["file"],
            line=int(m["line"]),
            message=m["message"],
            severity="warning" if m["message"].startswith("note:") else "error",
        )
        for m in (_FILE_LINE.match(line) for line in output.splitlines())
        if m
    )
