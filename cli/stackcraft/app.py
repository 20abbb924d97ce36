"""The `stackcraft` command line: thin Typer commands over the library core."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from stackcraft import __version__, report
from stackcraft.errors import NoTerminalError, StackcraftError, UserError
from stackcraft.prompts import RichAsker, confirm_summary
from stackcraft.pythons import check_python
from stackcraft.render import parse_data, render_new
from stackcraft.template import Template
from stackcraft.tiers import Tier
from stackcraft.validators import TOOLS, ValidationReport
from stackcraft.variants import (
    SMOKE_FACTORS,
    Strategy,
    as_data_flags,
    preset_catalogue,
    resolve_preset,
    variants_for,
)
from stackcraft.wizard import run_wizard

# The other commands' modules are imported by the command that runs them: importing them
# all would slow every command's start, `new` included.
if TYPE_CHECKING:
    from stackcraft.smoke.run import SmokeReport

__all__ = ["app", "main"]


class _Group(TyperGroup):
    """The top-level command group, whose --help, too, shows no `<bool>`."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


app = typer.Typer(
    cls=_Group,
    help="Render, validate and prove production-shaped Python services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

T = TypeVar("T")


class OutputFormat(StrEnum):
    """How `matrix` prints its variants."""

    TABLE = "table"
    JSON = "json"
    GITHUB = "github"


class ServicesMode(StrEnum):
    """Where `smoke` gets PostgreSQL and Redis."""

    AUTO = "auto"
    EXTERNAL = "external"


class _Command(TyperCommand):
    """A command whose help names arguments by their metavar and gives flags no type.

    Typer's help writes a required argument as `{dest}` in the usage line and a flag's
    type as `<bool>`; ours read `DEST` and nothing.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "").upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


def _existing(path: Path) -> Path:
    """Return `path`, or its nearest ancestor that exists."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _run(action: Callable[[], T]) -> T:
    """Run one command's core call, turning our errors into a red line and an exit code.

    An OSError that escaped the core (a full disk, a vanished directory) is still one line.
    """
    try:
        return action()
    except UserError as error:
        report.error_console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    except StackcraftError as error:
        report.error_console.print(f"[red]failed:[/red] {error}")
        raise typer.Exit(1) from error
    except OSError as error:
        where = f" '{error.filename}'" if error.filename else ""
        report.error_console.print(f"[red]failed:[/red] {error.strerror or error}{where}")
        raise typer.Exit(1) from error


FLAG = ""  # the metavar of an on/off option: no `<bool>` after it in --help


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"stackcraft {__version__}")
        raise typer.Exit


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar=FLAG,
            callback=_print_version,
            is_eager=True,
            help="Print stackcraft's version and exit.",
        ),
    ] = False,
) -> None:
    """Render, validate and prove production-shaped Python services."""


@app.command(cls=_Command)
def new(
    dest: Annotated[
        Path, typer.Argument(metavar="DEST", help="Directory to create; must be new or empty.")
    ],
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(metavar="PRESET", help="Start from a preset (see `stackcraft presets`)."),
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults", metavar=FLAG, help="Take the default for every unanswered question."
        ),
    ] = False,
) -> None:
    """Generate a new service in DEST; nothing is written unless the whole render succeeds."""

    def action() -> None:
        template = Template.load()
        answers = {**(resolve_preset(preset, template) if preset else {})}
        answers.update(parse_data(data or [], template))
        if defaults:
            # Refuses a bad or inapplicable answer up front.
            version = template.complete(answers).get("python_version")
        else:
            if not sys.stdin.isatty():
                raise NoTerminalError()
            answers = run_wizard(template, answers, RichAsker(report.console))
            if not confirm_summary(report.console, answers, str(dest)):
                raise typer.Exit(1)
            version = answers.get("python_version")
        # Whether uv will find the project's Python is asked while the render runs: it
        # waits on other processes either way (the project adds no uv settings to ask in).
        with ThreadPoolExecutor(max_workers=1) as background:
            checking = (
                background.submit(check_python, str(version), cwd=_existing(dest.parent))
                if version
                else None
            )
            result = render_new(dest, template=template, data=answers, defaults=True)
            python = checking.result() if checking is not None else None
        report.show_new(result, template, python)

    _run(action)


