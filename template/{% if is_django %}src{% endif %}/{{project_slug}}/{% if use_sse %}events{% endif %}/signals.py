"""What publishes events: a new item, once its transaction has committed."""

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from ..items.models import Item
from .hub import get_hub, item_created, stream_key


def _item_saved(sender: type[Item], instance: Item, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    # The owner's id when items have owners (auth=jwt), else None: everyone's stream.
    owner = getattr(instance, "owner_id", None)
    event_type, data = item_created(instance)
    # After the commit: a subscriber that reacts by reading the item finds it.
    transaction.on_commit(partial(get_hub().publish_sync, stream_key(owner), event_type, data))


def connect() -> None:
    """Publish `item.created` for every item created, through the API or the admin."""
    post_save.connect(_item_saved, sender=Item, dispatch_uid="events.item_created")
