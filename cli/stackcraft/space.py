"""The variant space of a template, searched without listing it.

An answer set is built question by question in copier.yml order, as copier asks: a
question whose `when` is false is skipped, free text keeps its default, and a question
with choices (a yes/no, a multiselect) branches over the values its validator accepts
given the answers so far. What a later question can do depends only on the earlier
answers its `when`, default and validator read, so a sub-space is identified by the
values of those answers (its *state*), and counts and dead ends are remembered per
state. (A `when` that reads a derived name, say `use_redis`, makes every earlier answer
part of the state, which is slower: read the answers themselves in copier.yml.)
That makes three things cheap on spaces of millions of answer sets:

- `size()`: the exact number of valid answer sets;
- `sample()`: answer sets drawn uniformly (each valid set equally likely), by choosing
  each value with probability proportional to the number of completions it leaves;
- `find()`: one valid answer set holding given factor values, or None when none exists.

A *factor* is what pairwise coverage pairs up: one per question with choices, and one
boolean per option of a multiselect (`deploy_targets[vm]`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import cast

from stackcraft.template import Question, Template

__all__ = ["Factor", "FactorValue", "VariantSpace", "factor_values"]

FactorValue = tuple[str, object]
"""One factor and its value: `("cache", "none")`, `("deploy_targets[vm]", True)`."""

_SKIPPED = object()  # the "value" of a question copier does not ask


@dataclass(frozen=True)
class Factor:
    """One axis of pairwise coverage: a question, or one option of a multiselect."""

    name: str
    question: str
    option: object | None
    values: tuple[object, ...]


def factor_values(template: Template, data: Mapping[str, object]) -> frozenset[FactorValue]:
    """Return the factor values an answer set holds (free-text answers hold none)."""
    found: set[FactorValue] = set()
    for question in template.questions:
        if question.name not in data or not _varies(question):
            continue
        value = data[question.name]
        if question.multiselect:
            chosen = cast("list[object]", value) if isinstance(value, list | tuple) else []
            for option in question.values:
                found.add((_option_factor(question, option), option in chosen))
        else:
            found.add((question.name, value))
    return frozenset(found)


def _option_factor(question: Question, option: object) -> str:
    return f"{question.name}[{option}]"


def _varies(question: Question) -> bool:
    return question.type == "bool" or bool(question.choices)


class VariantSpace:
    """Every answer set of `template`'s choice questions that copier.yml accepts."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self._questions = template.questions
        self._counts: dict[tuple[object, ...], int] = {}
        self._dead: set[tuple[object, ...]] = set()
        self._offered: dict[tuple[object, ...], list[object]] = {}

    @cached_property
    def factors(self) -> tuple[Factor, ...]:
        """The pairwise factors, in copier.yml order."""
        factors: list[Factor] = []
        for question in self._questions:
            if not _varies(question):
                continue
            if question.multiselect:
                factors.extend(
                    Factor(_option_factor(question, option), question.name, option, (True, False))
                    for option in question.values
                )
            elif question.type == "bool":
                factors.append(Factor(question.name, question.name, None, (True, False)))
            else:
                factors.append(Factor(question.name, question.name, None, question.values))
        return tuple(factors)

    def size(self) -> int:
        """Return how many valid answer sets the space holds."""
        return self._count(0, {})

    def answer_sets(self) -> Iterator[dict[str, object]]:
        """Yield every valid answer set (choice answers only), in copier.yml order."""
        yield from self._walk(0, {})

    def sample(self, count: int, *, seed: int) -> list[dict[str, object]]:
        """Return `count` distinct answer sets drawn uniformly, or every one if fewer exist.

        The same seed gives the same sets in the same order.
        """
        total = self.size()
        rng = random.Random(seed)  # noqa: S311 - reproducible samples, not security
        if count >= total:
            every = list(self.answer_sets())
            rng.shuffle(every)
            return every
        if count * 2 > total:
            return rng.sample(list(self.answer_sets()), count)
        drawn: dict[tuple[object, ...], dict[str, object]] = {}
        while len(drawn) < count:
            answers = self._draw(rng)
            drawn.setdefault(_frozen(answers), answers)
        return list(drawn.values())

    def find(
        self, forced: Mapping[str, object], *, start: Mapping[str, object] | None = None
    ) -> dict[str, object] | None:
        """Return a valid answer set holding every factor value in `forced`, or None.

        `start` fixes answers already chosen (in copier.yml order, a prefix of the
        questions); the search completes them.
        """
        answers = dict(start or {})
        position = self._position(answers)
        found = self._find(position, answers, dict(forced))
        return None if found is None else self._choices_only(found)

    def greedy_row(
        self,
        forced: Mapping[str, object],
        gain: Callable[[frozenset[FactorValue], Question, object], float],
    ) -> dict[str, object] | None:
        """Return a valid answer set holding `forced`, choosing each free value by `gain`.

        At every question the values are tried from the highest gain down, and the first
        one after which some valid completion still holds `forced` is kept; None when no
        valid answer set holds `forced` at all.
        """
        answers: dict[str, object] = {}
        wanted = dict(forced)
        for index, question in enumerate(self._questions):
            candidates = self._candidates(index, answers, wanted)
            held = factor_values(self.template, answers)
            ranked = sorted(candidates, key=lambda value: -gain(held, question, value))
            for value in ranked:
                trial = _with(answers, question, value)
                if self._find(index + 1, trial, _rest(wanted, question)) is not None:
                    answers = trial
                    wanted = _rest(wanted, question)
                    break
            else:
                return None
        return self._choices_only(answers)

    # ------------------------------------------------------------------ the search

    def _candidates(
        self, index: int, answers: Mapping[str, object], forced: Mapping[str, object]
    ) -> list[object]:
        """The values question `index` may take after `answers`, keeping to `forced`."""
        question = self._questions[index]
        own = {name: value for name, value in forced.items() if _of_question(name, question)}
        key = (
            index,
            _frozen(own),
            *(_frozen_value(answers.get(name, _SKIPPED)) for name in self._reads[index]),
        )
        offered = self._offered.get(key)
        if offered is None:
            offered = self._offered[key] = self._accepted_values(question, answers, own)
        return offered

    def _accepted_values(
        self, question: Question, answers: Mapping[str, object], forced: Mapping[str, object]
    ) -> list[object]:
        template = self.template
        if not template.is_asked(question, answers):
            return [] if forced else [_SKIPPED]
        if not _varies(question):
            values: list[object] = [template.default_for(question, answers)]
        elif question.multiselect:
            values = [
                list(chosen)
                for size in range(len(question.values) + 1)
                for chosen in itertools.combinations(question.values, size)
            ]
        elif question.type == "bool":
            values = [True, False]
        else:
            values = list(question.values)
        return [
            value
            for value in values
            if _keeps(question, value, forced)
            and not template.problem(question, {**answers, question.name: value})
        ]

    @cached_property
    def _reads(self) -> tuple[tuple[str, ...], ...]:
        """For each question, the names its own `when`, default and validator read."""
        return tuple(
            self._names_for(self.template.names_read(question) | {question.name})
            for question in self._questions
        )

    @cached_property
    def _reads_from(self) -> tuple[tuple[str, ...], ...]:
        """For each position, the names the questions from there on read."""
        reads: list[tuple[str, ...]] = []
        seen: set[str] = set()
        for question in reversed(self._questions):
            seen |= self.template.names_read(question)
            reads.append(self._names_for(seen))
        reads.reverse()
        reads.append(())
        return tuple(reads)

    def _names_for(self, read: set[str] | frozenset[str]) -> tuple[str, ...]:
        """The answers that decide what reading `read` sees.

        A derived name (`use_redis`) may depend on any answer, including ones answered
        after the point where it is read, so reading one makes every answer count.
        """
        if read <= self._answer_names:
            return tuple(sorted(read))
        return tuple(sorted(self._answer_names))

    @cached_property
    def _answer_names(self) -> frozenset[str]:
        return frozenset(question.name for question in self._questions)

    def _state(self, index: int, answers: Mapping[str, object]) -> tuple[object, ...]:
        names = self._reads_from[index]
        return (index, *(_frozen_value(answers.get(name, _SKIPPED)) for name in names))

    def _count(self, index: int, answers: dict[str, object]) -> int:
        if index == len(self._questions):
            return 1
        state = self._state(index, answers)
        if (known := self._counts.get(state)) is not None:
            return known
        question = self._questions[index]
        total = sum(
            self._count(index + 1, _with(answers, question, value))
            for value in self._candidates(index, answers, {})
        )
        self._counts[state] = total
        return total

    def _walk(self, index: int, answers: dict[str, object]) -> Iterator[dict[str, object]]:
        if index == len(self._questions):
            yield self._choices_only(answers)
            return
        question = self._questions[index]
        for value in self._candidates(index, answers, {}):
            following = _with(answers, question, value)
            if self._count(index + 1, following):
                yield from self._walk(index + 1, following)

    def _draw(self, rng: random.Random) -> dict[str, object]:
        answers: dict[str, object] = {}
        for index, question in enumerate(self._questions):
            options = [
                (value, self._count(index + 1, _with(answers, question, value)))
                for value in self._candidates(index, answers, {})
            ]
            pick = rng.randrange(sum(weight for _, weight in options))
            for value, weight in options:
                if pick < weight:
                    answers = _with(answers, question, value)
                    break
                pick -= weight
        return self._choices_only(answers)

    def _find(
        self, index: int, answers: dict[str, object], forced: dict[str, object]
    ) -> dict[str, object] | None:
        if index == len(self._questions):
            return answers if not forced else None
        key = (self._state(index, answers), _frozen(forced))
        if key in self._dead:
            return None
        question = self._questions[index]
        for value in self._candidates(index, answers, forced):
            found = self._find(index + 1, _with(answers, question, value), _rest(forced, question))
            if found is not None:
                return found
        self._dead.add(key)
        return None

    def _position(self, answers: Mapping[str, object]) -> int:
        position = 0
        for index, question in enumerate(self._questions):
            if question.name in answers:
                position = index + 1
        return position

    def _choices_only(self, answers: Mapping[str, object]) -> dict[str, object]:
        return {
            question.name: answers[question.name]
            for question in self._questions
            if question.name in answers and _varies(question)
        }


def _with(answers: Mapping[str, object], question: Question, value: object) -> dict[str, object]:
    if value is _SKIPPED:
        return dict(answers)
    return {**answers, question.name: value}


def _of_question(factor: str, question: Question) -> bool:
    return factor == question.name or factor.startswith(question.name + "[")


def _keeps(question: Question, value: object, forced: Mapping[str, object]) -> bool:
    """Whether `value` for `question` agrees with every forced factor value of it."""
    for factor, wanted in forced.items():
        if not _of_question(factor, question):
            continue
        if question.multiselect:
            option = factor[len(question.name) + 1 : -1]
            chosen = {str(item) for item in cast("list[object]", value)}
            if (option in chosen) != wanted:
                return False
        elif value != wanted:
            return False
    return True


def _rest(forced: Mapping[str, object], question: Question) -> dict[str, object]:
    return {name: value for name, value in forced.items() if not _of_question(name, question)}


def _frozen_value(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_frozen_value(item) for item in cast("list[object]", value))
    if isinstance(value, dict):
        items = cast("dict[object, object]", value).items()
        return tuple(sorted((str(k), _frozen_value(v)) for k, v in items))
    return value


def _frozen(mapping: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(sorted((name, _frozen_value(value)) for name, value in mapping.items()))
