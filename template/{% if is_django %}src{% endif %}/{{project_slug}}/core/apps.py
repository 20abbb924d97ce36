"""The core app: its system checks, at startup the warning of a production service on
SQLite, and error reports to Sentry when the project has it and SENTRY_DSN is set.
"""

import logging
from importlib import import_module
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
        # Registers the middleware checks (core/checks.py).
        import_module(f"{self.name}.checks")
        # Every process that starts Django reports its errors: API, admin, worker, beat.
        if getattr(settings, "SENTRY_DSN", ""):
            import_module(f"{self.name}.sentry").init_sentry()
        # config/env.py refuses SQLite in production unless ALLOW_SQLITE_IN_PRODUCTION.
        engine = settings.DATABASES["default"]["ENGINE"]
        # SpatiaLite's backend (spatial) is SQLite's too.
        if settings.ENVIRONMENT == "production" and engine.endswith(("sqlite3", "spatialite")):
            logger.warning(
                "Production runs on SQLite (ALLOW_SQLITE_IN_PRODUCTION=true): one instance "
                "only, its data in one file that must be backed up"
            )
