"""A location in the API: a GeoJSON Point, `{"type": "Point", "coordinates": [lon, lat]}`."""

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast, override

from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import Point
from drf_spectacular.utils import extend_schema_field  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import serializers

__all__ = ["SRID", "GeoPointField", "Point", "PointField"]

# WGS 84: longitude and latitude in degrees.
SRID = 4326
LONGITUDE_RANGE = (-180.0, 180.0)
LATITUDE_RANGE = (-90.0, 90.0)
GEOJSON_POINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A GeoJSON Point (WGS 84).",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "description": "[longitude (-180 to 180), latitude (-90 to 90)], in degrees.",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
        },
    },
    "required": ["type", "coordinates"],
}


def in_range(value: object, bounds: tuple[float, float]) -> float | None:
    """Return `value` as a float when it is a finite number within `bounds`, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    low, high = bounds
    return number if math.isfinite(number) and low <= number <= high else None


@extend_schema_field(GEOJSON_POINT_SCHEMA)
class GeoPointField(serializers.Field[Point, Any, Any, Point]):
    """A point as GeoJSON: refused (400) unless it is a Point with a longitude and latitude
    in range."""

    default_error_messages = {  # noqa: RUF012 - the REST framework's own class attribute
        "invalid": 'Expected a GeoJSON Point: "type" "Point" and "coordinates" [lon, lat].',
        "range": "Longitude must be within -180 to 180 and latitude within -90 to 90.",
    }

    @override
    def to_representation(self, value: Point) -> dict[str, Any]:
        return {"type": "Point", "coordinates": [value.x, value.y]}

    @override
    def to_internal_value(self, data: Any) -> Point:
        if not isinstance(data, Mapping) or cast("Mapping[str, Any]", data).get("type") != "Point":
            self.fail("invalid")
        coordinates = cast("Mapping[str, Any]", data).get("coordinates")
        if isinstance(coordinates, str | bytes) or not isinstance(coordinates, Sequence):
            self.fail("invalid")
        pair = cast("Sequence[object]", coordinates)
        if len(pair) != 2:
            self.fail("invalid")
        longitude, latitude = in_range(pair[0], LONGITUDE_RANGE), in_range(pair[1], LATITUDE_RANGE)
        if longitude is None or latitude is None:
            self.fail("range")
        return Point(longitude, latitude, srid=SRID)