@app.command(cls=_Command)
def presets() -> None:
    """List the presets this template can build and what each turns on."""
    report.show_presets(_run(lambda: preset_catalogue(Template.load())))


@app.command(cls=_Command)
def validate(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A generated project.")],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="TOOL",
            help=f"Run only this tool (repeatable): {', '.join(TOOLS)}.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", metavar=FLAG, help="Print the JSON report only.")
    ] = False,
) -> None:
    """Run every real validator that applies to PATH; exit 1 when any fails."""

    def action() -> ValidationReport:
        from stackcraft.project import Project
        from stackcraft.validators import validate as run_validators

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


@app.command(cls=_Command)
def smoke(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A generated project.")],
    services: Annotated[
        ServicesMode,
        typer.Option(
            help="auto finds running services or starts throwaway ones; external only finds them."
        ),
    ] = ServicesMode.AUTO,
    container: Annotated[
        bool,
        typer.Option(
            "--container",
            metavar=FLAG,
            help="Build the image with a real OCI engine (Docker, else podman) and run it "
            "as production does, instead of running the source.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", metavar=FLAG, help="Print the JSON report only.")
    ] = False,
) -> None:
    """Install, migrate, test, boot and probe PATH, then stop it; exit 1 on any failure."""

    def action() -> SmokeReport:
        from stackcraft.project import Project
        from stackcraft.smoke.container import smoke_container
        from stackcraft.smoke.run import smoke as run_smoke

        on_step = None if as_json else report.show_step
        tier = smoke_container if container else run_smoke
        return tier(Project.open(path), services_mode=services.value, on_step=on_step)

    result = _run(action)
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        report.show_smoke(result)
    if not result.ok:
        raise typer.Exit(1)


CountOption = Annotated[
    int, typer.Option("--count", metavar="N", help="How many answer sets `sample` draws.")
]
SeedOption = Annotated[
    int, typer.Option("--seed", metavar="S", help="The seed of `sample`: same seed, same sets.")
]
FactorsOption = Annotated[
    str,
    typer.Option(
        "--factors",
        metavar="Q,Q",
        help="pairwise: cover pairs of these questions only (comma-separated), e.g. the "
        "smoke tier's " + ",".join(SMOKE_FACTORS) + ".",
    ),
]


def _factor_names(factors: str) -> tuple[str, ...] | None:
    return tuple(name.strip() for name in factors.split(",") if name.strip()) or None


@app.command(cls=_Command)
def matrix(
    strategy: Annotated[
        Strategy,
        typer.Option(
            help="Every valid answer set (small spaces only), a pairwise cover, "
            "a uniform sample, or the presets."
        ),
    ] = Strategy.PAIRWISE,
    count: CountOption = 500,
    seed: SeedOption = 1,
    factors: FactorsOption = "",
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="github prints an Actions `include:` matrix."),
    ] = OutputFormat.TABLE,
) -> None:
    """List the answer sets of a strategy, read straight from copier.yml."""
    variants = _run(
        lambda: variants_for(
            strategy, Template.load(), count=count, seed=seed, factors=_factor_names(factors)
        )
    )
    if output is OutputFormat.TABLE:
        report.show_matrix(variants, strategy.value)
    elif output is OutputFormat.JSON:
        rows = [{"id": v.id, "data": dict(v.data)} for v in variants]
        typer.echo(json.dumps(rows, indent=2))
    else:
        rows = [{"id": v.id, "data": dict(v.data), "args": as_data_flags(v)} for v in variants]
        typer.echo(json.dumps({"include": rows}))


