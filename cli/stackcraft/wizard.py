"""The questions `stackcraft new` asks on a terminal, in groups, without impossible choices.

The core decides what to ask (copier.yml's `when`), which choices to offer (those every
validator accepts given the answers so far) and whether an answer is accepted; a caller
supplies the `ask` function that talks to the person (rich prompts in the CLI, a script in
tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stackcraft.template import Choice, Question, Template

__all__ = ["GROUPS", "Ask", "group_of", "run_wizard"]

# How the wizard groups copier.yml's questions; a question not listed falls into "other".
GROUPS: Mapping[str, tuple[str, ...]] = {
    "service": (
        "project_name",
        "project_slug",
        "description",
        "author_name",
        "author_email",
        "python_version",
        "framework",
        "auth",
        "api_docs",
    ),
    "data": ("database", "read_replica", "spatial", "cache", "task_queue", "broker", "realtime"),
    "platform": (
        "object_storage",
        "cdn",
        "observability",
        "error_tracking",
        "deploy_targets",
        "kubernetes_cluster",
        "canary",
        "feature_flags",
    ),
    "delivery": ("ci", "container_registry", "dependabot", "load_tests"),
}


def group_of(name: str) -> str:
    """Return the wizard group of question `name`."""
    return next((group for group, names in GROUPS.items() if name in names), "other")


@dataclass(frozen=True)
class Ask:
    """One question to put to the person: its offered choices, default and last error.

    `default` is None when there is none to offer: a derived default (the slug of a
    one-letter name) that the question's own validator refuses; `note` then says why.
    """

    question: Question
    group: str
    choices: tuple[Choice, ...]
    default: object | None
    error: str = ""
    note: str = ""


def run_wizard(
    template: Template, given: Mapping[str, object], ask: Callable[[Ask], object]
) -> dict[str, object]:
    """Ask every question copier would ask that `given` does not answer; return all answers.

    `ask` returns the person's answer (a value, not a label); a refused answer is asked
    again with the reason in `Ask.error`.

    Raises:
        NotApplicableError: `given` answers a question the answers so far rule out.
    """
    answers: dict[str, object] = {}
    for question in template.questions:
        if not template.is_asked(question, answers):
            if question.name in given:
                raise template.not_applicable(question, given[question.name], answers)
            continue
        if question.name in given:
            answers[question.name] = given[question.name]
            continue
        choices = tuple(
            choice
            for choice in _offered(question)
            if not template.problem(question, {**answers, question.name: _alone(question, choice)})
        )
        default: object | None = template.default_for(question, answers)
        note = ""
        if question.multiselect:
            pass  # any subset of the options may be chosen; the validator judges the whole
        elif choices and default not in {choice.value for choice in choices}:
            default = choices[0].value
        elif not choices:
            refused = template.problem(question, {**answers, question.name: default})
            if refused:
                note = f"no default to offer: {refused}"
                default = None
        error = ""
        while True:
            value = ask(
                Ask(question=question, group=group_of(question.name), choices=choices,
                    default=default, error=error, note=note)
            )  # fmt: skip
            error = template.problem(question, {**answers, question.name: value})
            if not error:
                break
        answers[question.name] = value
    return answers


def _alone(question: Question, choice: Choice) -> object:
    """The answer that picks only `choice`: the value, or a one-item list for a multiselect."""
    return [choice.value] if question.multiselect else choice.value


def _offered(question: Question) -> tuple[Choice, ...]:
    if question.type == "bool":
        return (Choice(label="yes", value=True), Choice(label="no", value=False))
    return question.choices
