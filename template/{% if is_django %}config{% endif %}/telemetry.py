"""What the telemetry options' settings share: the release that error reports and spans
carry, and the share type their sampling rates take. Each option's settings are a class of
the package, beside its code (core/sentry_settings.py, core/tracing_settings.py,
core/metrics_settings.py), and become Django settings of the same names.
"""

from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings

# A share of requests, tasks or traces, from 0.0 (none) to 1.0 (all).
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ReleaseEnv(BaseSettings):
    """The release, which error reports and spans carry (both extend this)."""

    # The release: Sentry's events and the spans' service.version (the image tag); empty =
    # the package version.
    APP_VERSION: str = ""
