"""The `Answers` model mirrors copier.yml (STYLE rule 5)."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from stackcraft.answers import Answers, read_answers
from stackcraft.errors import UserError
from stackcraft.template import Question, Template


def _literal_values(annotation: object) -> set[object]:
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    values: set[object] = set()
    for arg in typing.get_args(annotation):
        values |= _literal_values(arg)
    return values


def _field_values(name: str) -> set[object]:
    return _literal_values(Answers.model_fields[name].annotation)


def test_answers_model_has_a_field_for_every_question_and_no_other() -> None:
    questions = set(Template.load().names)
    fields = {name for name in Answers.model_fields if name not in {"commit", "src_path"}}
    assert fields == questions


@pytest.mark.parametrize(
    "question", [q for q in Template.load().questions if q.choices], ids=lambda q: q.name
)
def test_answers_model_offers_exactly_the_choices_of_copier_yml(question: Question) -> None:
    assert _field_values(question.name) == set(question.values)


def test_read_answers_refuses_a_value_the_template_does_not_offer(tmp_path: Path) -> None:
    answers = Template.load().complete({})
    text = "".join(f"{key}: {value!r}\n" for key, value in answers.items())
    (tmp_path / ".copier-answers.yml").write_text(text.replace("fastapi", "flask"))
    with pytest.raises(UserError, match="framework"):
        read_answers(tmp_path)


def test_read_answers_reads_a_complete_file(tmp_path: Path) -> None:
    answers = Template.load().complete({"ci": "none"})
    text = "_src_path: x\n" + "".join(f"{key}: {value!r}\n" for key, value in answers.items())
    (tmp_path / ".copier-answers.yml").write_text(text.replace("'", '"'))
    assert read_answers(tmp_path).ci == "none"
