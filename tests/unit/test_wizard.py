"""The wizard's decisions: what it asks, what it offers, and re-asking refused answers."""

from __future__ import annotations

from stackcraft.template import Template
from stackcraft.wizard import GROUPS, Ask, group_of, run_wizard


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
