"""The core app: at startup, the warning of a production service on SQLite."""

import logging
from typing import override

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class CoreConfig(AppConfig):
    """Probes, docs, middleware and logging (see the package's modules)."""

    name = __name__.rpartition(".")[0]
    label = "core"

    @override
    def ready(self) -> None:
        # config/env.py refuses SQLite in production unless ALLOW_SQLITE_IN_PRODUCTION.
        engine = settings.DATABASES["default"]["ENGINE"]
        if settings.ENVIRONMENT == "production" and engine.endswith("sqlite3"):
            logger.warning(
                "Production runs on SQLite (ALLOW_SQLITE_IN_PRODUCTION=true): one instance "
                "only, its data in one file that must be backed up"
            )
