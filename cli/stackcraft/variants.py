"""Answer sets to render: every valid combination of copier.yml's choices, and presets.

Enumeration walks the questions in copier.yml order, branching on every question with
choices (or a bool) that copier would ask given the answers so far, and keeps only the
sets every validator accepts. Nothing here lists the variant space by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from stackcraft.errors import UnknownPresetError, UserError
from stackcraft.template import Question, Template

__all__ = ["PRESETS", "Preset", "Variant", "enumerate_full", "preset_problem", "resolve_preset"]


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


def preset_problem(preset: Preset, template: Template) -> str:
    """Return why `template` cannot build `preset` yet, or "" when it can."""
    for key, value in preset.answers.items():
        if key not in template.names:
            return f"needs the question '{key}', which this template does not ask yet"
        question = template.question(key)
        if question.choices and value not in question.values:
            return f"needs {key}={value}, which this template does not offer yet"
    return ""


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
