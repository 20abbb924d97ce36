"""Turn features on and off in an existing project: Copier's update with changed answers.

`stackcraft add cache=redis` and `stackcraft remove cache` change answers, not the template
version: Copier's update runs from the project's own revision (its `_commit`) with the new
answers, so the three-way merge sees only what the answers change. The new answers are
checked first against copier.yml at that same revision (`Template.complete`), so whatever
`copier copy` would refuse is refused here too, before anything runs.

Everything else is `stackcraft update`'s machinery (stackcraft.update): the clean-tree
requirement, the preview, the scratch copy, conflicts, and files the change removes but
the user edited, which are kept and listed rather than dropped.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from stackcraft.errors import (
    InvalidAnswerError,
    NoOffValueError,
    NotApplicableError,
    NotApplicableToProjectError,
    NotKeyValueError,
    UnknownQuestionError,
)
from stackcraft.render import parse_data
from stackcraft.template import Question, Template
from stackcraft.update import (
    UpdatePlan,
    UpdateResult,
    apply_answers,
    check_revision,
    open_project,
    recorded_commit,
    template_at,
    template_source,
)
from stackcraft.validators.lock import lock_problem

__all__ = ["AnswerChange", "ToggleResult", "change_answers", "off_value"]

# The answers that mean "this feature is off", in the order they are looked for.
_OFF_CHOICES = ("none", "off")


@dataclass(frozen=True)
class AnswerChange:
    """One answer before and after; None where the question is not asked."""

    key: str
    before: object
    after: object


@dataclass(frozen=True)
class ToggleResult:
    """The answers that change and what Copier's update did (or would do) with them."""

    changes: tuple[AnswerChange, ...]
    update: UpdateResult
    lock_problem: str = ""

    @property
    def empty(self) -> bool:
        """True when the project already has every answer asked for."""
        return not self.changes

    @property
    def failed(self) -> bool:
        """True when conflicts are left, or the template's `uv lock` task left a stale lock."""
        return bool(self.update.applied and self.update.conflicts) or bool(self.lock_problem)


def off_value(question: Question) -> object:
    """Return the answer that turns `question` off: `none` or `off` if offered, False for a
    yes/no question, and no option chosen (`[]`) for a multiselect.

    Raises:
        NoOffValueError: when the question offers neither and is not yes/no (`framework`).
    """
    if question.multiselect:
        return []
    for word in _OFF_CHOICES:
        if word in question.values:
            return word
    if question.type == "bool":
        return False
    raise NoOffValueError(key=question.name, choices=question.values)


def change_answers(
    project: Path,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    dry_run: bool = False,
) -> ToggleResult:
    """Set the `add` answers (`KEY=VALUE`) and turn the `remove` questions off in `project`.

    Answers the new ones rule out are dropped; questions they newly ask take their
    defaults. With `dry_run` nothing in `project` changes.

    Raises:
        UnknownQuestionError: a key the template does not ask.
        InvalidAnswerError: a value copier.yml refuses, or an `add` word without '='.
        NoOffValueError: `remove` of a question no answer turns off.
        NotApplicableToProjectError: an answer the project's other answers rule out.
        UserError: the project cannot be updated as it is (see `stackcraft.update`).
        CheckFailedError: when Copier fails; the project is then unchanged.
    """
    project, answers = open_project(project)
    source = template_source(project, answers, None)
    ref = recorded_commit(answers)
    check_revision(source, ref, recorded=True)
    recorded = {key: value for key, value in answers.items() if not key.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="stackcraft-toggle-") as tmp:
        template = Template.load(template_at(source, ref, Path(tmp) / "template"))
        wanted = _additions(add, template, recorded)
        wanted.update(_removals(remove, template, {**recorded, **wanted}))
        after = _merged(template, recorded, wanted)
        order = template.names
    keys = [key for key in order if key in recorded or key in after]
    changes = tuple(
        AnswerChange(key=key, before=recorded.get(key), after=after.get(key))
        for key in keys
        if recorded.get(key) != after.get(key)
    )
    if not changes:
        plan = UpdatePlan(
            template=source, from_ref=ref, to_ref=ref, added=(), removed=(), modified=()
        )
        nothing = UpdateResult(plan=plan, applied=False, changed=(), conflicts=(), dry_run=dry_run)
        return ToggleResult(changes=(), update=nothing)
    result = apply_answers(project, answers, source, vcs_ref=ref, after=after, dry_run=dry_run)
    # Offline, the template's `uv lock` task fails quietly and keeps the old lock, which
    # `uv sync --locked` (Dockerfile, CI) then refuses: say so here, not at build time.
    stale = lock_problem(project) if result.applied else ""
    return ToggleResult(changes=changes, update=result, lock_problem=stale)


def _additions(
    pairs: Sequence[str], template: Template, recorded: Mapping[str, object]
) -> dict[str, object]:
    """The answers `add` sets; a multiselect's options join those the project has."""
    for pair in pairs:
        if "=" not in pair:
            raise NotKeyValueError(pair=pair)
    wanted = parse_data(list(pairs), template)
    for key, value in wanted.items():
        question = template.question(key)
        if question.multiselect and isinstance(value, list):
            chosen = {*_selection(recorded.get(key)), *cast("list[object]", value)}
            wanted[key] = [option for option in question.values if option in chosen] + [
                item for item in cast("list[object]", value) if item not in question.values
            ]
    return wanted


def _removals(
    keys: Sequence[str], template: Template, current: Mapping[str, object]
) -> dict[str, object]:
    """The answers `remove` sets: each question off, or one option out of a multiselect."""
    off: dict[str, object] = {}
    for word in keys:
        key, sep, option = word.partition("=")
        if key not in template.names:
            raise UnknownQuestionError(key=key, known=template.names)
        question = template.question(key)
        if sep and not question.multiselect:
            raise InvalidAnswerError(
                key=key,
                reason=f"remove takes question names, not '{word}': use `stackcraft add {word}`",
            )
        if sep:
            chosen = [item for item in _selection(current.get(key)) if item != option]
            if option not in question.values:
                offered = ", ".join(str(value) for value in question.values)
                raise InvalidAnswerError(
                    key=key, reason=f"{key} '{option}' is not offered: choose any of {offered}"
                )
            off[key] = chosen
        else:
            off[key] = off_value(question)
    return off


def _selection(value: object) -> list[object]:
    return list(cast("list[object]", value)) if isinstance(value, list | tuple) else []


def _merged(
    template: Template, recorded: Mapping[str, object], wanted: Mapping[str, object]
) -> dict[str, object]:
    """Return the complete answers copier would record for `wanted` over `recorded`.

    A recorded answer the wanted ones rule out (`container_registry` once `ci` is none)
    is dropped, as Copier drops it; a wanted one that is ruled out is refused.
    """
    kept = {k: v for k, v in recorded.items() if k not in wanted and k in template.names}
    while True:
        try:
            return template.complete({**kept, **wanted})
        except NotApplicableError as error:
            if error.key not in kept:
                raise NotApplicableToProjectError(
                    key=error.key, value=wanted.get(error.key), when=error.when
                ) from error
            del kept[error.key]
