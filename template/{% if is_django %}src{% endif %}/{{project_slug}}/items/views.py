"""The example resource: create, list (paginated), read, update and delete items.

Every view reads and writes through `items_of` and `owner_fields` (models.py), so scoping
lives in one place. The handlers are async: each query is one handoff to the request's
thread (Django's async ORM), the rest runs on the event loop.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ..core.api import AsyncAPIView
from ..core.database import reads_may_lag
from .models import Item, items_of, owner_fields
from .serializers import ItemPageSerializer, ItemSerializer, PageQuerySerializer

NOT_FOUND = OpenApiResponse(description="No such item (or not yours)")


async def _get_item(request: Request, item_id: int) -> Item:
    item = await items_of(request.user).filter(pk=item_id).afirst()
    if item is None:
        raise NotFound("Item not found")
    return item


class ItemListView(AsyncAPIView):
    """The collection: create an item, list them a page at a time."""

    @extend_schema(request=ItemSerializer, responses={201: ItemSerializer}, tags=["items"])
    async def post(self, request: Request) -> Response:
        """Create an item."""
        data = ItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = data.validated_data
        item = await Item.objects.acreate(**fields, **owner_fields(request.user))
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="items_list",
        parameters=[PageQuerySerializer],
        responses=ItemPageSerializer,
        tags=["items"],
    )
    async def get(self, request: Request) -> Response:
        """List items, newest first, one page at a time.

        One query: it asks for one row more than `limit`; getting it means another page follows.
        """
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit: int = query.validated_data["limit"]
        offset: int = query.validated_data["offset"]
        page = items_of(request.user).order_by("-id")[offset : offset + limit + 1]
        with reads_may_lag():
            rows = [item async for item in page]
        return Response(
            {
                "items": ItemSerializer(rows[:limit], many=True).data,
                "limit": limit,
                "offset": offset,
                "has_more": len(rows) > limit,
            }
        )


class ItemDetailView(AsyncAPIView):
    """One item: read, change or delete it."""

    @extend_schema(responses={200: ItemSerializer, 404: NOT_FOUND}, tags=["items"])
    async def get(self, request: Request, item_id: int) -> Response:
        """Return one item."""
        return Response(ItemSerializer(await _get_item(request, item_id)).data)

    @extend_schema(
        request=ItemSerializer, responses={200: ItemSerializer, 404: NOT_FOUND}, tags=["items"]
    )
    async def patch(self, request: Request, item_id: int) -> Response:
        """Change the fields sent; the others keep their values."""
        item = await _get_item(request, item_id)
        data = ItemSerializer(item, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes: dict[str, Any] = data.validated_data
        for name, value in changes.items():
            setattr(item, name, value)
        await item.asave()
        return Response(ItemSerializer(item).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND}, tags=["items"])
    async def delete(self, request: Request, item_id: int) -> Response:
        """Delete an item."""
        deleted, _ = await items_of(request.user).filter(pk=item_id).adelete()
        if not deleted:
            raise NotFound("Item not found")
        return Response(status=status.HTTP_204_NO_CONTENT)
