"""Request and response bodies: what the API accepts and returns."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from .ownership import ItemOwnerFields

# Text without NUL characters: PostgreSQL cannot store them, so a request carrying one is
# refused (422) before it reaches the database. Every text field of a request uses it.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
Title = Annotated[Text, Field(min_length=1, max_length=200)]
Description = Annotated[Text, Field(max_length=2000)]


class Input(BaseModel):
    """Base of request bodies: an unknown field is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    """The liveness answer: the process serves requests."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """The readiness answer: each dependency's state, "ok" or why it is down."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str]


class ItemCreate(Input):
    """A new item."""

    title: Title
    description: Description | None = None


class ItemUpdate(Input):
    """Changes to an item: only the fields sent are changed."""

    # null is refused below (leave the field out instead), so the schema does not offer it.
    title: Title | SkipJsonSchema[None] = None
    description: Description | None = None

    @model_validator(mode="after")
    def _title_not_null(self) -> Self:
        if "title" in self.model_fields_set and self.title is None:
            msg = "title cannot be null; leave it out to keep the current one"
            raise ValueError(msg)
        return self


class ItemPublic(ItemOwnerFields):
    """An item as the API shows it, with its owner's fields first (ownership.py)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    """One page of items, newest first; `has_more` says whether another page follows."""

    items: list[ItemPublic]
    limit: int
    offset: int
    has_more: bool
