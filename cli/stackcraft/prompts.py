"""Rich prompts for the wizard: one question at a time, grouped, with help and default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO, cast

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.prompt import Confirm, Prompt
from rich.table import Table

from stackcraft.wizard import Ask

__all__ = ["RichAsker", "confirm_summary"]


class RichAsker:
    """Asks wizard questions on a terminal; prints a heading when the group changes.

    `stream` replaces standard input (tests type their answers through it).
    """

    def __init__(self, console: Console, stream: TextIO | None = None) -> None:
        self._console = console
        self._stream = stream
        self._group = ""

    def __call__(self, ask: Ask) -> object:
        """Ask one question and return the chosen value."""
        question = ask.question
        if ask.group != self._group:
            self._group = ask.group
            self._console.rule(f"[bold]{ask.group}[/bold]")
        if ask.error:
            self._console.print(f"[red]{escape(ask.error)}[/red]")
        # Wrapped by rich at word boundaries to the terminal's width.
        self._console.print(f"[bold]{question.name}[/bold]: {escape(question.help)}")
        if ask.note and not ask.error:
            self._console.print(Padding(f"[yellow]{escape(ask.note)}[/yellow]", (0, 0, 0, 2)))
        if question.type == "bool":
            return Confirm.ask(
                "  yes?", default=bool(ask.default), console=self._console, stream=self._stream
            )
        if question.multiselect:
            return self._select(ask)
        if ask.choices:
            for number, choice in enumerate(ask.choices, start=1):
                value = str(choice.value)
                shown = "" if value == choice.label else f" [dim]({escape(value)})[/dim]"
                self._console.print(f"  {number}. {escape(choice.label)}{shown}")
            default_number = next(
                (str(i) for i, c in enumerate(ask.choices, start=1) if c.value == ask.default), "1"
            )
            picked = Prompt.ask(
                "  choice",
                choices=[str(i) for i in range(1, len(ask.choices) + 1)],
                default=default_number,
                console=self._console,
                stream=self._stream,
            )
            return ask.choices[int(picked) - 1].value
        if ask.default is None:
            return Prompt.ask("  value", console=self._console, stream=self._stream)
        return Prompt.ask(
            "  value", default=str(ask.default), console=self._console, stream=self._stream
        )

    def _select(self, ask: Ask) -> object:
        """Ask for any number of the offered choices, by number, comma-separated."""
        for number, choice in enumerate(ask.choices, start=1):
            self._console.print(f"  {number}. {escape(choice.label)}")
        default_value: object = ask.default
        chosen = cast("list[object]", default_value) if isinstance(default_value, list) else []
        default = ",".join(
            str(number)
            for number, choice in enumerate(ask.choices, start=1)
            if choice.value in chosen
        )
        typed = Prompt.ask(
            "  numbers, comma-separated (empty for none)",
            default=default,
            show_default=bool(default),
            console=self._console,
            stream=self._stream,
        )
        picked: list[object] = []
        for word in (part.strip() for part in typed.split(",")):
            if not word:
                continue
            if not word.isdigit() or not 1 <= int(word) <= len(ask.choices):
                return [word]  # not offered: the wizard's validator names it and asks again
            picked.append(ask.choices[int(word) - 1].value)
        return picked


def confirm_summary(
    console: Console, answers: Mapping[str, object], dest: str, stream: TextIO | None = None
) -> bool:
    """Show every answer in a table and ask whether to write the project."""
    table = Table(title="your answers", header_style="bold")
    table.add_column("question")
    table.add_column("answer")
    for name, value in answers.items():
        if isinstance(value, list):
            value = ", ".join(map(str, cast("list[object]", value))) or "(none)"
        table.add_row(name, str(value))
    console.print(table)
    return Confirm.ask(
        f"Create the project in {escape(dest)}?", default=True, console=console, stream=stream
    )
