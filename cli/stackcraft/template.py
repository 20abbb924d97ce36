"""The template as data: copier.yml's questions, and the Jinja that decides them.

`Template.load` reads copier.yml once into frozen `Question`s. `when` conditions, defaults
and validators are evaluated with the template's own filters (extensions/context.py,
loaded by path exactly as copier loads it), so stackcraft never keeps a second,
hand-written copy of the rules.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import yaml
from jinja2 import Template as JinjaTemplate
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from stackcraft.errors import NotABooleanError, NotApplicableError, UserError

__all__ = ["Choice", "Question", "Template", "default_template_root", "parse_selection"]

_FALSE_WORDS = frozenset({"", "0", "false", "n", "no", "off", "none"})
# What a yes/no question accepts from the command line (`-d dependabot=no`).
_YES_ANSWERS = frozenset({"true", "yes", "1"})
_NO_ANSWERS = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class Choice:
    """One offered value of a question, with the label the wizard shows."""

    label: str
    value: object


@dataclass(frozen=True)
class Question:
    """One copier.yml question; `default`, `when` and `validator` are raw (maybe Jinja)."""

    name: str
    type: str
    help: str
    choices: tuple[Choice, ...]
    default: object
    when: object
    validator: str
    multiselect: bool = False

    @cached_property
    def values(self) -> tuple[object, ...]:
        """The offered values, first (the default) first; empty for free-text questions.

        For a multiselect question these are the options an answer (a list) picks from.
        """
        return tuple(choice.value for choice in self.choices)


def default_template_root() -> Path:
    """Return the template this CLI renders: $STACKCRAFT_TEMPLATE, else its own checkout.

    Raises:
        UserError: when neither holds a copier.yml.
    """
    configured = os.environ.get("STACKCRAFT_TEMPLATE")
    root = Path(configured) if configured else Path(__file__).resolve().parents[2]
    if not (root / "copier.yml").is_file():
        raise UserError(
            f"no copier.yml in '{root}': set STACKCRAFT_TEMPLATE to the stackcraft checkout"
        )
    return root


@dataclass(frozen=True)
class Template:
    """A copier template on disk and its questions, in the order copier asks them."""

    root: Path
    questions: tuple[Question, ...]
    settings: Mapping[str, object]

    @classmethod
    def load(cls, root: Path | None = None) -> Template:
        """Read `root`/copier.yml (default: `default_template_root()`)."""
        root = (root or default_template_root()).resolve()
        raw = cast("dict[str, Any]", yaml.safe_load((root / "copier.yml").read_text()))
        settings = {key: value for key, value in raw.items() if key.startswith("_")}
        questions = tuple(
            _question(name, spec) for name, spec in raw.items() if not name.startswith("_")
        )
        return cls(root=root, questions=questions, settings=settings)

    def question(self, name: str) -> Question:
        """Return the question called `name`; KeyError when the template has none."""
        for question in self.questions:
            if question.name == name:
                return question
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Every question's name, in copier.yml order."""
        return tuple(question.name for question in self.questions)

    def is_asked(self, question: Question, answers: Mapping[str, object]) -> bool:
        """Return whether copier asks `question` given the earlier `answers`."""
        return _truthy(self._render(question.when, answers))

    def default_for(self, question: Question, answers: Mapping[str, object]) -> object:
        """Return the default of `question`, rendered against the earlier `answers`.

        A multiselect question's default is a list (copier renders a Jinja default and
        reads it as YAML, so `"[vm]"` and `[vm]` mean the same).
        """
        default: object = question.default
        if isinstance(default, str):
            rendered = self._render(default, answers)
            if question.type == "bool":
                return _truthy(rendered)
            if not question.multiselect:
                return rendered
            default = cast("object", yaml.safe_load(rendered)) if rendered.strip() else []
        if question.multiselect:
            items = cast("list[object]", default) if isinstance(default, list | tuple) else []
            return list(items)
        return default

    def parse_answer(self, question: Question, text: str) -> object:
        """Return the typed value of `text` typed as an answer to `question`.

        Raises:
            NotABooleanError: a yes/no question answered with neither.
        """
        if question.type == "bool":
            word = text.strip().lower()
            if word in _YES_ANSWERS or word in _NO_ANSWERS:
                return word in _YES_ANSWERS
            raise NotABooleanError(key=question.name, value=text)
        if question.multiselect:
            return parse_selection(text)
        return text

    def problem(self, question: Question, answers: Mapping[str, object]) -> str:
        """Return why `answers[question.name]` is refused, or "" when it is accepted."""
        value = answers[question.name]
        if question.type == "bool" and not isinstance(value, bool):
            return str(NotABooleanError(key=question.name, value=str(value)))
        if question.multiselect:
            if reason := _selection_problem(question, value):
                return reason
        elif question.choices and value not in question.values:
            offered = ", ".join(str(choice) for choice in question.values)
            return f"{question.name} '{value}' is not offered: choose one of {offered}"
        if not question.validator:
            return ""
        return self._render(question.validator, answers).strip()

    def complete(self, given: Mapping[str, object]) -> dict[str, object]:
        """Return the answers copier would record for `given` plus defaults.

        Questions whose `when` is false are left out, as copier leaves them out; an answer
        given to one of them is refused rather than dropped.

        Raises:
            NotApplicableError: `given` answers a question the other answers rule out.
            UserError: when a given or default answer is refused (its message says why).
        """
        answers: dict[str, object] = {}
        for question in self.questions:
            if not self.is_asked(question, answers):
                if question.name in given:
                    raise self.not_applicable(question, given[question.name], answers)
                continue
            value = given.get(question.name, self.default_for(question, answers))
            if question.multiselect and isinstance(value, tuple):
                value = list(cast("tuple[object, ...]", value))
            answers[question.name] = value
            if reason := self.problem(question, answers):
                raise UserError(reason)
        return answers

    def not_applicable(
        self, question: Question, value: object, answers: Mapping[str, object]
    ) -> NotApplicableError:
        """Return the error for `value` given to `question`, which `answers` rule out."""
        when = question.when
        if not isinstance(when, str):
            return NotApplicableError(
                key=question.name, value=value, when="never", because="this template never asks"
            )
        condition = when.strip().removeprefix("{{").removesuffix("}}").strip()
        context = self._context(answers)
        names = sorted(meta.find_undeclared_variables(self._jinja.parse(when)))
        because = ", ".join(f"{name} is '{context.get(name, '')}'" for name in names)
        return NotApplicableError(
            key=question.name, value=value, when=condition, because=because or "it is false"
        )

    def context_for(self, answers: Mapping[str, object]) -> dict[str, Any]:
        """Return what copier's Jinja sees after `answers`: them plus the derived values."""
        return self._context(answers)

    def names_read(self, question: Question) -> frozenset[str]:
        """Return the names `question`'s `when`, default and validator read."""
        names: set[str] = set()
        for source in (question.when, question.default, question.validator):
            if isinstance(source, str) and ("{{" in source or "{%" in source):
                names |= meta.find_undeclared_variables(self._jinja.parse(source))
        return frozenset(names)

    @cached_property
    def extensions(self) -> ModuleType:
        """The template's extensions/context.py, loaded by path as copier loads it."""
        path = self.root / "extensions" / "context.py"
        spec = importlib.util.spec_from_file_location("stackcraft_template_context", path)
        if spec is None or spec.loader is None:
            raise UserError(f"cannot load '{path}': the template's extensions are missing")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    @cached_property
    def _jinja(self) -> SandboxedEnvironment:
        env = SandboxedEnvironment()
        self.extensions.StackcraftFilters(env)
        return env

    def _render(self, source: object, answers: Mapping[str, object]) -> str:
        if not isinstance(source, str):
            return str(source)
        return self._compiled(source).render(self._context(answers))

    def _context(self, answers: Mapping[str, object]) -> dict[str, Any]:
        return {**answers, **self.extensions.derive_context(dict(answers))}

    def _compiled(self, source: str) -> JinjaTemplate:
        # Enumerating variants renders the same few `when`s and validators many times.
        compiled = self._cache.get(source)
        if compiled is None:
            compiled = self._cache[source] = self._jinja.from_string(source)
        return compiled

    @cached_property
    def _cache(self) -> dict[str, JinjaTemplate]:
        return {}


