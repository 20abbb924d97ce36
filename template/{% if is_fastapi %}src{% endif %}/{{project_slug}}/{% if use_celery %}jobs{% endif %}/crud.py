"""Reads and writes of jobs, for the API and for the tasks that run them."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Item
from ..ownership import ItemOwner, owned_by
from .models import ERROR_MAX_LENGTH, FINISHED, Job, JobStatus


async def create_job(session: AsyncSession, *, item_id: int) -> Job:
    """Insert and return a pending job on item `item_id`."""
    job = Job(item_id=item_id, status=JobStatus.PENDING, attempts=0)
    session.add(job)
    await session.commit()
    return job


async def get_job(session: AsyncSession, *, job_id: uuid.UUID, owner: ItemOwner) -> Job | None:
    """Return job `job_id` when `owner` may see its item, else None."""
    return await session.scalar(
        select(Job).join(Item, Job.item_id == Item.id).where(Job.id == job_id, owned_by(owner))
    )


async def start_job(session: AsyncSession, *, job_id: uuid.UUID, attempt: int) -> Job | None:
    """Mark job `job_id` running on its `attempt`-th try; return it, or None when it is gone."""
    job = await session.get(Job, job_id)
    if job is None:
        return None
    job.status = JobStatus.RUNNING
    job.attempts = attempt
    await session.commit()
    return job


async def finish_job(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> Job | None:
    """Mark job `job_id` succeeded with `result`, or failed with `error`; return it."""
    job = await session.get(Job, job_id)
    if job is None:
        return None
    job.status = JobStatus.FAILED if error is not None else JobStatus.SUCCEEDED
    job.result = result
    job.error = error[:ERROR_MAX_LENGTH] if error is not None else None
    await session.commit()
    return job


async def purge_finished_jobs(session: AsyncSession, *, older_than_days: int) -> int:
    """Delete the finished jobs last updated more than `older_than_days` ago; return how many."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    deleted = await session.scalars(
        delete(Job).where(Job.status.in_(FINISHED), Job.updated_at < cutoff).returning(Job.id)
    )
    count = len(deleted.all())
    await session.commit()
    return count
