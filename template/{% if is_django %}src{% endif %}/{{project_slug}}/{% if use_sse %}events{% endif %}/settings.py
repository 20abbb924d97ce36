"""The settings of server-sent events (realtime=sse), read by hub.py and GET /events."""

from pydantic import Field
from pydantic_settings import BaseSettings


class EventEnv(BaseSettings):
    """How idle streams are kept open, and how many events a reconnecting client can catch up."""

    # Server-sent events (events/): a comment line this often keeps idle streams open.
    EVENTS_HEARTBEAT_SECONDS: float = Field(default=15, gt=0, le=300)
    # Events kept per user for Last-Event-ID resumption (a Redis stream, trimmed to about it).
    EVENTS_STREAM_LENGTH: int = Field(default=1000, ge=1, le=1_000_000)
