"""Running a tool as a child process and keeping what it printed."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ToolRun", "run_tool"]


@dataclass(frozen=True)
class ToolRun:
    """A finished tool process."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        """stdout and stderr together, stdout first."""
        return (self.stdout + "\n" + self.stderr).strip()


def run_tool(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> ToolRun:
    """Run `command` in `cwd` and return what it printed; never raises on a non-zero exit."""
    started = time.perf_counter()
    # Commands are built by the validators from fixed arguments and the project's own paths.
    done = subprocess.run(  # noqa: S603
        list(command),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ToolRun(
        returncode=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        seconds=time.perf_counter() - started,
    )
