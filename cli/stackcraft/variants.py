"""Answer sets to render: strategies over copier.yml's variant space, presets, and ids.

Every strategy reads the space from copier.yml itself through `VariantSpace` (questions
in order, `when`s and validators as copier evaluates them), which counts, samples and
searches it without listing it: `full` lists every valid answer set while the space is
small, `pairwise` covers every feasible pair of factor values, `sample` draws answer sets
uniformly, `presets` are the named systems of SPEC section 9. Nothing here lists the
variant space by hand.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import cast

from stackcraft.errors import SpaceTooLargeError, UnknownPresetError, UserError
from stackcraft.space import FactorValue, VariantSpace, factor_values
from stackcraft.template import Question, Template

__all__ = [
    "CONTAINER_FACTORS",
    "FULL_LIMIT",
    "PRESETS",
    "SMOKE_FACTORS",
    "Preset",
    "PresetCatalogue",
    "Strategy",
    "Variant",
    "candidate_pairs",
    "enumerate_full",
    "enumerate_pairwise",
    "enumerate_presets",
    "enumerate_sample",
    "feasible_pairs",
    "pairs_of",
    "preset_catalogue",
    "preset_needs",
    "preset_problem",
    "resolve_preset",
    "space_size",
    "variant_id",
    "variants_for",
]


class Strategy(StrEnum):
    """How answer sets are chosen: every valid one, a pairwise cover, a sample, the presets."""

    FULL = "full"
    PAIRWISE = "pairwise"
    SAMPLE = "sample"
    PRESETS = "presets"


STRATEGIES = tuple(strategy.value for strategy in Strategy)

# The questions the smoke tier covers pairwise (SPEC section 6): what changes the services
# a variant boots and probes.
SMOKE_FACTORS = (
    "framework",
    "database",
    "cache",
    "task_queue",
    "broker",
    "object_storage",
    "observability",
)

# The questions the container tier covers pairwise: the smoke tier's, and those that change
# what the image holds (its Python, the spatial system libraries, the SSE server's packages).
CONTAINER_FACTORS = (*SMOKE_FACTORS, "python_version", "spatial", "realtime")

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
                deploy_targets=["kubernetes"],
                load_tests="locust",
            ),
            _preset(
                "django-compose",
                "Django, PostgreSQL, Redis cache, Prometheus + Grafana, compose, CI, dependabot",
                framework="django",
                database="postgresql",
                cache="redis",
                observability="metrics",
                ci="github",
                dependabot=True,
            ),
            _preset(
                "django-aws",
                "Django, Celery + RabbitMQ, Redis, Sentry, AWS ECS via Terraform, RDS + replica",
                framework="django",
                database="postgresql",
                read_replica=True,
                task_queue="celery",
                broker="rabbitmq",
                cache="redis",
                error_tracking="sentry",
                deploy_targets=["aws-ecs"],
            ),
            _preset(
                "django-platform",
                "Django, Celery + Redis, SSE, S3, PostGIS, Kubernetes Helm with Gateway API, k6",
                framework="django",
                database="postgresql",
                spatial=True,
                task_queue="celery",
                broker="redis",
                cache="redis",
                realtime="sse",
                object_storage="s3",
                deploy_targets=["kubernetes"],
                load_tests="k6",
            ),
            _preset(
                "overengineered",
                "Django, docs behind Google OAuth, S3 + Cloudflare, full observability, "
                "Azure Container Apps + VM + Swarm, canary, flags",
                framework="django",
                api_docs="google_oauth",
                object_storage="s3",
                cdn="cloudflare",
                observability="full",
                deploy_targets=["azure-container-apps", "vm", "swarm"],
                canary=True,
                feature_flags="openfeature",
                ci="github",
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
        wanted = cast("list[object]", value) if question.multiselect else [value]
        needs.extend(
            f"{key}={item}" for item in wanted if question.choices and item not in question.values
        )
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


FULL_LIMIT = 2_000
"""The most answer sets `--strategy full` renders; a larger space asks for pairwise or a sample."""


def enumerate_full(template: Template, *, limit: int = FULL_LIMIT) -> list[Variant]:
    """Return every answer set of choice questions that copier.yml accepts, in order.

    Raises:
        SpaceTooLargeError: the space holds more than `limit` answer sets (its size is
            counted, not listed).
    """
    space = VariantSpace(template)
    size = space.size()
    if size > limit:
        raise SpaceTooLargeError(size=size, limit=limit)
    return _variants(template, space.answer_sets())


def enumerate_sample(template: Template, *, count: int, seed: int) -> list[Variant]:
    """Return `count` distinct answer sets drawn uniformly (all of them if fewer exist).

    Raises:
        UserError: for a count below 1.
    """
    if count < 1:
        raise UserError(f"--count {count} is not a number of variants: give 1 or more")
    return _variants(template, VariantSpace(template).sample(count, seed=seed))


def space_size(template: Template) -> int:
    """Return how many valid answer sets `template` has (counted, not listed)."""
    return VariantSpace(template).size()


def _variants(template: Template, answer_sets: Iterable[dict[str, object]]) -> list[Variant]:
    return [Variant(id=variant_id(template, answers), data=answers) for answers in answer_sets]


# Words a variant id shortens, so ids stay readable as the space grows.
_SHORT = MappingProxyType(
    {
        "postgresql": "pg",
        "kubernetes": "k8s",
        "aws-ecs": "ecs",
        "gcp-cloud-run": "cloudrun",
        "azure-container-apps": "aca",
    }
)


def variant_id(template: Template, data: Mapping[str, object]) -> str:
    """Return a short id saying what `data` changes from the defaults: 'django-sqlite-no-cache'.

    Questions are read in copier.yml order; an answer equal to its question's default
    (given the answers before it) says nothing, and the defaults themselves are
    'defaults'. The id names each change unambiguously, so distinct answer sets get
    distinct ids: `python_version` 3.12 is 'py312', a yes/no is its name or 'no-' its
    name, 'none' is 'no-' plus the question, a value offered by two questions is
    prefixed by its question, and a multiselect names each chosen option.
    """
    shared = _values_offered_twice(template)
    parts: list[str] = []
    answers: dict[str, object] = {}
    for question in template.questions:
        if not template.is_asked(question, answers):
            continue
        default = template.default_for(question, answers)
        value = data.get(question.name, default)
        answers[question.name] = value
        if question.name not in data or _same(value, default):
            continue
        parts.extend(_id_parts(question, value, shared))
    return "-".join(parts) or "defaults"


def _same(value: object, default: object) -> bool:
    if isinstance(value, list | tuple) and isinstance(default, list | tuple):
        return list(cast("list[object]", value)) == list(cast("list[object]", default))
    return value == default


def _id_parts(question: Question, value: object, shared: frozenset[str]) -> list[str]:
    name = question.name.replace("_", "-")
    if question.name == "python_version":
        return ["py" + str(value).replace(".", "")]
    if question.type == "bool":
        return [name if value else f"no-{name}"]
    if question.multiselect:
        chosen = [str(item) for item in cast("list[object]", value)]
        return [_SHORT.get(item, item) for item in chosen] or [f"no-{name}"]
    word = str(value).replace("_", "-")
    if word in {"none", "off"}:
        return [f"no-{name}"]
    if question.name == "api_docs":
        return [f"docs-{word}"]
    short = _SHORT.get(word, word)
    return [f"{name}-{short}" if word in shared else short]


def _values_offered_twice(template: Template) -> frozenset[str]:
    offers: dict[str, int] = {}
    for question in template.questions:
        for value in {str(v) for v in question.values}:
            offers[value] = offers.get(value, 0) + 1
    return frozenset(value for value, times in offers.items() if times > 1)


def enumerate_presets(template: Template) -> list[Variant]:
    """Return the presets this template can build, as variants named after them."""
    return [
        Variant(id=preset.name, data=dict(preset.answers))
        for preset in PRESETS.values()
        if not preset_problem(preset, template)
    ]


def pairs_of(template: Template, data: Mapping[str, object]) -> set[Pair]:
    """Return every pair of factor values in one answer set, in a canonical order.

    A factor is a question with choices, or one option of a multiselect (on or off).
    """
    items = sorted(factor_values(template, data), key=_pair_key)
    return {(a, b) for i, a in enumerate(items) for b in items[i + 1 :]}


def candidate_pairs(template: Template) -> set[Pair]:
    """Return every pair of values of two different factors, feasible or not."""
    factors = VariantSpace(template).factors
    pairs: set[Pair] = set()
    for i, first in enumerate(factors):
        for second in factors[i + 1 :]:
            for a in first.values:
                for b in second.values:
                    pairs.add(_pair((first.name, a), (second.name, b)))
    return pairs


def feasible_pairs(template: Template) -> set[Pair]:
    """Return the candidate pairs some valid answer set holds, each found by a search."""
    space = VariantSpace(template)
    return {pair for pair in candidate_pairs(template) if space.find(dict(pair)) is not None}


def enumerate_pairwise(
    template: Template,
    *,
    seed: int = 0,
    restarts: int = 3,
    factors: Collection[str] | None = None,
) -> list[Variant]:
    """Return a small set of valid variants in which every feasible pair of values appears.

    Greedy, in the spirit of AETG, without listing the space: each new row forces one
    uncovered pair and, question by question, takes the value that covers the most
    uncovered pairs with the values already chosen, as long as a valid completion still
    holds the forced pair (the search of `VariantSpace.find`). A pair no valid answer
    set holds (`ci=none` with `dependabot=false`: a question not asked then) is dropped
    when its search fails. `restarts` seeded runs break ties differently; the smallest
    cover wins. With `factors` (question names), only pairs of those questions must be
    covered; the other questions take whatever values the seeded search gives them.

    Raises:
        UserError: when `factors` names a question the template does not ask.
    """
    space = VariantSpace(template)
    wanted = _pairs_within(template, factors)
    best: list[dict[str, object]] | None = None
    for attempt in range(max(1, restarts)):
        # Seeded for reproducible variant sets, not for security.
        rng = random.Random(seed * 1_000 + attempt)  # noqa: S311
        rows = _greedy_cover(template, space, rng, wanted)
        if best is None or len(rows) < len(best):
            best = rows
    return _variants(template, best or [])


def _pairs_within(template: Template, factors: Collection[str] | None) -> set[Pair]:
    """Return the candidate pairs whose two questions are both among `factors` (all if None)."""
    pairs = candidate_pairs(template)
    if factors is None:
        return pairs
    unknown = sorted(set(factors) - set(template.names))
    if unknown:
        raise UserError(
            f"--factors '{unknown[0]}' is not a question of this template: choose among "
            + ", ".join(q.name for q in template.questions if q.choices or q.type == "bool")
        )
    return {pair for pair in pairs if all(name.split("[")[0] in factors for name, _ in pair)}


def _greedy_cover(
    template: Template, space: VariantSpace, rng: random.Random, wanted: set[Pair]
) -> list[dict[str, object]]:
    uncovered = _Uncovered(wanted)

    def gain(held: frozenset[FactorValue], question: Question, value: object) -> float:
        return uncovered.gain(factor_values(template, {question.name: value}), held) + rng.random()

    rows: list[dict[str, object]] = []
    while uncovered:
        # Build a few rows, each forcing a different uncovered pair; keep the one that
        # covers most (AETG's candidate rows). A pair no row can hold is dropped.
        best: dict[str, object] | None = None
        best_covered: set[Pair] = set()
        for target in uncovered.some(rng, _CANDIDATES):
            row = space.greedy_row(dict(target), gain)
            if row is None:
                uncovered.discard(target)
                continue
            covered = uncovered.within(pairs_of(template, row))
            if len(covered) > len(best_covered):
                best, best_covered = row, covered
        if best is not None:
            rows.append(best)
            for pair in best_covered:
                uncovered.discard(pair)
    return rows


class _Uncovered:
    """The pairs not covered yet, indexed by each of their two factor values."""

    def __init__(self, pairs: set[Pair]) -> None:
        self._pairs = set(pairs)
        self._partners: dict[FactorValue, set[FactorValue]] = {}
        for a, b in pairs:
            self._partners.setdefault(a, set()).add(b)
            self._partners.setdefault(b, set()).add(a)

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def some(self, rng: random.Random, count: int) -> list[Pair]:
        ordered = sorted(self._pairs, key=repr)
        return rng.sample(ordered, min(count, len(ordered)))

    def discard(self, pair: Pair) -> None:
        a, b = pair
        self._pairs.discard(pair)
        self._partners.get(a, set()).discard(b)
        self._partners.get(b, set()).discard(a)

    def within(self, pairs: set[Pair]) -> set[Pair]:
        return pairs & self._pairs

    def gain(self, new: frozenset[FactorValue], held: frozenset[FactorValue]) -> int:
        """How many uncovered pairs `new` makes with `held` and among its own values."""
        total = 0
        for value in new:
            partners = self._partners.get(value)
            if partners:
                total += len(partners & held) + len(partners & new) / 2
        return int(total)


_CANDIDATES = 4  # candidate rows per step: more gives a smaller cover, slower


def _pair(a: tuple[str, object], b: tuple[str, object]) -> Pair:
    return (a, b) if _pair_key(a) <= _pair_key(b) else (b, a)


def _pair_key(item: tuple[str, object]) -> tuple[str, str]:
    return (item[0], repr(item[1]))


def variants_for(
    strategy: str | Strategy,
    template: Template,
    *,
    count: int = 500,
    seed: int = 1,
    factors: Collection[str] | None = None,
) -> list[Variant]:
    """Return the variants of `strategy`; `count` and `seed` steer `sample` (and pairwise ties).

    `factors` restricts pairwise to pairs of those questions (the smoke tier's set is
    SMOKE_FACTORS, SPEC section 6; the container tier's, CONTAINER_FACTORS).

    Raises:
        UserError: for an unknown strategy, or a sample count below 1.
        SpaceTooLargeError: `full` on a space too large to list.
    """
    if strategy == Strategy.FULL:
        return enumerate_full(template)
    if strategy == Strategy.PAIRWISE:
        return enumerate_pairwise(template, factors=factors)
    if strategy == Strategy.SAMPLE:
        return enumerate_sample(template, count=count, seed=seed)
    if strategy == Strategy.PRESETS:
        return enumerate_presets(template)
    raise UserError(f"unknown strategy '{strategy}': choose one of {', '.join(STRATEGIES)}")


def as_data_flags(variant: Variant) -> str:
    """Return the variant as `stackcraft new` flags: '-d auth=none -d deploy_targets=vm,swarm'."""
    return " ".join(f"-d {key}={_flag_value(value)}" for key, value in variant.data.items())


def _flag_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in cast("list[object]", value))
    return str(value)
