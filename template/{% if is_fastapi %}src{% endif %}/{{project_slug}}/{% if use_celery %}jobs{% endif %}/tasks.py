"""The tasks the worker runs: the example job, and the daily purge of finished jobs (beat).

Tasks are synchronous, as Celery runs them; each runs its database work in an event loop
of its own, on an engine made for that run, so a task never shares a connection with a
loop that has gone.
"""

import asyncio
import logging
import secrets
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from celery import Task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from kombu.exceptions import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import create_engine, is_unavailable
from ..models import Item
from ..worker import PACKAGE, celery_app, current_settings
from . import crud

logger = logging.getLogger(__name__)

# Tries after the first when the database is unavailable, waiting about twice as long
# each time (with jitter, so retries of many tasks spread out), at most BACKOFF_MAX_SECONDS.
MAX_RETRIES = 5
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
_jitter = secrets.SystemRandom()
# Where a job's end is published, in projects with server-sent events (events.py).
JOB_EVENTS = f"{PACKAGE}.events"

type JobPublisher = Callable[..., Awaitable[None]]


def _job_publisher() -> JobPublisher | None:
    """Return events.publish_job_finished where the project has events.py, else None."""
    if find_spec(JOB_EVENTS) is None:
        return None
    publisher: JobPublisher = import_module(JOB_EVENTS).publish_job_finished
    return publisher


# Looked up once, when the worker imports its tasks: the first job's end does not pay for
# importing the events module (and its web framework) while its worker waits.
publish_job_finished = _job_publisher()


def backoff_seconds(retries: int) -> float:
    """Return how long to wait before retry number `retries` + 1: full jitter, capped."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**retries)
    return _jitter.uniform(0, ceiling)


@asynccontextmanager
async def task_session() -> AsyncGenerator[AsyncSession]:
    """Yield a session on an engine of this task run's own, disposed after."""
    engine = create_engine(current_settings())
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()


def count_words(item: Item) -> dict[str, Any]:
    """Return the example job's result for `item`: the words in its title and description."""
    return {"words": len(f"{item.title} {item.description or ''}".split())}


async def _run(job_id: uuid.UUID, attempt: int) -> None:
    async with task_session() as session:
        job = await crud.start_job(session, job_id=job_id, attempt=attempt)
        if job is None:  # its item was deleted meanwhile, and the job with it
            return
        item = await session.get(Item, job.item_id)
        result = count_words(item) if item is not None else None
    await _finish(job_id, result=result)


async def _finish(
    job_id: uuid.UUID, *, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    async with task_session() as session:
        job = await crud.finish_job(session, job_id=job_id, result=result, error=error)
        if job is None:
            return
        if publish_job_finished is not None:
            await publish_job_finished(session, job, settings=current_settings())
    logger.info("Job %s %s after %d attempt(s)", job.id, job.status, job.attempts)


def _record_failure(job_id: str, error: BaseException) -> None:
    try:
        asyncio.run(_finish(uuid.UUID(job_id), error=f"{type(error).__name__}: {error}"))
    except Exception:
        # The database may be what failed (or the id is not a job's): the job then stays
        # as it was, and the message still goes to the dead-letter queue.
        logger.exception("Could not record the failure of job %s", job_id)


@celery_app.task(bind=True, max_retries=MAX_RETRIES)
def process_item(self: Task[[str], None], job_id: str) -> None:
    """Run job `job_id`: mark it running, count its item's words, mark it succeeded.

    A database outage is retried with backoff; on the last try, or any other error, the
    job is marked failed and the message rejected (RabbitMQ: to the dead-letter queue).
    """
    retries: int = self.request.retries
    try:
        asyncio.run(_run(uuid.UUID(job_id), attempt=retries + 1))
    except SoftTimeLimitExceeded as error:
        _record_failure(job_id, error)
        raise Reject(error, requeue=False) from error
    except Exception as error:
        if is_unavailable(error) and retries < (self.max_retries or 0):
            logger.warning("Job %s: database unavailable, retrying (%r)", job_id, error)
            raise self.retry(exc=error, countdown=backoff_seconds(retries)) from error
        logger.exception("Job %s failed", job_id)
        _record_failure(job_id, error)
        raise Reject(error, requeue=False) from error


@celery_app.task
def purge_finished_jobs() -> int:
    """Delete finished jobs older than JOB_RETENTION_DAYS; return how many (beat runs it daily)."""
    days = current_settings().JOB_RETENTION_DAYS

    async def purge() -> int:
        async with task_session() as session:
            return await crud.purge_finished_jobs(session, older_than_days=days)

    deleted = asyncio.run(purge())
    logger.info("Purged %d finished jobs older than %d days", deleted, days)
    return deleted


def enqueue_process_item(job_id: uuid.UUID) -> None:
    """Send job `job_id` to the worker, or run it now when no broker is configured.

    Blocking (network, or the task itself when eager): call it from a thread. Raises
    kombu's OperationalError (or OSError) when the broker cannot be reached.
    """
    # A connection of its own to the settings' broker: Celery's pooled ones keep the broker
    # of the first send in the process, and its own reading prefers the environment's.
    broker = current_settings().CELERY_BROKER_URL
    with celery_app.connection_for_write(broker or None) as connection:
        try:
            process_item.apply_async(args=(str(job_id),), producer=connection.Producer())
        except connection.connection_errors + connection.channel_errors as error:
            # The transport's own errors that kombu passes through unwrapped (a broker that
            # refuses, drops or times out a send): one error for the caller to answer 503 on.
            raise OperationalError(str(error)) from error