def _question(name: str, spec: object) -> Question:
    if not isinstance(spec, dict):
        # copier's short form `name: default`
        return Question(
            name=name, type="str", help="", choices=(), default=spec, when=True, validator=""
        )
    data = cast("dict[str, Any]", spec)
    raw_choices = data.get("choices", ())
    if isinstance(raw_choices, dict):
        pairs = cast("dict[str, object]", raw_choices)
        choices = tuple(Choice(label=str(label), value=value) for label, value in pairs.items())
    else:
        items = cast("list[object]", raw_choices)
        choices = tuple(Choice(label=str(value), value=value) for value in items)
    return Question(
        name=name,
        type=str(data.get("type", "str")),
        help=str(data.get("help", "")).strip(),
        choices=choices,
        default=data.get("default", choices[0].value if choices else ""),
        when=data.get("when", True),
        validator=str(data.get("validator", "")),
        multiselect=bool(data.get("multiselect", False)),
    )


def parse_selection(text: str) -> list[object]:
    """Return a multiselect answer typed on the command line as a list of values.

    `vm,swarm` and the YAML list form `[vm, swarm]` are the same answer; an empty text
    (or `[]`) chooses nothing.
    """
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            loaded = yaml.safe_load(stripped)
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, list):
            return list(cast("list[object]", loaded))
    return [item.strip() for item in stripped.split(",") if item.strip()]


def _selection_problem(question: Question, value: object) -> str:
    offered = ", ".join(str(choice) for choice in question.values)
    if not isinstance(value, list | tuple):
        return f"{question.name} '{value}' is not a list: choose any of {offered}"
    items = cast("list[object] | tuple[object, ...]", value)
    for item in items:
        if item not in question.values:
            return f"{question.name} '{item}' is not offered: choose any of {offered}"
    repeated = sorted({str(item) for item in items if items.count(item) > 1})
    if repeated:
        return f"{question.name} names '{repeated[0]}' twice: name each choice once"
    return ""


def _truthy(rendered: str) -> bool:
    return rendered.strip().lower() not in _FALSE_WORDS
