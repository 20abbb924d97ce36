"""What the telemetry settings share: the release Sentry and traces report, and the share
type their sampling rates take (core/sentry_settings.py, core/tracing_settings.py).
"""

from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings

# A share of requests, tasks or traces, from 0.0 (none) to 1.0 (all).
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ReleaseSettings(BaseSettings):
    """The release, which error tracking and traces both report."""

    # The release: Sentry's events and the spans' service.version (the image tag); empty =
    # the package version.
    APP_VERSION: str = ""
