"""What the jobs API returns."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class JobPublic(BaseModel):
    """A job as the API shows it: its state, and its result or error once finished."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    item_id: int
    status: Literal["pending", "running", "succeeded", "failed"]
    attempts: int
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    updated_at: datetime
