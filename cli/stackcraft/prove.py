"""`stackcraft prove`: render every variant of a strategy and run one proof tier on each.

Variants run in worker processes (`jobs` at a time): Copier and the tools it runs keep
process-wide state (working directory, environment), so threads would trip over each other.
Each variant renders into its own temporary directory, which is removed afterwards.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import tempfile
import time
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plumbum import local

from stackcraft.checks import render_tier_problems
from stackcraft.errors import StackcraftError, UserError
from stackcraft.project import Project
from stackcraft.render import plain_copy, render_new
from stackcraft.smoke.container import not_applicable, smoke_container, unavailable
from stackcraft.smoke.fuzz import FuzzBudget
from stackcraft.smoke.run import smoke
from stackcraft.template import Template
from stackcraft.tiers import TIERS, Tier
from stackcraft.validators import validate
from stackcraft.variants import Variant, variants_for

__all__ = ["TIERS", "ProveReport", "Tier", "VariantResult", "prove"]


@dataclass(frozen=True)
class VariantResult:
    """One variant's verdict for a tier, with its first error when it failed.

    `skipped` says why the tier could not apply here (e.g. no base image for its Python);
    such a variant is not a failure.
    """

    id: str
    data: dict[str, object]
    ok: bool
    seconds: float
    first_error: str = ""
    skipped: str = ""


@dataclass(frozen=True)
class ProveReport:
    """Every variant's verdict for one strategy and tier."""

    strategy: str
    tier: str
    results: tuple[VariantResult, ...]

    @property
    def ok(self) -> bool:
        """True when every variant passed."""
        return all(result.ok for result in self.results)

    def as_json(self) -> dict[str, Any]:
        """Return the report in its documented, stable JSON shape."""
        return {
            "strategy": self.strategy,
            "tier": self.tier,
            "ok": self.ok,
            "variants": [
                {
                    "id": r.id,
                    "data": r.data,
                    "ok": r.ok,
                    "seconds": round(r.seconds, 3),
                    "first_error": r.first_error,
                    "skipped": r.skipped,
                }
                for r in self.results
            ],
        }


def prove(
    *,
    strategy: str,
    tier: str,
    jobs: int = 1,
    count: int = 500,
    seed: int = 1,
    factors: tuple[str, ...] | None = None,
    fuzz_seconds: int | None = None,
    template_root: Path | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[VariantResult], None] | None = None,
) -> ProveReport:
    """Render each variant of `strategy` and run `tier` on it; return every verdict.

    `count` and `seed` choose the answer sets of the `sample` strategy; `factors` narrows
    `pairwise` to pairs of those questions. `fuzz_seconds` bounds the smoke tier's fuzz
    step per variant (default: `stackcraft smoke`'s).

    Raises:
        UserError: for an unknown strategy or tier, a sample count below 1, fewer than
            one job, a fuzz budget below 1 s, or `full` on a space too large to list.
    """
    if tier not in TIERS:
        raise UserError(f"unknown tier '{tier}': choose one of {', '.join(TIERS)}")
    if jobs < 1:
        raise UserError(f"-j {jobs} is not a number of jobs: give 1 or more")
    if fuzz_seconds is not None and fuzz_seconds < 1:
        raise UserError(f"--fuzz-seconds {fuzz_seconds} is not a time budget: give 1 or more")
    budget = FuzzBudget() if fuzz_seconds is None else FuzzBudget(seconds=fuzz_seconds)
    template = Template.load(template_root)
    variants = variants_for(strategy, template, count=count, seed=seed, factors=factors)
    if on_start is not None:
        on_start(len(variants))
    results: dict[str, VariantResult] = {}
    # Fresh interpreters, not forks: the caller may run threads (a progress bar, a test runner).
    spawn = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="stackcraft-template-") as copy,
        ProcessPoolExecutor(max_workers=jobs, mp_context=spawn) as pool,
    ):
        source = plain_copy(template, Path(copy) / "template").root
        futures = [
            pool.submit(prove_variant, variant, tier, source, budget) for variant in variants
        ]
        for future in as_completed(futures):
            result = future.result()
            results[result.id] = result
            if on_result is not None:
                on_result(result)
    ordered = tuple(results[variant.id] for variant in variants)
    return ProveReport(strategy=strategy, tier=tier, results=ordered)


def prove_variant(
    variant: Variant, tier: str, template_root: Path, fuzz: FuzzBudget
) -> VariantResult:
    """Render one variant into a temporary directory and run `tier` on it."""
    started = time.perf_counter()
    skipped = ""
    try:
        error = _prove(variant, tier, template_root, fuzz)
    except _NotApplicableError as reason:
        error, skipped = "", str(reason)
    except StackcraftError as failure:
        error = str(failure)
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"
    return VariantResult(
        id=variant.id,
        data=dict(variant.data),
        ok=not error,
        seconds=time.perf_counter() - started,
        first_error=error,
        skipped=skipped,
    )


class _NotApplicableError(Exception):
    """The tier cannot run on this variant here; the message says why."""


@contextlib.contextmanager
def _copier_without_git() -> Generator[None]:
    """Hide git from Copier while it renders a variant that only the render tier reads.

    Copier runs `git config` once for every file it writes, to carry executable bits into
    the destination's git index. A render-tier destination is a throwaway folder, not a
    repository, and the template is a plain copy (no clone), so git has nothing to do;
    those eighty-odd processes were two fifths of a variant's time. Copier finds git on
    plumbum's copy of PATH; no task runs on this tier, so nothing else looks there.
    """
    saved = local.env.get("PATH")
    local.env["PATH"] = ""
    try:
        yield
    finally:
        if saved is None:
            del local.env["PATH"]
        else:
            local.env["PATH"] = saved


def _prove(variant: Variant, tier: str, template_root: Path, fuzz: FuzzBudget) -> str:
    if tier == "container":
        # Known before rendering: no base image for this Python here.
        reason = unavailable(str(variant.data.get("python_version", "")))
        if reason:
            raise _NotApplicableError(reason)
    template = Template.load(template_root)
    with tempfile.TemporaryDirectory(prefix="stackcraft-prove-") as tmp:
        dest = Path(tmp) / "svc"
        rendering = _copier_without_git() if tier == "render" else contextlib.nullcontext()
        with rendering:
            render_new(
                dest,
                template=template,
                data=variant.data,
                defaults=True,
                run_tasks=tier != "render",
            )
        if tier == "render":
            problems = render_tier_problems(dest)
            return problems[0] if problems else ""
        project = Project.open(dest)
        if tier == "static":
            report = validate(project)
            failed = [o for o in report.outcomes if o.status == "fail"]
            return f"{failed[0].tool} {failed[0].target}: {failed[0].first_error}" if failed else ""
        smoked = (
            smoke_container(project) if tier == "container" else smoke(project, fuzz_budget=fuzz)
        )
        if not_applicable(smoked):
            raise _NotApplicableError(not_applicable(smoked))
        failed_steps = [s for s in smoked.steps if s.status == "fail"]
        return f"{failed_steps[0].name}: {failed_steps[0].detail}" if failed_steps else ""
