"""The wizard: what it asks and offers, re-asking refused answers, and how it reads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from stackcraft.app import app
from stackcraft.errors import NotApplicableError
from stackcraft.prompts import RichAsker
from stackcraft.template import Template
from stackcraft.wizard import GROUPS, Ask, group_of, run_wizard
from tests.conftest import make_template


def test_every_question_belongs_to_a_wizard_group() -> None:
    assert [q.name for q in Template.load().questions if group_of(q.name) == "other"] == []
    assert list(GROUPS) == ["service", "data", "platform", "delivery"]


def test_wizard_skips_given_answers_and_questions_copier_would_not_ask() -> None:
    asked: list[str] = []

    def ask(step: Ask) -> object:
        asked.append(step.question.name)
        return step.default

    answers = run_wizard(Template.load(), {"ci": "none", "project_name": "Orders"}, ask)
    assert "project_name" not in asked
    assert "container_registry" not in asked
    assert "dependabot" not in answers
    assert answers["project_slug"] == "orders"


def test_wizard_asks_again_with_the_reason_when_an_answer_is_refused() -> None:
    errors: list[str] = []
    replies = {"project_slug": iter(["os", "orders_api"])}

    def ask(step: Ask) -> object:
        if step.question.name in replies:
            if step.error:
                errors.append(step.error)
            return next(replies[step.question.name])
        return step.default

    answers = run_wizard(Template.load(), {}, ask)
    assert answers["project_slug"] == "orders_api"
    assert errors == [
        "project_slug 'os' is a Python standard-library module: choose another name, e.g. 'os_svc'"
    ]


def test_wizard_offers_each_choice_with_its_label() -> None:
    offered: dict[str, list[str]] = {}

    def ask(step: Ask) -> object:
        offered[step.question.name] = [choice.label for choice in step.choices]
        return step.default

    run_wizard(Template.load(), {}, ask)
    assert offered["database"] == ["PostgreSQL (asyncpg)", "SQLite (aiosqlite, single instance)"]
    assert offered["dependabot"] == ["yes", "no"]


def _console(width: int = 60) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, color_system=None, highlight=False), out


def _step(name: str, **changes: object) -> Ask:
    question = Template.load().question(name)
    fields: dict[str, object] = {
        "question": question,
        "group": group_of(name),
        "choices": question.choices,
        "default": question.values[0] if question.values else "",
    }
    fields.update(changes)
    return Ask(**fields)  # type: ignore[arg-type]


def test_wizard_help_wraps_at_word_boundaries() -> None:
    console, out = _console(width=40)
    RichAsker(console, stream=io.StringIO("1\n"))(_step("framework"))
    help_words = set(Template.load().question("framework").help.split())
    printed = out.getvalue().splitlines()
    assert all(len(line) <= 40 for line in printed)
    # Every word of the help is printed whole: none is split over two lines.
    words = {word for line in printed for word in line.split()}
    assert help_words <= words | {"framework:"}


def test_wizard_shows_a_choice_once_when_its_label_is_its_value() -> None:
    console, out = _console()
    picked = RichAsker(console, stream=io.StringIO("2\n"))(_step("python_version"))
    assert picked == "3.12"
    lines = [line.strip() for line in out.getvalue().splitlines()]
    assert "1. 3.13" in lines
    assert "2. 3.12" in lines


def test_wizard_shows_the_value_beside_a_label_that_differs() -> None:
    console, out = _console(width=100)
    RichAsker(console, stream=io.StringIO("1\n"))(_step("database"))
    assert "1. PostgreSQL (asyncpg) (postgresql)" in out.getvalue()


def test_wizard_offers_no_default_its_own_validator_refuses() -> None:
    seen: dict[str, Ask] = {}

    def ask(step: Ask) -> object:
        seen.setdefault(step.question.name, step)
        return "x_svc" if step.question.name == "project_slug" else step.default

    answers = run_wizard(Template.load(), {"project_name": "X"}, ask)
    slug = seen["project_slug"]
    assert slug.default is None
    assert slug.note.startswith("no default to offer: project_slug 'x' is not a valid package name")
    assert answers["project_slug"] == "x_svc"


def test_wizard_prompt_without_a_default_says_why_and_takes_the_typed_value() -> None:
    console, out = _console(width=200)
    step = _step("project_slug", default=None, note="no default to offer: too short")
    assert RichAsker(console, stream=io.StringIO("orders\n"))(step) == "orders"
    text = out.getvalue()
    assert "no default to offer: too short" in text
    assert "(x)" not in text


def test_wizard_refuses_a_given_answer_the_wizards_answers_rule_out() -> None:
    def ask(step: Ask) -> object:
        return "none" if step.question.name == "ci" else step.default

    with pytest.raises(NotApplicableError, match="container_registry 'dockerhub' does not apply"):
        run_wizard(Template.load(), {"container_registry": "dockerhub"}, ask)


@pytest.mark.parametrize(
    "command", ["new", "presets", "validate", "smoke", "matrix", "update", "prove", "doctor"]
)
def test_help_shows_no_type_placeholders(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for placeholder in ("<bool>", "<list[str]>", "<str>", "{"):
        assert placeholder not in result.output


def test_help_names_arguments_and_values_by_metavar() -> None:
    result = CliRunner().invoke(app, ["new", "--help"], env={"COLUMNS": "120"})
    assert "Usage: root new [OPTIONS] DEST" in result.output
    assert "KEY=VALUE" in result.output


_TARGETS = """\
targets:
  type: str
  help: Where it runs.
  multiselect: true
  choices: {Virtual machine: vm, Docker Swarm: swarm, Kubernetes: k8s}
  default: [vm]
  validator: "{% if 'swarm' in targets and 'k8s' in targets %}pick one orchestrator{% endif %}"
"""


def _targets_template(root: Path) -> Template:
    return Template.load(make_template(root, {}, _TARGETS))


def test_wizard_asks_a_multiselect_with_every_option_and_its_list_default(
    tmp_path: Path,
) -> None:
    seen: dict[str, Ask] = {}

    def ask(step: Ask) -> object:
        seen[step.question.name] = step
        return step.default

    answers = run_wizard(_targets_template(tmp_path), {}, ask)
    assert [c.value for c in seen["targets"].choices] == ["vm", "swarm", "k8s"]
    assert answers["targets"] == ["vm"]


def test_wizard_reads_multiselect_numbers_and_asks_again_when_refused(tmp_path: Path) -> None:
    template = _targets_template(tmp_path)
    console, out = _console(width=100)
    asker = RichAsker(console, stream=io.StringIO("2,3\n1, 3\n"))
    answers = run_wizard(template, {"project_name": "Demo"}, asker)
    assert answers["targets"] == ["vm", "k8s"]
    text = out.getvalue()
    assert "2. Docker Swarm" in text
    assert "pick one orchestrator" in text


def test_wizard_takes_an_empty_multiselect_answer_as_none_chosen(tmp_path: Path) -> None:
    template = _targets_template(tmp_path)
    console, _ = _console()
    step = Ask(
        question=template.question("targets"),
        group="platform",
        choices=template.question("targets").choices,
        default=[],
    )
    assert RichAsker(console, stream=io.StringIO("\n"))(step) == []
