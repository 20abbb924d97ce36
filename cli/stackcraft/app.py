"""The `stackcraft` command line: thin Typer commands over the library core."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from stackcraft import report
from stackcraft.doctor import diagnose
from stackcraft.errors import NoTerminalError, StackcraftError, UserError
from stackcraft.project import Project
from stackcraft.prompts import RichAsker, confirm_summary
from stackcraft.prove import prove as run_prove
from stackcraft.render import parse_data, render_new
from stackcraft.smoke.run import SmokeReport
from stackcraft.smoke.run import smoke as run_smoke
from stackcraft.template import Template
from stackcraft.update import update_project
from stackcraft.validators import TOOLS, ValidationReport
from stackcraft.validators import validate as run_validators
from stackcraft.variants import (
    PRESETS,
    Variant,
    as_data_flags,
    preset_problem,
    resolve_preset,
    variants_for,
)
from stackcraft.wizard import run_wizard

__all__ = ["app", "main"]

app = typer.Typer(
    help="Render, validate and prove production-shaped Python services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

T = TypeVar("T")
FORMATS = ("table", "json", "github")
SERVICE_MODES = ("auto", "external")


def _run(action: Callable[[], T]) -> T:
    """Run one command's core call, turning our errors into a red line and an exit code."""
    try:
        return action()
    except UserError as error:
        report.error_console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    except StackcraftError as error:
        report.error_console.print(f"[red]failed:[/red] {error}")
        raise typer.Exit(1) from error


@app.command()
def new(
    dest: Annotated[Path, typer.Argument(help="Directory to create; must be new or empty.")],
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Answer a question: -d KEY=VALUE (repeatable)."),
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="Start from a preset (see `stackcraft presets`).")
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Take the default for every unanswered question.")
    ] = False,
) -> None:
    """Generate a new service in DEST; nothing is written unless the whole render succeeds."""

    def action() -> None:
        template = Template.load()
        answers = {**(resolve_preset(preset, template) if preset else {})}
        answers.update(parse_data(data or [], template))
        if not defaults:
            if not sys.stdin.isatty():
                raise NoTerminalError()
            answers = run_wizard(template, answers, RichAsker(report.console))
            if not confirm_summary(report.console, answers, str(dest)):
                raise typer.Exit(1)
        result = render_new(dest, template=template, data=answers, defaults=True)
        report.show_new(result, template)

    _run(action)


@app.command()
def presets() -> None:
    """List the presets, what each turns on, and which this template can build yet."""

    def action() -> None:
        template = Template.load()
        problems = {name: preset_problem(p, template) for name, p in PRESETS.items()}
        report.show_presets(PRESETS.values(), problems)

    _run(action)


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A generated project.")],
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help=f"Run only this tool (repeatable): {', '.join(TOOLS)}."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report only.")] = False,
) -> None:
    """Run every real validator that applies to PATH; exit 1 when any fails."""

    def action() -> ValidationReport:
        project = Project.open(path)
        on_outcome = None if as_json else report.show_outcome
        return run_validators(project, only=only or (), on_outcome=on_outcome)

    result = _run(action)
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        report.show_validation(result)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def smoke(
    path: Annotated[Path, typer.Argument(help="A generated project.")],
    services: Annotated[
        str,
        typer.Option(
            help="auto: find running services or start throwaway ones; external: find only."
        ),
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report only.")] = False,
) -> None:
    """Install, migrate, test, boot and probe PATH, then stop it; exit 1 on any failure."""

    def action() -> SmokeReport:
        if services not in SERVICE_MODES:
            raise UserError(f"unknown --services '{services}': choose auto or external")
        on_step = None if as_json else report.show_step
        return run_smoke(Project.open(path), services_mode=services, on_step=on_step)

    result = _run(action)
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        report.show_smoke(result)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def matrix(
    strategy: Annotated[
        str, typer.Option(help="full (every valid set), pairwise, or presets.")
    ] = "full",
    output: Annotated[
        str, typer.Option("--format", help="table, json, or github (an Actions include: matrix).")
    ] = "table",
) -> None:
    """List the answer sets of a strategy, read straight from copier.yml."""

    def action() -> list[Variant]:
        if output not in FORMATS:
            raise UserError(f"unknown format '{output}': choose one of {', '.join(FORMATS)}")
        return variants_for(strategy, Template.load())

    variants = _run(action)
    if output == "table":
        report.show_matrix(variants, strategy)
    elif output == "json":
        rows = [{"id": v.id, "data": dict(v.data)} for v in variants]
        typer.echo(json.dumps(rows, indent=2))
    else:
        rows = [{"id": v.id, "data": dict(v.data), "args": as_data_flags(v)} for v in variants]
        typer.echo(json.dumps({"include": rows}))


@app.command()
def update(
    path: Annotated[Path, typer.Argument(help="A generated project, committed in git.")] = Path(),
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Template version (default: latest tag)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show the changes.")] = False,
) -> None:
    """Pull template changes into PATH, keeping your edits; conflicts are listed."""
    result = _run(lambda: update_project(path, vcs_ref=vcs_ref, dry_run=dry_run))
    report.show_update(result)


@app.command()
def prove(
    strategy: Annotated[str, typer.Option(help="full, pairwise, or presets.")] = "pairwise",
    tier: Annotated[str, typer.Option(help="render, static (validate), or smoke.")] = "render",
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Variants proved at once.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report only.")] = False,
) -> None:
    """Render every variant of a strategy and run a tier on each; exit 1 if any fails."""
    with report.ProveProgress(enabled=not as_json) as progress:
        result = _run(
            lambda: run_prove(
                strategy=strategy,
                tier=tier,
                jobs=jobs,
                on_start=progress.start,
                on_result=progress.advance,
            )
        )
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        report.show_prove(result)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def doctor() -> None:
    """Show which tools and services are present, with versions, and how to get the rest."""
    report.show_doctor(_run(diagnose))


def main() -> None:
    """Entry point of the `stackcraft` console script."""
    app()
