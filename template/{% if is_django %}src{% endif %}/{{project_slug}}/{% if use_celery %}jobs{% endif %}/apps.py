"""The jobs app: its tables, endpoints and tasks (see the package's docstring)."""

from typing import override

from django.apps import AppConfig
from django.conf import settings


class JobsConfig(AppConfig):
    """Jobs enqueued by the API and run by the Celery worker (config/celery.py)."""

    name = __name__.rpartition(".")[0]
    label = "jobs"

    @override
    def ready(self) -> None:
        # /readyz checks the broker tasks are sent to; without one they run in this process.
        broker: str = settings.CELERY_BROKER_URL
        if broker:
            settings.READINESS_CHECKS.setdefault("broker", "config.celery.ping_broker")
