"""The settings of the task queue (task_queue=celery): the worker, its limits, the purge."""

from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from config.env_base import OptionalInt

from ..brokers import check_broker_url


class CeleryEnv(BaseSettings):
    """Celery's broker and limits (config/celery.py), the jobs' retention and the worker's
    metrics.
    """

    # Celery (config/celery.py). No broker: tasks run eagerly, in the process that enqueues them.
    # Checked at start: a scheme this project has the client of (brokers.py).
    CELERY_BROKER_URL: str = ""
    # Where task results are kept; empty = nowhere (jobs keep their state in the database).
    CELERY_RESULT_BACKEND: str = ""
    # Seconds: the soft limit raises in the task so it can clean up; the hard one kills it.
    CELERY_TASK_TIME_LIMIT: int = Field(default=300, ge=2)
    CELERY_TASK_SOFT_TIME_LIMIT: int = Field(default=270, ge=1)
    # Worker processes; empty = one per CPU.
    CELERY_WORKER_CONCURRENCY: OptionalInt = Field(default=None, ge=1)
    # Finished jobs older than this are deleted by the daily purge (beat).
    JOB_RETENTION_DAYS: int = Field(default=7, ge=1)
    # The port the worker's metrics are served on (observability: jobs/metrics.py).
    WORKER_METRICS_PORT: int = Field(default=9808, ge=1, le=65535)

    @field_validator("CELERY_BROKER_URL")
    @classmethod
    def _check_broker_url(cls, value: str) -> str:
        return check_broker_url(value)

    @model_validator(mode="after")
    def _soft_limit_before_hard(self) -> Self:
        if self.CELERY_TASK_SOFT_TIME_LIMIT >= self.CELERY_TASK_TIME_LIMIT:
            msg = (
                f"CELERY_TASK_SOFT_TIME_LIMIT ({self.CELERY_TASK_SOFT_TIME_LIMIT}) must be below "
                f"CELERY_TASK_TIME_LIMIT ({self.CELERY_TASK_TIME_LIMIT}), so a task can clean up"
            )
            raise ValueError(msg)
        return self
