"""The geo app: GeoJSON for every point field the REST framework's model serializers meet."""

from typing import Any, cast, override

from django.apps import AppConfig
from rest_framework import serializers


class GeoConfig(AppConfig):
    """Locations in the API (fields.py) and GET /items/nearby (views.py)."""

    name = __name__.rpartition(".")[0]
    label = "geo"

    @override
    def ready(self) -> None:
        from .fields import GeoPointField, PointField

        # A model's PointField becomes GeoJSON in and out (the mapping's documented hook;
        # without it the REST framework would show the field as WKT text).
        # The stubs leave the mapping's field types' parameters open.
        mapping = cast(
            "dict[type[Any], type[Any]]",
            serializers.ModelSerializer.serializer_field_mapping,  # pyright: ignore[reportUnknownMemberType]
        )
        mapping[PointField] = GeoPointField
