"""How results look on a terminal: rich tables and messages, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stackcraft.variants import as_data_flags

# Types only: importing the modules of every command would slow each command's start.
if TYPE_CHECKING:
    from stackcraft.doctor import Check
    from stackcraft.prove import ProveReport, VariantResult
    from stackcraft.pythons import PythonCheck
    from stackcraft.render import RenderResult
    from stackcraft.smoke.run import SmokeReport, Step
    from stackcraft.template import Template
    from stackcraft.toggle import ToggleResult
    from stackcraft.update import UpdatePlan, UpdateResult
    from stackcraft.validators import Outcome, ValidationReport
    from stackcraft.variants import PresetCatalogue, Variant

__all__ = [
    "ProveProgress",
    "console",
    "error_console",
    "show_doctor",
    "show_matrix",
    "show_new",
    "show_outcome",
    "show_presets",
    "show_prove",
    "show_smoke",
    "show_step",
    "show_toggle",
    "show_update",
    "show_validation",
]

console = Console(highlight=False)
# Errors stay on one line however narrow the terminal, so they can be grepped.
error_console = Console(stderr=True, highlight=False, soft_wrap=True)


def show_new(result: RenderResult, template: Template, python: PythonCheck | None) -> None:
    """Print the answers of a new project, what it still needs, and the commands next.

    `python` says whether uv finds the project's Python; when it does not, its one-line
    fix comes first, since every `uv run` below needs it.
    """
    table = Table(title=f"Created {result.path}", show_header=True, header_style="bold")
    table.add_column("question")
    table.add_column("answer")
    for name in template.names:
        if name in result.answers:
            table.add_row(name, str(result.answers[name]))
    console.print(table)
    slug = result.answers.get("project_slug", "<slug>")
    if result.unlocked:
        console.print(
            "\n[bold yellow]WARNING[/bold yellow]: the project has no uv.lock: the template's "
            "`uv lock` failed (offline, or no Python it could use).\n"
            "The Dockerfile and CI install with `uv sync --locked` and fail until you run:\n"
            f"    cd {escape(str(result.path))} && uv lock",
            soft_wrap=True,
        )
    if python is not None and python.fix:
        console.print(f"\n[yellow]{escape(python.fix)}[/yellow]", soft_wrap=True)
    console.print("\nNext steps:")
    console.print(f"  cd {result.path}")
    page = "/healthz" if result.answers.get("api_docs") == "off" else "/docs"
    console.print(f"  uv run {slug} serve      # http://127.0.0.1:8000{page}, on SQLite")
    console.print("  uv run pytest")
    console.print("  (README.md in the project lists every other command)")


def show_presets(catalogue: PresetCatalogue) -> None:
    """Print the presets this template builds, and in one line what the others wait for."""
    if catalogue.buildable:
        table = Table(show_header=True, header_style="bold")
        table.add_column("preset")
        table.add_column("turns on")
        for preset in catalogue.buildable:
            table.add_row(preset.name, preset.summary)
        console.print(table)
    else:
        console.print("No preset can be built with this template yet.")
    if catalogue.waiting:
        more = "more " if catalogue.buildable else ""
        names = ", ".join(preset.name for preset in catalogue.waiting)
        console.print(
            f"{len(catalogue.waiting)} {more}preset(s) ({names}) wait for questions or choices "
            f"not in this template yet: {', '.join(catalogue.needs)}",
            soft_wrap=True,
        )


_STATUS = {"pass": "[green]pass[/green]", "fail": "[red]FAIL[/red]", "skip": "[dim]skip[/dim]"}


def show_outcome(outcome: Outcome) -> None:
    """Print one line as a validator finishes, so a long run shows progress."""
    console.print(f"  {_STATUS[outcome.status]}  {outcome.tool} {outcome.target}")


def show_validation(report: ValidationReport) -> None:
    """Print the validation table: tool, target, status, seconds, first error line."""
    table = Table(title=f"validate {report.project.path}", header_style="bold")
    for column in ("tool", "target", "status", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    table.add_column("first error", overflow="fold")
    for outcome in report.outcomes:
        table.add_row(
            outcome.tool,
            outcome.target,
            _STATUS[outcome.status],
            f"{outcome.seconds:.2f}",
            outcome.first_error,
        )
    console.print(table)
    for outcome in report.outcomes:
        for warning in outcome.warnings:
            console.print(f"[yellow]warning[/yellow] {outcome.tool}: {warning}", soft_wrap=True)
    verdict = "[green]all checks passed[/green]" if report.ok else "[red]checks failed[/red]"
    console.print(verdict)


def show_matrix(variants: Sequence[Variant], strategy: str) -> None:
    """Print the variants of a strategy as a table, one row each."""
    table = Table(title=f"{len(variants)} variant(s), strategy {strategy}", header_style="bold")
    table.add_column("id", overflow="fold")
    table.add_column("answers", overflow="fold")
    for variant in variants:
        table.add_row(variant.id, as_data_flags(variant).replace("-d ", ""))
    console.print(table)


def show_update(result: UpdateResult) -> None:
    """Print the preview of an update and, once applied, what changed and what conflicts."""
    plan = result.plan
    console.print(f"template {plan.template}: {plan.from_ref} -> {plan.to_ref}")
    if plan.empty:
        console.print("[green]already up to date[/green]: the template changed nothing here")
        return
    console.print(_plan_table(plan, "what the template changed"))
    if result.dry_run:
        console.print(f"dry run: {len(result.changed)} file(s) would change; nothing was written")
        if result.conflicts:
            console.print("[red]would conflict[/red] (both you and the template changed these):")
            for name in result.conflicts:
                console.print(f"  {name}")
        else:
            console.print("[green]no conflicts expected[/green]")
        return
    console.print(f"{len(result.changed)} file(s) changed in the project; review with `git diff`")
    if result.conflicts:
        console.print("[red]conflicts[/red] (both you and the template changed these lines):")
        for name in result.conflicts:
            console.print(f"  {name}")
        console.print("resolve the <<<<<<< markers, then commit")
    else:
        console.print("[green]no conflicts[/green]")


def show_step(step: Step) -> None:
    """Print one smoke step as it finishes."""
    detail = f"  [dim]{step.detail}[/dim]" if step.detail else ""
    console.print(
        f"  {_STATUS[step.status]}  {step.name} ({step.seconds:.1f}s){detail}", soft_wrap=True
    )


def show_smoke(report: SmokeReport) -> None:
    """Print the smoke table: step, status, seconds, detail."""
    table = Table(title=f"smoke {report.project}", header_style="bold")
    table.add_column("step")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("detail", overflow="fold")
    for step in report.steps:
        table.add_row(step.name, _STATUS[step.status], f"{step.seconds:.2f}", step.detail)
    total = sum(step.seconds for step in report.steps)
    table.add_row("total", "", f"{total:.2f}", "")
    console.print(table)
    verdict = "[green]smoke passed[/green]" if report.ok else "[red]smoke failed[/red]"
    from stackcraft.smoke.container import not_applicable  # imported late: see TYPE_CHECKING

    if not_applicable(report):
        verdict = "[yellow]smoke skipped[/yellow]: no image can be built here (see base images)"
    console.print(verdict)


class ProveProgress:
    """A progress bar over a prove run: one tick per finished variant."""

    def __init__(self, *, enabled: bool) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=error_console,
            disable=not enabled,
        )
        self._task = self._progress.add_task("proving", total=None)

    def __enter__(self) -> ProveProgress:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def start(self, total: int) -> None:
        """Set how many variants will run."""
        self._progress.update(self._task, total=total)

    def advance(self, result: VariantResult) -> None:
        """Count one finished variant, and print it when it failed."""
        if not result.ok:
            self._progress.console.print(f"[red]FAIL[/red] {result.id}: {result.first_error}")
        self._progress.advance(self._task)


def show_prove(report: ProveReport) -> None:
    """Print the summary table of a prove run, and name every failing variant."""
    table = Table(
        title=f"prove: strategy {report.strategy}, tier {report.tier}", header_style="bold"
    )
    table.add_column("variant", overflow="fold")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("first error", overflow="fold")
    for result in report.results:
        status = _STATUS["skip" if result.skipped else "pass" if result.ok else "fail"]
        said = result.skipped or result.first_error
        table.add_row(result.id, status, f"{result.seconds:.1f}", said)
    console.print(table)
    failed = [r for r in report.results if not r.ok]
    skipped = [r for r in report.results if r.skipped]
    passed = len(report.results) - len(failed) - len(skipped)
    more = f", {len(skipped)} skipped" if skipped else ""
    console.print(f"{passed} passed, {len(failed)} failed{more}")


def show_doctor(checks: Sequence[Check]) -> None:
    """Print each tool, interpreter and service, found or not, and how to install the rest."""
    table = Table(title="stackcraft doctor", header_style="bold")
    for column in ("kind", "name", "status"):
        table.add_column(column, no_wrap=True)
    for column in ("version / where", "install"):
        table.add_column(column, overflow="fold")
    for check in checks:
        if check.warning:
            status = f"[yellow]found, {check.warning}[/yellow]"
        else:
            status = "[green]found[/green]" if check.found else "[red]missing[/red]"
        fix = check.install if check.warning or not check.found else ""
        table.add_row(check.kind, check.name, status, check.detail, fix)
    console.print(table)
    for check in checks:
        if check.warning:
            # The fix once more on one line of its own, so it can be copied whole.
            console.print(f"[yellow]{escape(check.install)}[/yellow]", soft_wrap=True)


def show_toggle(result: ToggleResult) -> None:
    """Print the answers `add` or `remove` change, the files that follows, and conflicts.

    The same shape as `show_update`: a table of what changes, then what was (or would be)
    written and what is left for the user to decide.
    """
    update = result.update
    plan = update.plan
    if result.empty:
        console.print("[green]nothing to change[/green]: the project already has these answers")
        return
    console.print(f"template {plan.template} at {plan.from_ref}; answers:")
    for change in result.changes:
        before = "(not asked)" if change.before is None else f"'{change.before}'"
        after = "(not asked)" if change.after is None else f"'{change.after}'"
        console.print(f"  {change.key}: {before} -> {after}")
    console.print(_plan_table(plan, "what the new answers change"))
    _show_toggle_outcome(update)
    if result.lock_problem:
        console.print(
            f"[red]{escape(result.lock_problem)}[/red] (`uv lock` could not run: offline?): "
            "run `uv lock` in the project before committing"
        )


def _plan_table(plan: UpdatePlan, title: str) -> Table:
    """The files an update adds, removes and modifies, one row each."""
    table = Table(title=title, header_style="bold")
    table.add_column("change")
    table.add_column("file", overflow="fold")
    for label, names in (
        ("added", plan.added),
        ("removed", plan.removed),
        ("modified", plan.modified),
    ):
        for name in names:
            table.add_row(label, name)
    return table


def _show_toggle_outcome(update: UpdateResult) -> None:
    kept = set(update.kept)
    marked = [name for name in update.conflicts if name not in kept]
    if update.dry_run:
        console.print(f"dry run: {len(update.changed)} file(s) would change; nothing was written")
        if marked:
            console.print("[red]would conflict[/red] (both you and the new answers change these):")
    else:
        console.print(
            f"{len(update.changed)} file(s) changed in the project; review with `git diff`"
        )
        if marked:
            console.print(
                "[red]conflicts[/red] (both you and the new answers changed these lines):"
            )
    for name in marked:
        console.print(f"  {name}")
    if marked and not update.dry_run:
        console.print("resolve the <<<<<<< markers, then commit")
    if update.kept:
        would = "would be kept" if update.dry_run else "kept"
        console.print(
            f"[red]{would}[/red] (the new answers remove these, but you edited them): "
            "delete them or keep them, then commit",
            soft_wrap=True,
        )
        for name in update.kept:
            console.print(f"  {name}")
    if not update.conflicts:
        expected = " expected" if update.dry_run else ""
        console.print(f"[green]no conflicts{expected}[/green]")
