"""The `Answers` model: copier.yml's questions as types, for reading `.copier-answers.yml`.

A unit test proves the names, types and choices here agree with copier.yml, so a question
added there without a field here fails the suite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stackcraft.errors import UserError

__all__ = ["ANSWERS_FILE", "Answers", "read_answers", "recorded_answers"]

ANSWERS_FILE = ".copier-answers.yml"


class Answers(BaseModel):
    """The answers of one generated project; copier's own `_`-keys are kept aside."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    commit: str | None = Field(default=None, alias="_commit")
    src_path: str | None = Field(default=None, alias="_src_path")

    project_name: str
    project_slug: str
    description: str
    author_name: str
    author_email: str
    python_version: Literal["3.13", "3.12"]
    framework: Literal["fastapi", "django"]
    auth: Literal["jwt", "none"]
    api_docs: Literal["public", "basic", "off"]
    database: Literal["postgresql", "sqlite"]
    read_replica: bool | None = None
    spatial: bool | None = None
    cache: Literal["redis", "none"]
    # Questions added after the first release default as copier.yml does, so an answers file
    # written before them still reads (`copier update` then answers them with the default).
    task_queue: Literal["none", "celery"] = "none"
    broker: Literal["redis", "rabbitmq"] | None = None
    realtime: Literal["none", "sse"] | None = None
    object_storage: Literal["none", "s3"] = "none"
    cdn: Literal["none", "cloudfront", "cloudflare"] | None = None
    observability: Literal["metrics", "full", "none"] = "metrics"
    error_tracking: Literal["none", "sentry"] = "none"
    ci: Literal["github", "none"]
    container_registry: Literal["ghcr", "dockerhub"] | None = None
    dependabot: bool | None = None


def recorded_answers(project: Path, *, private: bool = False) -> dict[str, Any]:
    """Return what `project`/.copier-answers.yml records, untyped; {} when there is none.

    Copier's own `_`-keys (`_commit`, `_src_path`) are left out unless `private`. This is
    the one reader of the answers file: render, update, checks and `Answers` use it.

    Raises:
        UserError: when the file is not a YAML mapping.
    """
    path = project / ANSWERS_FILE
    if not path.is_file():
        return {}
    try:
        loaded: object = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise UserError(f"'{path}' is not YAML: {str(error).splitlines()[0]}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UserError(f"'{path}' is not a mapping of answers: restore it from git")
    raw = cast("dict[str, Any]", loaded)
    return {key: value for key, value in raw.items() if private or not key.startswith("_")}


def read_answers(project: Path) -> Answers:
    """Return the answers recorded in `project`/.copier-answers.yml.

    Raises:
        UserError: when the file is missing or does not match this template's questions.
    """
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise UserError(f"no .copier-answers.yml in '{project}': is it a stackcraft project?")
    raw = recorded_answers(project, private=True)
    try:
        return Answers.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise UserError(f"'{path}': {key} {first['msg'].lower()}") from error
