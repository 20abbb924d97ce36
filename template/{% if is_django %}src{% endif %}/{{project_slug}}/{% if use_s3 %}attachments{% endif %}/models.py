"""The attachments table: one row per file attached to an item.

Fields carry their types (set, get) for pyright, which has no Django plugin to infer them.
"""

import uuid
from datetime import datetime
from typing import override

from django.db import models
from django.utils import timezone

from ..items.models import Item


class Attachment(models.Model):
    """A file attached to an item; its owner is the item's, its bytes are in storage at `key`."""

    id: models.UUIDField[uuid.UUID, uuid.UUID] = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False
    )
    # The item's attachments: `item.attachments`.
    item: models.ForeignKey[Item, Item] = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="attachments"
    )
    key: models.CharField[str, str] = models.CharField(max_length=1024, unique=True)
    filename: models.CharField[str, str] = models.CharField(max_length=255)
    content_type: models.CharField[str, str] = models.CharField(max_length=255)
    size: models.BigIntegerField[int, int] = models.BigIntegerField()
    public: models.BooleanField[bool, bool] = models.BooleanField(default=False)
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        default=timezone.now
    )

    @override
    def __str__(self) -> str:
        return self.filename
