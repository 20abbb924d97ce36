"""GET /items/nearby: the caller's items within a distance of a point, nearest first."""

import math
from typing import Any, cast, override

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Polygon
from django.contrib.gis.measure import D
from drf_spectacular.utils import OpenApiParameter, extend_schema  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ..core.api import AsyncAPIView
from ..core.serializers import StrictSerializer
from ..items.models import Item, RequestUser, items_of
from ..items.serializers import ItemSerializer
from .fields import SRID, Point

# Metres per degree of latitude (and of longitude at the equator), for bounding boxes.
METRES_PER_DEGREE = 111_320.0
MAX_RADIUS_M = 100_000


class NearbyQuerySerializer(serializers.Serializer[Any]):
    """The point, the radius in metres and how many items at most: 400 names a value out of
    range, before any query."""

    longitude = serializers.FloatField(min_value=-180, max_value=180)
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    radius_m = serializers.FloatField(
        min_value=0, max_value=MAX_RADIUS_M, help_text="Metres, above 0."
    )
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)

    @override
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("longitude", "latitude", "radius_m"):
            if not math.isfinite(attrs[name]):
                raise serializers.ValidationError({name: ["A finite number is required."]})
        if attrs["radius_m"] <= 0:
            raise serializers.ValidationError({"radius_m": ["Ensure this value is above 0."]})
        return attrs


class NearbyItemSerializer(ItemSerializer):
    """An item, with its distance from the point asked about."""

    distance_m = serializers.FloatField(read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = (*ItemSerializer.Meta.fields, "distance_m")


class NearbyPageSerializer(StrictSerializer):
    """The items within `radius_m` of the point, nearest first, at most `limit` of them."""

    items = NearbyItemSerializer(many=True)
    radius_m = serializers.FloatField()
    limit = serializers.IntegerField()


def bounding_box(
    longitude: float, latitude: float, radius_m: float
) -> tuple[float, float, float, float] | None:
    """Return a box (west, south, east, north) holding the circle, or None across a pole
    or the antimeridian, where a box in degrees would not."""
    delta_latitude = radius_m / METRES_PER_DEGREE * 1.01
    south, north = latitude - delta_latitude, latitude + delta_latitude
    if south <= -90 or north >= 90:
        return None
    shrink = min(math.cos(math.radians(edge)) for edge in (south, north))
    delta_longitude = delta_latitude / shrink
    west, east = longitude - delta_longitude, longitude + delta_longitude
    if west <= -180 or east >= 180:
        return None
    return west, south, east, north


async def nearby_items(
    user: RequestUser, *, longitude: float, latitude: float, radius_m: float, limit: int
) -> list[tuple[Item, float]]:
    """Return `user`'s items within `radius_m` metres of the point, nearest first.

    The bounding box lets the spatial index narrow the search; the distance is then measured
    on the sphere (PostGIS) or the ellipsoid (SpatiaLite).
    """
    center = Point(longitude, latitude, srid=SRID)
    query = items_of(user).filter(
        location__isnull=False, location__distance_lte=(center, D(m=radius_m))
    )
    if (box := bounding_box(longitude, latitude, radius_m)) is not None:
        envelope = Polygon.from_bbox(box)
        envelope.srid = SRID
        query = query.filter(location__bboverlaps=envelope)
    nearest = query.annotate(distance=Distance("location", center)).order_by("distance", "id")
    # `distance` is the annotation's: a Distance measure, in metres as `.m`.
    return [(item, float(cast("Any", item).distance.m)) async for item in nearest[:limit]]


# The radius as the schema states it: above 0 (OpenAPI 3.0's exclusive minimum), which a
# serializer's FloatField cannot say and NearbyQuerySerializer.validate requires.
RADIUS_PARAMETER = OpenApiParameter(
    "radius_m",
    {
        "type": "number",
        "format": "double",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": MAX_RADIUS_M,
    },
    OpenApiParameter.QUERY,
    required=True,
    description="Metres, above 0.",
)


class NearbyView(AsyncAPIView):
    """Items near a point."""

    @extend_schema(
        operation_id="items_nearby",
        parameters=[NearbyQuerySerializer, RADIUS_PARAMETER],
        responses=NearbyPageSerializer,
        tags=["items"],
    )
    async def get(self, request: Request) -> Response:
        """List your items within `radius_m` metres of a point, nearest first."""
        query = NearbyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values: dict[str, Any] = query.validated_data
        found = await nearby_items(
            request.user,
            longitude=values["longitude"],
            latitude=values["latitude"],
            radius_m=values["radius_m"],
            limit=values["limit"],
        )
        items = [{**ItemSerializer(item).data, "distance_m": distance} for item, distance in found]
        return Response({"items": items, "radius_m": values["radius_m"], "limit": values["limit"]})
