"""The events app: a new item publishes `item.created` to its owner's stream."""

from typing import override

from django.apps import AppConfig


class EventsConfig(AppConfig):
    """GET /events (views.py), fed by the items' signals (signals.py)."""

    name = __name__.rpartition(".")[0]
    label = "events"

    @override
    def ready(self) -> None:
        from . import signals

        signals.connect()
