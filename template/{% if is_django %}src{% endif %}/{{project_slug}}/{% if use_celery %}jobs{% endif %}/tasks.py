"""The tasks the worker runs: the example job, and the daily purge of finished jobs (beat).

Tasks are synchronous, as Celery runs them, and use Django's ORM as such; in a worker,
Celery's Django fixup gives connections back between tasks.
"""

import logging
import secrets
import uuid
from datetime import timedelta
from typing import Any

from celery import Task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import celery_app

from ..core.database import is_database_unavailable
from ..items.models import Item
from .models import ERROR_MAX_LENGTH, FINISHED, Job, JobStatus
from .signals import job_finished

logger = logging.getLogger(__name__)

# Tries after the first when the database is unavailable, waiting about twice as long
# each time (with jitter, so retries of many tasks spread out), at most BACKOFF_MAX_SECONDS.
MAX_RETRIES = 5
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
_jitter = secrets.SystemRandom()


def backoff_seconds(retries: int) -> float:
    """Return how long to wait before retry number `retries` + 1: full jitter, capped."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**retries)
    return _jitter.uniform(0, ceiling)


def count_words(item: Item) -> dict[str, Any]:
    """Return the example job's result for `item`: the words in its title and description."""
    return {"words": len(f"{item.title} {item.description or ''}".split())}


def start_job(job_id: uuid.UUID, *, attempt: int) -> Job | None:
    """Mark job `job_id` running on its `attempt`-th try; return it, or None when it is gone."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None
    job.status = JobStatus.RUNNING
    job.attempts = attempt
    job.save(update_fields=["status", "attempts", "updated_at"])
    return job


def finish_job(
    job_id: uuid.UUID, *, result: dict[str, Any] | None = None, error: str | None = None
) -> Job | None:
    """Mark job `job_id` succeeded with `result`, or failed with `error`; return it.

    Sends `job_finished` (jobs/signals.py) once the row is saved.
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None
    job.status = JobStatus.FAILED if error is not None else JobStatus.SUCCEEDED
    job.result = result
    job.error = error[:ERROR_MAX_LENGTH] if error is not None else None
    job.save(update_fields=["status", "result", "error", "updated_at"])
    job_finished.send(sender=Job, job=job)
    logger.info("Job %s %s after %d attempt(s)", job.pk, job.status, job.attempts)
    return job


def _run(job_id: uuid.UUID, attempt: int) -> None:
    job = start_job(job_id, attempt=attempt)
    if job is None:  # its item was deleted meanwhile, and the job with it
        return
    item = Item.objects.filter(pk=job.item_id).first()
    finish_job(job_id, result=count_words(item) if item is not None else None)


def _record_failure(job_id: str, error: BaseException) -> None:
    try:
        finish_job(uuid.UUID(job_id), error=f"{type(error).__name__}: {error}")
    except Exception:
        # The database may be what failed (or the id is not a job's): the job then stays
        # as it was, and the message still goes to the dead-letter queue.
        logger.exception("Could not record the failure of job %s", job_id)


@celery_app.task(bind=True, max_retries=MAX_RETRIES)
def process_item(self: Task[[str], None], job_id: str) -> None:
    """Run job `job_id`: count its item's words, and record the result on the job.

    A database outage is retried with backoff; on the last try, or any other error, the
    job is marked failed and the message rejected (RabbitMQ: to the dead-letter queue).
    """
    retries: int = self.request.retries
    try:
        _run(uuid.UUID(job_id), attempt=retries + 1)
    except SoftTimeLimitExceeded as error:
        _record_failure(job_id, error)
        raise Reject(error, requeue=False) from error
    except Exception as error:
        if is_database_unavailable(error) and retries < (self.max_retries or 0):
            logger.warning("Job %s: database unavailable, retrying (%r)", job_id, error)
            raise self.retry(exc=error, countdown=backoff_seconds(retries)) from error
        logger.exception("Job %s failed", job_id)
        _record_failure(job_id, error)
        raise Reject(error, requeue=False) from error


@celery_app.task
def purge_finished_jobs() -> int:
    """Delete finished jobs older than JOB_RETENTION_DAYS; return how many (beat runs it daily)."""
    days: int = settings.JOB_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Job.objects.filter(status__in=FINISHED, updated_at__lt=cutoff).delete()
    logger.info("Purged %d finished jobs older than %d days", deleted, days)
    return deleted


def enqueue_process_item(job_id: uuid.UUID) -> None:
    """Send job `job_id` to the worker, or run it now when no broker is configured.

    Blocking (network, or the task itself when eager): call it with sync_to_async. Raises
    kombu's OperationalError (or OSError) when the broker cannot be reached.
    """
    # A connection of its own to the settings' broker: Celery's pooled ones keep the broker
    # of the first send in the process.
    broker: str = settings.CELERY_BROKER_URL
    with celery_app.connection_for_write(broker or None) as connection:
        try:
            process_item.apply_async(args=(str(job_id),), producer=connection.Producer())
        except connection.connection_errors + connection.channel_errors as error:
            # The transport's own errors that kombu passes through unwrapped (a broker that
            # refuses, drops or times out a send): one error for the caller to answer 503 on.
            raise OperationalError(str(error)) from error
