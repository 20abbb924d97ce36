"""The `stackcraft` command line: thin Typer commands over the library core."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from stackcraft import report
from stackcraft.errors import NoTerminalError, StackcraftError, UserError
from stackcraft.render import parse_data, render_new
from stackcraft.template import Template
from stackcraft.variants import PRESETS, preset_problem, resolve_preset

__all__ = ["app", "main"]

app = typer.Typer(
    help="Render, validate and prove production-shaped Python services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

T = TypeVar("T")


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
        if not defaults and not sys.stdin.isatty():
            raise NoTerminalError()
        result = render_new(dest, template=template, data=answers, defaults=defaults)
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


def main() -> None:
    """Entry point of the `stackcraft` console script."""
    app()
