"""GET /events: the signed-in owner's events as a server-sent event stream."""

import json
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any, override

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from ..core.api import AsyncAPIView
from ..core.errors import error_response
from ..core.serializers import ErrorSerializer
from .hub import Event, Subscription, get_hub, stream_key

logger = logging.getLogger(__name__)

# Seconds a client waits before reconnecting when the event store is unreachable.
RETRY_SECONDS = 5
# A stream entry id, as the `id:` lines of this stream carry them.
EVENT_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")
LAST_EVENT_ID = OpenApiParameter(
    "Last-Event-ID",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    pattern=EVENT_ID.pattern,
    description="The id of the last event received: the stream resumes after it.",
)


class FirstRenderer(BaseContentNegotiation):
    """Errors are answered in JSON, whatever Accept asks for (text/event-stream)."""

    @override
    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type

    @override
    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None


def format_event(event: Event) -> str:
    """Return `event` as a server-sent event: its id, type and JSON data."""
    return f"id: {event.id}\nevent: {event.type}\ndata: {json.dumps(event.data)}\n\n"


async def stream(subscription: Subscription, heartbeat_seconds: float) -> AsyncIterator[str]:
    """Yield the subscription's events, and a comment line when quiet for `heartbeat_seconds`.

    A client that disconnects cancels the iteration (Django's ASGI handler): the
    subscription is closed then, and the request's worker freed.
    """
    try:
        # At once: the client knows the stream is open (and listening) before any event.
        yield ": connected\n\n"
        last_sent = time.monotonic()
        async for event in subscription.events():
            if event is not None:
                yield format_event(event)
                last_sent = time.monotonic()
            elif time.monotonic() - last_sent >= heartbeat_seconds:
                yield ": ping\n\n"
                last_sent = time.monotonic()
    finally:
        await subscription.aclose()


class EventStreamView(AsyncAPIView):
    """The caller's events, as long as the connection stays open."""

    content_negotiation_class = FirstRenderer

    @extend_schema(
        parameters=[LAST_EVENT_ID],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                OpenApiTypes.STR,
                description="Events (item.created) as `id`, `event` and JSON `data` lines, "
                "with a comment line as heartbeat; it does not end by itself.",
            ),
            503: OpenApiResponse(
                ErrorSerializer,
                description="The database or the event store is unavailable: retry after "
                "Retry-After seconds",
            ),
        },
        tags=["events"],
    )
    async def get(self, request: Request) -> StreamingHttpResponse | JsonResponse:
        """Stream the caller's events, resuming after Last-Event-ID when a client reconnects."""
        last_id = request.headers.get("Last-Event-ID") or None
        if last_id is not None and not EVENT_ID.fullmatch(last_id):
            raise ValidationError({"Last-Event-ID": ["Expected a stream id: <ms>-<seq>."]})
        # The owner's id when items have owners (auth=jwt), else None: everyone's stream.
        owner = request.user.pk if request.user.is_authenticated else None
        # Listening before the answer starts: an item created once the client has the
        # headers is in the stream.
        try:
            subscription = await get_hub().subscribe(stream_key(owner), last_id)
        except RedisError as error:
            logger.warning("Event store unavailable: %s: %s", type(error).__name__, error)
            unavailable = error_response(
                status.HTTP_503_SERVICE_UNAVAILABLE, "The event store is unavailable"
            )
            unavailable["Retry-After"] = str(RETRY_SECONDS)
            return unavailable
        response = StreamingHttpResponse(
            stream(subscription, settings.EVENTS_HEARTBEAT_SECONDS),
            content_type="text/event-stream",
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response
