"""`stackcraft new` against plain Copier (`copier.run_copy`) on the same answers.

    uv run python -m bench.new [--runs N] [--quick]

Each round renders every answer set twice, once per way, alternating, each in a fresh
process (both pay an interpreter start and their imports) with its tasks (`uv lock`). Plain
Copier gets UV_PYTHON, as a user following the README sets it; stackcraft finds the
interpreter itself. The default answers, then each preset the template builds (not --quick).
Target (issue 9): stackcraft at most 1.0x plain Copier.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from bench.common import Options, Table, fmt_ratio, median, python_for, run_alone, scratch, verdict
from stackcraft.template import Template
from stackcraft.variants import preset_catalogue

__all__ = ["bench_new"]

# The baseline: Copier's own API, no stackcraft code imported.
_PLAIN_COPY = """
import json, sys, warnings
import copier
warnings.simplefilter("ignore")
copier.run_copy(sys.argv[1], sys.argv[2], data=json.loads(sys.argv[3]), defaults=True,
                unsafe=True, quiet=True, vcs_ref="HEAD")
"""


def _stackcraft() -> str:
    return str(Path(sys.executable).with_name("stackcraft"))


def _timed(command: list[str], env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and CLI, fixed arguments
        command, capture_output=True, text=True, env=dict(env), timeout=300, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"{command[0]} exited {done.returncode}: {tail[0]}")
    return seconds


def _answer_sets(template: Template, quick: bool) -> dict[str, Mapping[str, object]]:
    sets: dict[str, Mapping[str, object]] = {"--defaults": {}}
    if not quick:
        for preset in preset_catalogue(template).buildable:
            sets[f"--preset {preset.name}"] = preset.answers
    return sets


def bench_new(options: Options) -> list[Table]:
    """Return the medians of both ways of rendering each answer set, and their ratio."""
    template = Template.load()
    base_env = {k: v for k, v in os.environ.items() if k not in {"UV_PYTHON", "VIRTUAL_ENV"}}
    copier_env = base_env | {"UV_PYTHON": python_for()}
    table = Table(
        title="stackcraft new vs plain copier copy",
        header=("answers", "stackcraft new", "copier.run_copy", "ratio", "target ≤ 1.0x"),
        notes=[
            f"median of {options.runs} alternating runs each, fresh process per render, "
            "tasks (uv lock) included"
        ],
    )
    with scratch("new") as tmp:
        for index, (label, answers) in enumerate(_answer_sets(template, options.quick).items()):
            ours: list[float] = []
            plain: list[float] = []
            for run in range(options.runs):
                preset = label.split()[1] if label.startswith("--preset") else None
                cli = [_stackcraft(), "new", str(tmp / f"new{index}-{run}"), "--defaults"]
                cli += ["--preset", preset] if preset else []
                data = json.dumps(dict(answers))
                copy = [sys.executable, "-c", _PLAIN_COPY, str(template.root)]
                copy += [str(tmp / f"copy{index}-{run}"), data]
                # Alternate which goes first, so a warming cache favours neither.
                pair = [(cli, base_env, ours), (copy, copier_env, plain)]
                for command, env, into in pair if run % 2 == 0 else reversed(pair):
                    into.append(_timed(command, env))
            ratio = median(ours) / median(plain)
            table.rows.append(
                (
                    label,
                    f"{median(ours):.2f} s",
                    f"{median(plain):.2f} s",
                    fmt_ratio(ratio),
                    verdict(ratio <= 1.0),
                )
            )
    return [table]


if __name__ == "__main__":
    run_alone("stackcraft new vs copier copy", bench_new)
