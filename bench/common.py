"""What every benchmark shares: its options, medians, and the Markdown tables it returns."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stackcraft.pythons import find_python

__all__ = [
    "Options",
    "Table",
    "fmt_ratio",
    "load_average",
    "median",
    "options_from",
    "options_parser",
    "python_for",
    "run_alone",
    "scratch",
    "verdict",
]


@dataclass(frozen=True)
class Options:
    """How long and how often to measure: `runs` alternating rounds, shorter with `quick`."""

    runs: int = 3
    quick: bool = False


@dataclass
class Table:
    """One figure set: a title, a header, rows of cells, and notes printed under it."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list[tuple[str, ...]])
    notes: list[str] = field(default_factory=list[str])

    def markdown(self) -> str:
        """Return the table as GitHub-flavoured Markdown, its notes as a list under it."""
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.header) + " |")
        lines.append("|" + "---|" * len(self.header))
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in self.rows
        ]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def median(values: Sequence[float]) -> float:
    """Return the median of `values` (0.0 for none)."""
    return statistics.median(values) if values else 0.0


def verdict(ok: bool) -> str:
    """Return the mark a target column shows: met or missed."""
    return "met" if ok else "**missed**"


def fmt_ratio(value: float) -> str:
    """Return a ratio such as 1.43x."""
    return f"{value:.2f}x"


def options_parser(description: str) -> argparse.ArgumentParser:
    """Return a parser with the options every benchmark takes (`--runs`, `--quick`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--runs", type=int, default=None, help="alternating runs per figure (3; quick: 1)"
    )
    parser.add_argument("--quick", action="store_true", help="a short run: smaller, fewer")
    return parser


def options_from(args: argparse.Namespace) -> Options:
    """Return the Options parsed by `options_parser`; a quick run defaults to one round."""
    quick = bool(args.quick)
    runs = int(args.runs) if args.runs is not None else (1 if quick else 3)
    return Options(runs=max(1, runs), quick=quick)


def python_for(version: str = "3.13") -> str:
    """Return the interpreter generated projects use (for UV_PYTHON); RuntimeError if none."""
    found = find_python(version)
    if found is None:
        raise RuntimeError(f"no Python {version} found: generated projects need it")
    return str(found)


@contextmanager
def scratch(prefix: str) -> Generator[Path]:
    """Yield a fresh directory under the system's temp folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"stackcraft-bench-{prefix}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages as text, with the core count."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def run_alone(name: str, bench: Callable[[Options], list[Table]]) -> None:
    """Parse the common options, run one benchmark and print its tables."""
    parser = options_parser(f"stackcraft benchmark: {name}")
    options = options_from(parser.parse_args())
    for table in bench(options):
        print(table.markdown())