@app.command(cls=_Command)
def update(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help="A generated project, committed in git.")
    ] = Path(),
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", metavar="REF", help="Template version (default: latest tag)."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="PATH_OR_URL",
            help="The template, when the one the project records has moved.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", metavar=FLAG, help="Show what would change and conflict; write nothing."
        ),
    ] = False,
) -> None:
    """Pull template changes into PATH, keeping your edits; exit 1 when conflicts are left."""
    from stackcraft.update import update_project

    result = _run(lambda: update_project(path, vcs_ref=vcs_ref, dry_run=dry_run, template=template))
    report.show_update(result)
    if result.applied and result.conflicts:
        raise typer.Exit(1)


_PROJECT_HELP = "The generated project, committed in git (default: the current directory)."
_DRY_RUN_HELP = "Show what would change and conflict; write nothing."


@app.command(cls=_Command)
def add(
    answers: Annotated[
        list[str], typer.Argument(metavar="KEY=VALUE...", help="Answers to set, e.g. cache=redis.")
    ],
    project: Annotated[
        Path, typer.Option("--project", metavar="PATH", help=_PROJECT_HELP)
    ] = Path(),
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar=FLAG, help=_DRY_RUN_HELP)] = False,
) -> None:
    """Turn features on (or change answers) through Copier's update; exit 1 on conflicts."""
    from stackcraft.toggle import change_answers

    result = _run(lambda: change_answers(project, add=answers, dry_run=dry_run))
    report.show_toggle(result)
    if result.failed:
        raise typer.Exit(1)


@app.command(cls=_Command)
def remove(
    keys: Annotated[
        list[str], typer.Argument(metavar="KEY...", help="Questions to turn off, e.g. cache.")
    ],
    project: Annotated[
        Path, typer.Option("--project", metavar="PATH", help=_PROJECT_HELP)
    ] = Path(),
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar=FLAG, help=_DRY_RUN_HELP)] = False,
) -> None:
    """Turn features off (none, off or false) through Copier's update; exit 1 on conflicts."""
    from stackcraft.toggle import change_answers

    result = _run(lambda: change_answers(project, remove=keys, dry_run=dry_run))
    report.show_toggle(result)
    if result.failed:
        raise typer.Exit(1)


@app.command(cls=_Command)
def prove(
    strategy: Annotated[
        Strategy, typer.Option(help="Which answer sets to prove (see `stackcraft matrix`).")
    ] = Strategy.PAIRWISE,
    count: CountOption = 500,
    seed: SeedOption = 1,
    factors: FactorsOption = "",
    tier: Annotated[
        Tier,
        typer.Option(
            help="How far: render, static (every validator), smoke, or container (the image)."
        ),
    ] = Tier.RENDER,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", metavar="N", help="Variants proved at once.")
    ] = 1,
    fuzz_seconds: Annotated[
        int | None,
        typer.Option(
            "--fuzz-seconds",
            metavar="S",
            help="smoke tier: each variant's fuzz step stops after S seconds "
            "(default 30, as `stackcraft smoke`).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", metavar=FLAG, help="Print the JSON report only.")
    ] = False,
) -> None:
    """Render every variant of a strategy and run a tier on each; exit 1 if any fails."""
    from stackcraft.prove import prove as run_prove

    with report.ProveProgress(enabled=not as_json) as progress:
        result = _run(
            lambda: run_prove(
                strategy=strategy.value,
                count=count,
                seed=seed,
                factors=_factor_names(factors),
                tier=tier.value,
                jobs=jobs,
                fuzz_seconds=fuzz_seconds,
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


@app.command(cls=_Command)
def doctor() -> None:
    """Show which tools and services are present, with versions, and how to get the rest."""
    from stackcraft.doctor import diagnose

    report.show_doctor(_run(diagnose))


def main() -> None:
    """Entry point of the `stackcraft` console script."""
    app()
