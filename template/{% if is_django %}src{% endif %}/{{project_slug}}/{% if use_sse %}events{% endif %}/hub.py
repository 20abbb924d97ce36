"""Where events are published and streamed from: Redis (REDIS_URL), or this process."""

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, cast

from django.conf import settings
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError

from ..items.models import Item

logger = logging.getLogger(__name__)

# How long a subscription waits for a live event before it yields None (a tick the stream
# uses for heartbeats, and to notice a closed hub).
POLL_SECONDS = 1.0
# Fail fast when publishing: the item is saved either way, its event is then lost.
PUBLISH_TIMEOUT_SECONDS = 0.5
# How long a new subscription waits for Redis to confirm it before GET /events answers.
SUBSCRIBE_SECONDS = 2.0


@dataclass(frozen=True)
class Event:
    """One event: its stream id, type (`item.created`) and JSON data."""

    id: str
    type: str
    data: dict[str, Any]


def stream_key(owner: object) -> str:
    """Return the Redis key (stream and channel) of `owner`'s events."""
    return f"events:{owner or 'all'}"


def id_order(event_id: str) -> tuple[int, int]:
    """Return a stream id ("<ms>-<seq>") as a sortable pair; (0, 0) for anything else."""
    milliseconds, _, sequence = event_id.partition("-")
    try:
        return int(milliseconds), int(sequence or 0)
    except ValueError:
        return 0, 0


def item_created(item: Item) -> tuple[str, dict[str, Any]]:
    """Return the event type and data of `item`'s creation."""
    return "item.created", {"id": item.pk, "title": item.title}


class Subscription(Protocol):
    """Events on one key, already listening: the replayed ones, then live ones."""

    def events(self) -> AsyncIterator[Event | None]:
        """Yield each event once, in order, and None after each quiet POLL_SECONDS."""
        ...

    async def aclose(self) -> None:
        """Stop listening and release the connection."""
        ...


class EventHub(Protocol):
    """Where events are published and streamed from."""

    def publish_sync(self, key: str, event_type: str, data: dict[str, Any]) -> str | None:
        """Publish an event on `key` from any thread; return its id (None when it failed)."""
        ...

    async def subscribe(self, key: str, last_id: str | None) -> Subscription:
        """Return a subscription to `key`, listening, replaying after `last_id` when set."""
        ...

    async def subscribers(self, key: str) -> int:
        """Return how many subscriptions listen on `key`."""
        ...


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisSubscription:
    """A pub/sub connection of its own, plus the stream's entries after the last id."""

    def __init__(self, client: AsyncRedis, key: str, last_id: str | None) -> None:
        self.client = client
        self.key = key
        self.last_id = last_id
        self.pubsub = client.pubsub()  # pyright: ignore[reportUnknownMemberType]

    async def listen(self) -> None:
        """Subscribe to the key's channel (before any replay: no event falls in between),
        and wait for Redis to confirm it: until then, an event published from another
        connection does not reach this one.

        Raises:
            RedisError: when Redis is unreachable or does not confirm the subscription
                within SUBSCRIBE_SECONDS.
        """
        await self.pubsub.subscribe(self.key)  # pyright: ignore[reportUnknownMemberType]
        received = self.pubsub.get_message(timeout=SUBSCRIBE_SECONDS)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        message = cast("dict[str, Any] | None", await received)
        if message is None or message.get("type") not in {"subscribe", b"subscribe"}:
            raise RedisError(f"Redis did not confirm the subscription to {self.key}")

    async def events(self) -> AsyncIterator[Event | None]:
        """Yield the stream's events after the last id, then live ones, each once.

        Redis lost mid-stream ends it, logged as a warning: the client reconnects, is
        answered 503 with Retry-After until Redis is back, then resumes after its last id.
        """
        sent = (0, 0)
        try:
            if self.last_id:
                entries: list[Any] = (
                    await self.client.xrange(self.key, min=f"({self.last_id}") or []
                )
                for raw_id, fields in entries:
                    values = {_text(name): _text(value) for name, value in fields.items()}
                    event = Event(_text(raw_id), values["type"], json.loads(values["data"]))
                    sent = id_order(event.id)
                    yield event
            while True:
                received = self.pubsub.get_message(  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
                    ignore_subscribe_messages=True, timeout=POLL_SECONDS
                )
                message = cast("dict[str, Any] | None", await received)
                if message is None:
                    yield None
                    continue
                event = Event(**json.loads(message["data"]))
                if id_order(event.id) > sent:
                    sent = id_order(event.id)
                    yield event
        except RedisError as error:
            logger.warning("Events of %s ended: %s: %s", self.key, type(error).__name__, error)

    async def aclose(self) -> None:
        """Unsubscribe and close the connection."""
        try:
            await self.pubsub.aclose()
        finally:
            await self.client.aclose()


