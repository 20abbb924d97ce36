"""Answer sets to render: every valid combination of copier.yml's choices, and presets.

Enumeration walks the questions in copier.yml order, branching on every question with
choices (or a bool) that copier would ask given the answers so far, and keeps only the
sets every validator accepts. Nothing here lists the variant space by hand.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from stackcraft.errors import UnknownPresetError, UserError
from stackcraft.template import Question, Template

__all__ = [
    "PRESETS",
    "Preset",
    "PresetCatalogue",
    "Strategy",
    "Variant",
    "enumerate_full",
    "enumerate_pairwise",
    "enumerate_presets",
    "pairs_of",
    "preset_catalogue",
    "preset_needs",
    "preset_problem",
    "resolve_preset",
    "variant_id",
    "variants_for",
]


class Strategy(StrEnum):
    """How answer sets are chosen: every valid one, a pairwise cover, or the presets."""

    FULL = "full"
    PAIRWISE = "pairwise"
    PRESETS = "presets"


STRATEGIES = tuple(strategy.value for strategy in Strategy)

Pair = tuple[tuple[str, object], tuple[str, object]]


@dataclass(frozen=True)
class Variant:
    """One answer set: `data` holds the choice answers passed to copier, `id` names them."""

    id: str
    data: Mapping[str, object] = field(hash=False)


@dataclass(frozen=True)
class Preset:
    """A named answer set of SPEC section 9, which may need questions not offered yet."""

    name: str
    summary: str
    answers: Mapping[str, object] = field(hash=False)


def _preset(name: str, summary: str, **answers: object) -> Preset:
    return Preset(name=name, summary=summary, answers=MappingProxyType(answers))


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            _preset(
                "fastapi-k8s",
                "FastAPI, JWT, PostgreSQL with a read replica, Kubernetes Helm with HPA, locust",
                framework="fastapi",
                auth="jwt",
                database="postgresql",
                read_replica=True,
                deploy_target="kubernetes",
                load_tests="locust",
            ),
            _preset(
                "django-compose",
                "Django, PostgreSQL, Redis cache, Prometheus + Grafana, compose, CI, dependabot",
                framework="django",
                database="postgresql",
                cache="redis",
                observability="metrics",
                deploy_target="compose",
                ci="github",
                dependabot=True,
            ),
            _preset(
                "django-aws",
                "Django, Celery + RabbitMQ, Redis cache, Sentry, AWS ECS via Terraform",
                framework="django",
                task_queue="celery",
                broker="rabbitmq",
                cache="redis",
                error_tracking="sentry",
                deploy_target="aws-ecs",
            ),
            _preset(
                "django-platform",
                "Django, Celery + Redis, SSE, S3, Kubernetes Helm with Gateway API, k6",
                framework="django",
                task_queue="celery",
                broker="redis",
                cache="redis",
                realtime="sse",
                object_storage="s3",
                deploy_target="kubernetes",
                load_tests="k6",
            ),
            _preset(
                "overengineered",
                "Django, docs behind Google OAuth, S3 + CDN, full observability, canary, flags",
                framework="django",
                api_docs="google_oauth",
                object_storage="s3",
                cdn="cloudfront",
                observability="full",
                deploy_target="aws-ecs",
                canary=True,
                feature_flags="openfeature",
                dependabot=True,
                load_tests="k6",
            ),
        )
    }
)


def preset_needs(preset: Preset, template: Template) -> tuple[str, ...]:
    """Return what `preset` waits for: questions `template` lacks, or `key=value` choices."""
    needs: list[str] = []
    for key, value in preset.answers.items():
        if key not in template.names:
            needs.append(key)
            continue
        question = template.question(key)
        if question.choices and value not in question.values:
            needs.append(f"{key}={value}")
    return tuple(needs)


def preset_problem(preset: Preset, template: Template) -> str:
    """Return why `template` cannot build `preset` yet, or "" when it can."""
    needs = preset_needs(preset, template)
    if not needs:
        return ""
    first = needs[0]
    if "=" in first:
        return f"needs {first}, which this template does not offer yet"
    return f"needs the question '{first}', which this template does not ask yet"


@dataclass(frozen=True)
class PresetCatalogue:
    """The presets a template can build, and what the others wait for."""

    buildable: tuple[Preset, ...]
    waiting: tuple[Preset, ...]
    needs: tuple[str, ...]


def preset_catalogue(template: Template) -> PresetCatalogue:
    """Return the presets `template` builds, the others, and (once each) what they need."""
    buildable: list[Preset] = []
    waiting: list[Preset] = []
    needs: dict[str, None] = {}
    for preset in PRESETS.values():
        missing = preset_needs(preset, template)
        (waiting if missing else buildable).append(preset)
        needs.update(dict.fromkeys(missing))
    return PresetCatalogue(buildable=tuple(buildable), waiting=tuple(waiting), needs=tuple(needs))


def resolve_preset(name: str, template: Template) -> Mapping[str, object]:
    """Return the answers of preset `name`.

    Raises:
        UnknownPresetError: when there is no such preset or the template cannot build it.
    """
    available = [p.name for p in PRESETS.values() if not preset_problem(p, template)]
    preset = PRESETS.get(name)
    if preset is None:
        raise UnknownPresetError(name=name, available=available)
    if reason := preset_problem(preset, template):
        raise UnknownPresetError(name=name, available=available, reason=reason)
    return preset.answers


def enumerate_full(template: Template) -> list[Variant]:
    """Return every answer set of choice questions that copier.yml accepts, in order."""
    return [
        Variant(id=variant_id(template, answers), data=answers)
        for answers in _walk(template, template.questions, {})
        if _accepted(template, answers)
    ]


def variant_id(template: Template, data: Mapping[str, object]) -> str:
    """Return a readable id such as 'py313-fastapi-jwt-public-postgresql-redis-github'."""
    parts: list[str] = []
    for question in template.questions:
        if question.name not in data:
            continue
        value = data[question.name]
        if question.name == "python_version":
            parts.append("py" + str(value).replace(".", ""))
        elif question.type == "bool":
            parts.append(question.name if value else f"no-{question.name}")
        elif question.name == "api_docs":
            parts.append(f"docs-{value}")
        elif question.name in {"auth", "cache"} and value == "none":
            parts.append(f"no-{question.name}")
        else:
            parts.append(str(value))
    return "-".join(parts)


def _branches(question: Question) -> tuple[object, ...]:
    if question.type == "bool":
        return (True, False)
    return question.values


def _walk(
    template: Template,
    questions: tuple[Question, ...],
    answers: dict[str, object],
    text_names: frozenset[str] = frozenset(),
) -> Iterator[dict[str, object]]:
    if not questions:
        yield {key: value for key, value in answers.items() if key not in text_names}
        return
    question, rest = questions[0], questions[1:]
    if not template.is_asked(question, answers):
        yield from _walk(template, rest, answers, text_names)
        return
    values = _branches(question)
    if not values:
        # Free text is not varied: its default is kept so later `when`s can read it.
        default = template.default_for(question, answers)
        yield from _walk(
            template, rest, {**answers, question.name: default}, text_names | {question.name}
        )
        return
    for value in values:
        yield from _walk(template, rest, {**answers, question.name: value}, text_names)


def _accepted(template: Template, data: Mapping[str, object]) -> bool:
    try:
        template.complete(data)
    except UserError:
        return False
    return True


def enumerate_presets(template: Template) -> list[Variant]:
    """Return the presets this template can build, as variants named after them."""
    return [
        Variant(id=preset.name, data=dict(preset.answers))
        for preset in PRESETS.values()
        if not preset_problem(preset, template)
    ]


def pairs_of(data: Mapping[str, object]) -> set[Pair]:
    """Return every pair of (question, value) in one answer set, in a canonical order."""
    items = sorted(data.items(), key=lambda item: (item[0], repr(item[1])))
    return {(a, b) for i, a in enumerate(items) for b in items[i + 1 :]}


def enumerate_pairwise(template: Template, *, seed: int = 0, attempts: int = 40) -> list[Variant]:
    """Return a small set of valid variants in which every feasible pair of values appears.

    Greedy, in the spirit of AETG: each new row is built question by question in copier.yml
    order, forcing one uncovered pair and otherwise choosing the value that covers the most
    uncovered pairs with the values already chosen. A pair no valid row can hold (say
    `ci=none` with `dependabot=false`, a question not asked then) is dropped after
    `attempts` tries. Deterministic for a given `seed`.
    """
    rng = random.Random(seed)  # noqa: S311 - tie-breaking, not security
    branching = [q for q in template.questions if _branches(q)]
    uncovered: set[Pair] = set()
    for i, first in enumerate(branching):
        for second in branching[i + 1 :]:
            for a in _branches(first):
                for b in _branches(second):
                    uncovered |= pairs_of({first.name: a, second.name: b})
    rows: list[dict[str, object]] = []
    for target in sorted(uncovered, key=repr):
        if target not in uncovered:
            continue
        row = _row_covering(template, target, uncovered, rng, attempts)
        if row is None:
            uncovered.discard(target)
            continue
        rows.append(row)
        uncovered -= pairs_of(row)
    return [Variant(id=variant_id(template, row), data=row) for row in rows]


def _row_covering(
    template: Template,
    target: Pair,
    uncovered: set[Pair],
    rng: random.Random,
    attempts: int,
) -> dict[str, object] | None:
    forced = dict(target)
    for _ in range(attempts):
        row: dict[str, object] = {}
        answers: dict[str, object] = {}
        for question in template.questions:
            if not template.is_asked(question, answers):
                continue
            values = _branches(question)
            if not values:
                answers[question.name] = template.default_for(question, answers)
                continue
            if question.name in forced:
                value = forced[question.name]
            else:
                value = _best_value(question.name, values, row, uncovered, rng)
            row[question.name] = answers[question.name] = value
        if all(row.get(key, _MISSING) == value for key, value in forced.items()) and _accepted(
            template, row
        ):
            return row
    return None


_MISSING = object()


def _best_value(
    name: str,
    values: Iterable[object],
    row: Mapping[str, object],
    uncovered: set[Pair],
    rng: random.Random,
) -> object:
    def gain(value: object) -> tuple[int, float]:
        new = pairs_of({**row, name: value}) - pairs_of(row)
        return (len(new & uncovered), rng.random())

    return max(values, key=gain)


def variants_for(strategy: str | Strategy, template: Template) -> list[Variant]:
    """Return the variants of `strategy` ("full", "pairwise" or "presets").

    Raises:
        UserError: for an unknown strategy.
    """
    if strategy == "full":
        return enumerate_full(template)
    if strategy == "pairwise":
        return enumerate_pairwise(template)
    if strategy == "presets":
        return enumerate_presets(template)
    raise UserError(f"unknown strategy '{strategy}': choose one of {', '.join(STRATEGIES)}")


def as_data_flags(variant: Variant) -> str:
    """Return the variant as `stackcraft new` flags: '-d auth=none -d dependabot=false'."""
    return " ".join(f"-d {key}={_flag_value(value)}" for key, value in variant.data.items())


def _flag_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
