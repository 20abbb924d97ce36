"""Request and response bodies of items."""

from typing import Any

from rest_framework import serializers

from ..core.serializers import StrictSerializer
from .models import Item


class ItemSerializer(StrictSerializer, serializers.ModelSerializer[Item]):
    """An item as the API shows it: every column, its owner's id (when auth is jwt) too;
    POST and PATCH send `title` and `description`.
    """

    # The stubs declare Meta's attributes as ClassVars of a class no serializer inherits.
    class Meta:  # pyright: ignore[reportIncompatibleVariableOverride]
        model = Item
        # A relation shows as its id (owner_id), read only: the owner is the request's user.
        fields = tuple(field.attname for field in Item._meta.concrete_fields)
        read_only_fields = ("id", "created_at", "updated_at")


# The largest offset: a PostgreSQL integer, far past any page a client reads, and well
# inside the 64-bit OFFSET the databases take.
MAX_OFFSET = 2**31 - 1


class PageQuerySerializer(serializers.Serializer[Any]):
    """The paging parameters of a list: a 400 names a value out of bounds, before any query."""

    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


class ItemPageSerializer(StrictSerializer):
    """One page of items, newest first; `has_more` says whether another page follows."""

    items = ItemSerializer(many=True)
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    has_more = serializers.BooleanField()
