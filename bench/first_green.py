"""Time to first green, per framework: `stackcraft new`, `uv sync`, the project's tests pass.

    uv run python -m bench.first_green [--runs N] [--quick]

What a developer waits for after choosing a framework: the render (with its `uv lock`
task), the install from a warm uv cache, and the generated test suite, as the project's
README runs it (SQLite, no services). One round per framework first warms the cache and is
not counted; then the frameworks alternate. Target (issue 9): under 6 s each.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.common import Options, Table, median, run_alone, scratch, verdict
from stackcraft.project import Project, project_env

__all__ = ["FRAMEWORKS", "TARGET_SECONDS", "bench_first_green"]

FRAMEWORKS = ("fastapi", "django")
TARGET_SECONDS = 6.0


def _new(dest: Path, framework: str) -> None:
    stackcraft = str(Path(sys.executable).with_name("stackcraft"))
    command = [stackcraft, "new", str(dest), "--defaults", "-d", f"framework={framework}"]
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        command, capture_output=True, text=True, env=project_env(), timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"stackcraft new exited {done.returncode}: {done.stderr.strip()[-300:]}")


def _round(dest: Path, framework: str) -> tuple[float, float, float]:
    """Return the seconds of new, sync and tests for one fresh project."""
    started = time.perf_counter()
    _new(dest, framework)
    rendered = time.perf_counter()
    project = Project.open(dest)
    project.sync()
    synced = time.perf_counter()
    tests = project.run("pytest", "-q", "-p", "no:cacheprovider")
    if tests.returncode != 0:
        last = tests.stdout.strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"{framework} tests failed: {last[0]}")
    return rendered - started, synced - rendered, time.perf_counter() - synced


def bench_first_green(options: Options) -> list[Table]:
    """Return each framework's median seconds to first green, and its steps."""
    table = Table(
        title="time to first green (warm uv cache)",
        header=("framework", "new", "uv sync", "tests", "total", f"target < {TARGET_SECONDS:g} s"),
        notes=[
            f"median of {options.runs} alternating rounds after one uncounted warm-up round "
            "per framework; tests: `uv run pytest -q` on SQLite"
        ],
    )
    rounds: dict[str, list[tuple[float, float, float]]] = {name: [] for name in FRAMEWORKS}
    with scratch("green") as tmp:
        for framework in FRAMEWORKS:
            _round(tmp / f"warm-{framework}", framework)
        for run in range(options.runs):
            order = FRAMEWORKS if run % 2 == 0 else tuple(reversed(FRAMEWORKS))
            for framework in order:
                rounds[framework].append(_round(tmp / f"{framework}-{run}", framework))
    for framework, steps in rounds.items():
        new, sync, tests = (median([step[i] for step in steps]) for i in range(3))
        total = median([sum(step) for step in steps])
        table.rows.append(
            (
                framework,
                f"{new:.1f} s",
                f"{sync:.1f} s",
                f"{tests:.1f} s",
                f"{total:.1f} s",
                verdict(total < TARGET_SECONDS),
            )
        )
    return [table]


if __name__ == "__main__":
    run_alone("time to first green", bench_first_green)
