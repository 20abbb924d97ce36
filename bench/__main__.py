"""Run every benchmark (or `--only` some), print one Markdown report and write it to a file.

    uv run python -m bench [--only new,tiers,green,serve] [--runs N] [--quick] [--out FILE]
                           [--peers DIR]

Default file: bench/results.md (bench/results-quick.md with --quick); not committed, the
figures worth keeping go to docs/bench.md with the date and the machine's load.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Options, Table, load_average, options_from, options_parser
from bench.first_green import bench_first_green
from bench.new import bench_new
from bench.serve import bench_serve
from bench.tiers import bench_tiers

BENCHES: dict[str, Callable[[Options], list[Table]]] = {
    "new": bench_new,
    "tiers": bench_tiers,
    "green": bench_first_green,
    "serve": bench_serve,
}


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git as the developer's shell finds it
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    )
    return done.stdout.strip() or "unknown"


def main() -> int:
    """Run the chosen benchmarks; return 2 for an unknown name, else 0."""
    parser = options_parser("stackcraft benchmarks (SPEC section 7)")
    parser.add_argument("--only", default=",".join(BENCHES), help=", ".join(BENCHES))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--peers", default=None, help="folder of the peers' checkouts (STACKCRAFT_BENCH_PEERS)"
    )
    args = parser.parse_args()
    if args.peers:
        os.environ["STACKCRAFT_BENCH_PEERS"] = str(args.peers)
    options = options_from(args)
    names = [name.strip() for name in str(args.only).split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHES)}")
        return 2
    default = "results-quick.md" if options.quick else "results.md"
    out = Path(args.out) if args.out is not None else Path(__file__).parent / default
    started = datetime.datetime.now(datetime.UTC)
    head = [
        f"## stackcraft benchmarks, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- commit {_commit()}, {platform.node()}, Python {platform.python_version()}",
        f"- load average before: {load_average()}",
        f"- {'quick run, ' if options.quick else ''}medians of {options.runs} run(s)",
    ]
    sections: list[str] = []
    for name in names:
        began = time.perf_counter()
        before = load_average()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            tables = BENCHES[name](options)
        except Exception as error:  # one failed benchmark must not hide the others' figures
            tables = [
                Table(title=name, header=("failed",), rows=[(f"{type(error).__name__}: {error}",)])
            ]
        took = time.perf_counter() - began
        # Each block's own load average: the machine's speed is part of every figure.
        sections.append(f"*{name}: load average before {before}; took {took:.0f} s*\n")
        sections += [table.markdown() for table in tables]
        print(f"{name} done in {took:.0f} s", file=sys.stderr, flush=True)
    head.append(f"- load average after: {load_average()}")
    report = "\n".join(head) + "\n\n" + "\n".join(sections)
    out.write_text(report)
    print(report)
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
