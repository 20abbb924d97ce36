"""The settings of the task queue (task_queue=celery): the worker, its limits, the purge."""

from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_settings import BaseSettings

from ..brokers import check_broker_url
from ..core.settings_base import OptionalInt


class CelerySettings(BaseSettings):
    """Celery's broker and limits (the worker's configuration), the jobs' retention and the
    worker's metrics.
    """

    # Celery. No broker: tasks run eagerly, in the process that enqueues them.
    # Checked at start: a scheme this project has the client of (brokers.py).
    CELERY_BROKER_URL: Annotated[str, AfterValidator(check_broker_url)] = ""
    # Where task results are kept; empty = nowhere (jobs keep their state in the database).
    CELERY_RESULT_BACKEND: str = ""
    # Seconds: the soft limit raises in the task so it can clean up; the hard one kills it.
    CELERY_TASK_TIME_LIMIT: int = Field(default=300, ge=2)
    CELERY_TASK_SOFT_TIME_LIMIT: int = Field(default=270, ge=1)
    # Worker processes; empty = one per CPU.
    CELERY_WORKER_CONCURRENCY: OptionalInt = Field(default=None, ge=1)
    # Finished jobs older than this are deleted by the daily purge (beat).
    JOB_RETENTION_DAYS: int = Field(default=7, ge=1)
    # The port the worker's metrics are served on (observability).
    WORKER_METRICS_PORT: int = Field(default=9808, ge=1, le=65535)

    @model_validator(mode="after")
    def _soft_limit_before_hard(self) -> Self:
        if self.CELERY_TASK_SOFT_TIME_LIMIT >= self.CELERY_TASK_TIME_LIMIT:
            msg = (
                f"CELERY_TASK_SOFT_TIME_LIMIT ({self.CELERY_TASK_SOFT_TIME_LIMIT}) must be below "
                f"CELERY_TASK_TIME_LIMIT ({self.CELERY_TASK_TIME_LIMIT}), so a task can clean up"
            )
            raise ValueError(msg)
        return self
