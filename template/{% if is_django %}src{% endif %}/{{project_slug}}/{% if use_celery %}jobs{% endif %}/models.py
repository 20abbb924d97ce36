"""The jobs table: one row per enqueued task run on an item, with its state and result.

Fields carry their types (set, get) for pyright, which has no Django plugin to infer them.
"""

import uuid
from datetime import datetime
from typing import Any, override

from django.db import models
from django.utils import timezone

from ..items.models import Item, RequestUser, items_of

# Longest error text kept: the start of a message says what failed.
ERROR_MAX_LENGTH = 2000


class JobStatus(models.TextChoices):
    """Where a job is: pending (enqueued), running, then succeeded or failed."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Job(models.Model):
    """A run of the example task on an item; its owner is the item's."""

    id: models.UUIDField[uuid.UUID, uuid.UUID] = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False
    )
    item: models.ForeignKey[Item, Item] = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="jobs"
    )
    item_id: int
    status: models.CharField[str, str] = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    attempts: models.PositiveIntegerField[int, int] = models.PositiveIntegerField(default=0)
    result: models.JSONField[dict[str, Any] | None, dict[str, Any] | None] = models.JSONField(
        null=True, blank=True
    )
    error: models.CharField[str | None, str | None] = models.CharField(
        max_length=ERROR_MAX_LENGTH, null=True, blank=True
    )
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        default=timezone.now
    )
    # The daily purge deletes finished jobs by age: it reads this index.
    updated_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        auto_now=True, db_index=True
    )

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="jobs_status_known"
            ),
        )

    @override
    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"


def jobs_of(user: RequestUser) -> models.QuerySet[Job]:
    """Return the jobs `user` may see: those of the items they may use."""
    return Job.objects.filter(item__in=items_of(user))