class RedisHub:
    """Events in Redis: a bounded stream per key for replay, pub/sub for live delivery."""

    def __init__(self, url: str, *, max_length: int) -> None:
        self.url = url
        self.max_length = max_length

    def publish_sync(self, key: str, event_type: str, data: dict[str, Any]) -> str | None:
        """XADD the event to `key`'s stream, then PUBLISH it with its id; None on failure."""
        client = _publisher(self.url)
        try:
            raw_id = client.xadd(
                key,
                {"type": event_type, "data": json.dumps(data)},
                maxlen=self.max_length,
                approximate=True,
            )
            event_id = _text(raw_id)
            message = json.dumps({"id": event_id, "type": event_type, "data": data})
            client.publish(key, message)  # pyright: ignore[reportUnknownMemberType]
        except Exception as error:  # noqa: BLE001 - the item is saved: its event is lost, logged
            failure = f"{type(error).__name__}: {error}"
            logger.warning("Event %s on %s not published: %s", event_type, key, failure)
            return None
        return event_id

    async def subscribe(self, key: str, last_id: str | None) -> RedisSubscription:
        """Return a subscription on a connection of its own (reads block far longer than the
        shared client's socket timeout)."""
        client = AsyncRedis.from_url(  # pyright: ignore[reportUnknownMemberType]
            self.url, socket_connect_timeout=2, health_check_interval=30
        )
        subscription = RedisSubscription(client, key, last_id)
        try:
            await subscription.listen()
        except BaseException:
            await subscription.aclose()
            raise
        return subscription

    async def subscribers(self, key: str) -> int:
        """Return how many subscriptions listen on `key` (across every process)."""
        client = AsyncRedis.from_url(self.url)  # pyright: ignore[reportUnknownMemberType]
        try:
            counts: list[Any] = await client.pubsub_numsub(key)  # pyright: ignore[reportUnknownMemberType]
        finally:
            await client.aclose()
        return int(counts[0][1]) if counts else 0


@cache
def _publisher(url: str) -> Redis:
    return Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
        url,
        socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
        socket_timeout=PUBLISH_TIMEOUT_SECONDS,
    )


class LocalSubscription:
    """A queue fed on the subscriber's event loop, after the history's backlog."""

    def __init__(self, hub: "LocalHub", key: str, last_id: str | None) -> None:
        self.hub = hub
        self.key = key
        self.last_id = last_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.backlog: list[Event] = []

    async def events(self) -> AsyncIterator[Event | None]:
        """Yield the history after the last id, then live events, each once, in order."""
        sent = id_order(self.last_id) if self.last_id else (0, 0)
        for event in self.backlog:
            if id_order(event.id) > sent:
                sent = id_order(event.id)
                yield event
        while True:
            try:
                event = await asyncio.wait_for(self.queue.get(), POLL_SECONDS)
            except TimeoutError:
                yield None
                continue
            if id_order(event.id) > sent:
                sent = id_order(event.id)
                yield event

    async def aclose(self) -> None:
        """Stop receiving events."""
        self.hub.leave(self)


class LocalHub:
    """Events within one process (no REDIS_URL): a bounded history per key, and queues.

    Publishing is thread-safe (items are saved in request threads); each subscriber's
    queue is fed on its own event loop.
    """

    def __init__(self, *, max_length: int) -> None:
        self.max_length = max_length
        self._lock = threading.Lock()
        self._history: dict[str, deque[Event]] = {}
        self._subscriptions: dict[str, set[LocalSubscription]] = {}
        self._last = (0, 0)

    def _next_id(self) -> str:
        now = (int(time.time() * 1000), 0)
        self._last = now if now > self._last else (self._last[0], self._last[1] + 1)
        return f"{self._last[0]}-{self._last[1]}"

    def publish_sync(self, key: str, event_type: str, data: dict[str, Any]) -> str:
        """Record the event in `key`'s history and hand it to the current subscribers."""
        with self._lock:
            event = Event(id=self._next_id(), type=event_type, data=data)
            self._history.setdefault(key, deque(maxlen=self.max_length)).append(event)
            subscriptions = list(self._subscriptions.get(key, ()))
        for subscription in subscriptions:
            subscription.loop.call_soon_threadsafe(subscription.queue.put_nowait, event)
        return event.id

    async def subscribe(self, key: str, last_id: str | None) -> LocalSubscription:
        """Return a subscription to `key`, with the history after `last_id` to replay."""
        subscription = LocalSubscription(self, key, last_id)
        with self._lock:
            self._subscriptions.setdefault(key, set()).add(subscription)
            if last_id:
                subscription.backlog = list(self._history.get(key, ()))
        return subscription

    def leave(self, subscription: LocalSubscription) -> None:
        """Forget `subscription`."""
        with self._lock:
            self._subscriptions.get(subscription.key, set()).discard(subscription)

    async def subscribers(self, key: str) -> int:
        """Return how many subscriptions listen on `key`."""
        with self._lock:
            return len(self._subscriptions.get(key, ()))


@cache
def _hub(redis_url: str, max_length: int) -> EventHub:
    if redis_url:
        return RedisHub(redis_url, max_length=max_length)
    return LocalHub(max_length=max_length)


def get_hub() -> EventHub:
    """Return this process's hub: Redis when REDIS_URL is set, else the in-process one."""
    return _hub(settings.REDIS_URL or "", settings.EVENTS_STREAM_LENGTH)
