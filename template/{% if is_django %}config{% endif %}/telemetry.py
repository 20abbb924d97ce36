"""The settings of each telemetry option: error tracking, the release, /metrics and
OpenTelemetry. `config.env.TelemetryEnv` extends those of the options this project was
generated with, and `config.settings.base` turns each into the Django setting of the same name.
"""

from typing import Annotated, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

# A share of requests, tasks or traces, from 0.0 (none) to 1.0 (all).
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class BaseTelemetryEnv(BaseSettings):
    """What each option's class extends; on its own, a project without telemetry: no settings.

    Every default works without any backend.
    """


class ReleaseEnv(BaseTelemetryEnv):
    """The release, which error reports and spans carry (both extend this)."""

    # The release: Sentry's events and the spans' service.version (the image tag); empty =
    # the package version.
    APP_VERSION: str = ""


class SentryEnv(ReleaseEnv):
    """Error tracking."""

    # Sentry (core/sentry.py): empty DSN = errors are not reported.
    SENTRY_DSN: str = ""
    # Share of requests and tasks traced (0.0-1.0); 0 = errors only.
    SENTRY_TRACES_SAMPLE_RATE: Share = 0.0


class MetricsEnv(BaseTelemetryEnv):
    """/metrics (`config.env.Env` refuses it open in production)."""

    # GET /metrics (core/metrics.py): false turns the endpoint and the counting off.
    METRICS_ENABLED: bool = True
    # The bearer token /metrics asks for; empty = open (refused in production).
    METRICS_TOKEN: SecretStr = SecretStr("")


class TracingEnv(ReleaseEnv):
    """Traces, sent over OTLP/HTTP."""

    # OpenTelemetry (core/tracing.py): where spans go over OTLP/HTTP; empty = no tracing.
    OTEL_EXPORTER_OTLP_ENDPOINT: str = ""
    # The spans' service.name; empty = the package name.
    OTEL_SERVICE_NAME: str = ""
    # Which new traces are sampled; parentbased_* follow the caller's decision.
    OTEL_TRACES_SAMPLER: Literal[
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
    ] = "parentbased_traceidratio"
    # The share of new traces sampled by the *traceidratio samplers, 0.0 to 1.0.
    OTEL_TRACES_SAMPLER_ARG: Share = 1.0
