"""Proof-tier throughput: variants proved per second on the render, static and smoke tiers.

    uv run python -m bench.tiers [--quick] [--tiers render,static,smoke] [--jobs J]

Each tier proves a seeded uniform sample of answer sets with J worker processes (default 2,
the machine's cores), exactly as `stackcraft prove --strategy sample --tier T -j J` does.
One pass per tier: a pass already averages over its variants, and a smoke pass is minutes
long. Also times the variant engine itself (the space's size, a pairwise cover, a sample).
Targets: render at least 3 variants/s (issue 8), static at least 0.3 variants/s (issue 9).
"""

from __future__ import annotations

import argparse
import time

from bench.common import Options, Table, median, options_from, options_parser, verdict
from stackcraft.prove import prove
from stackcraft.template import Template
from stackcraft.variants import enumerate_pairwise, enumerate_sample, space_size

__all__ = ["TIER_TARGETS", "bench_tiers"]

# variants/s a tier must reach on 2 cores; smoke has no target yet.
TIER_TARGETS: dict[str, float] = {"render": 3.0, "static": 0.3}
_COUNTS = {"render": 60, "static": 6, "smoke": 2}
_QUICK_COUNTS = {"render": 8, "static": 2, "smoke": 1}


def _engine(seed: int) -> Table:
    template = Template.load()
    table = Table(title="variant engine", header=("step", "result", "seconds"))
    started = time.perf_counter()
    size = space_size(template)
    sized = time.perf_counter()
    pairwise = enumerate_pairwise(template)
    paired = time.perf_counter()
    sample = enumerate_sample(template, count=500, seed=seed)
    sampled = time.perf_counter()
    table.rows += [
        ("count the space", f"{size:,} answer sets", f"{sized - started:.2f}"),
        ("pairwise cover", f"{len(pairwise)} variants", f"{paired - sized:.2f}"),
        ("uniform sample", f"{len(sample)} variants", f"{sampled - paired:.2f}"),
    ]
    return table


def bench_tiers(
    options: Options, *, tiers: tuple[str, ...] = ("render", "static", "smoke"), jobs: int = 2
) -> list[Table]:
    """Return the variant engine's timings and each tier's throughput on a sample."""
    seed = 1
    counts = _QUICK_COUNTS if options.quick else _COUNTS
    table = Table(
        title="proof-tier throughput",
        header=("tier", "variants", "wall", "variants/s", "median per variant", "failed", "target"),
        notes=[f"`stackcraft prove --strategy sample --seed {seed} -j {jobs}`, one pass per tier"],
    )
    for tier in tiers:
        started = time.perf_counter()
        report = prove(strategy="sample", count=counts[tier], seed=seed, tier=tier, jobs=jobs)
        seconds = time.perf_counter() - started
        done = len(report.results)
        rate = done / seconds
        failed = [result for result in report.results if not result.ok]
        goal = TIER_TARGETS.get(tier)
        target = f"≥ {goal} /s: {verdict(rate >= goal)}" if goal is not None else "none yet"
        table.rows.append(
            (
                tier,
                str(done),
                f"{seconds:.1f} s",
                f"{rate:.3f}",
                f"{median([r.seconds for r in report.results]):.1f} s",
                str(len(failed)),
                target,
            )
        )
        table.notes += [f"{tier} failed {r.id}: {r.first_error[:160]}" for r in failed[:3]]
    return [_engine(seed), table]


def main() -> None:
    """Run the tiers named by `--tiers` and print their tables."""
    parser: argparse.ArgumentParser = options_parser("stackcraft benchmark: proof tiers")
    parser.add_argument("--tiers", default="render,static,smoke")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    tiers = tuple(name for name in str(args.tiers).split(",") if name)
    for table in bench_tiers(options_from(args), tiers=tiers, jobs=int(args.jobs)):
        print(table.markdown())


if __name__ == "__main__":
    main()
