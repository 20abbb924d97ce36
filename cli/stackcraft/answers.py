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

__all__ = ["Answers", "read_answers"]


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
    cache: Literal["redis", "none"]
    ci: Literal["github", "none"]
    container_registry: Literal["ghcr", "dockerhub"] | None = None
    dependabot: bool | None = None


def read_answers(project: Path) -> Answers:
    """Return the answers recorded in `project`/.copier-answers.yml.

    Raises:
        UserError: when the file is missing or does not match this template's questions.
    """
    path = project / ".copier-answers.yml"
    if not path.is_file():
        raise UserError(f"no .copier-answers.yml in '{project}': is it a stackcraft project?")
    raw = cast("dict[str, Any]", yaml.safe_load(path.read_text()) or {})
    try:
        return Answers.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise UserError(f"'{path}': {key} {first['msg'].lower()}") from error
