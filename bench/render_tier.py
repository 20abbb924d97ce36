"""Render-tier throughput: variants rendered, parsed and ruff-checked per second.

    uv run python bench/render_tier.py [--count N] [--jobs J] [--seed S]

Proves a uniform sample of N answer sets (default 60) on the render tier with J worker
processes (default 2, the machine's cores), exactly as `stackcraft prove --strategy
sample --tier render` does, and prints the figures. The target (issue 8) is at least 3
variants a second on 2 cores (3.3-3.7 measured on an idle machine, 4 December 2026). It
also times the variant engine itself: the space's size, a pairwise cover and a sample of 500.
"""

from __future__ import annotations

import argparse
import time

from stackcraft.prove import prove
from stackcraft.template import Template
from stackcraft.variants import enumerate_pairwise, enumerate_sample, space_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    template = Template.load()
    started = time.perf_counter()
    size = space_size(template)
    sized = time.perf_counter()
    pairwise = enumerate_pairwise(template)
    paired = time.perf_counter()
    sample = enumerate_sample(template, count=500, seed=args.seed)
    sampled = time.perf_counter()
    print(f"space: {size:,} answer sets, counted in {sized - started:.2f} s")
    print(f"pairwise: {len(pairwise)} variants in {paired - sized:.2f} s")
    print(f"sample: {len(sample)} variants in {sampled - paired:.2f} s")

    started = time.perf_counter()
    report = prove(
        strategy="sample", count=args.count, seed=args.seed, tier="render", jobs=args.jobs
    )
    seconds = time.perf_counter() - started
    done = len(report.results)
    failed = [result.id for result in report.results if not result.ok]
    per_variant = sorted(result.seconds for result in report.results)
    median = per_variant[len(per_variant) // 2] if per_variant else 0.0
    print(
        f"render tier: {done} variants, {args.jobs} jobs, {seconds:.1f} s wall, "
        f"{done / seconds:.2f} variants/s (median {median:.2f} s per variant, "
        f"render + parse + ruff); {len(failed)} failed"
    )
    if failed:
        print("failed: " + ", ".join(failed[:10]))


if __name__ == "__main__":
    main()
