"""Serializers every app shares: strict request bodies, and the probes' answers."""

import copy
from typing import Any, ClassVar, cast, override

from rest_framework import serializers


class StrictSerializer(serializers.Serializer[Any]):
    """Base of the API's serializers: a field a request body may not set (unknown, or read
    only) is an error, not silently dropped, as the schema says (additionalProperties:
    false, core.schema); and `data` is typed for the checker.

    Its fields are built once per class and copied for each serializer: a ModelSerializer
    reads its model to build them, which costs more than the rest of a small request.
    """

    _built_fields: ClassVar[dict[type, dict[str, Any]]] = {}

    @override
    def get_fields(self) -> dict[str, Any]:
        built = self._built_fields.get(type(self))
        if built is None:
            # The stubs leave a field's type parameters unknown.
            built = cast("dict[str, Any]", super().get_fields())  # pyright: ignore[reportUnknownMemberType]
            self._built_fields[type(self)] = built
        return copy.deepcopy(built)

    @override
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            sent = cast("dict[str, Any]", data)
            fields = cast("dict[str, serializers.Field[Any, Any, Any, Any]]", self.fields)
            writable = {name for name, field in fields.items() if not field.read_only}
            unknown = sorted(set(sent).difference(writable))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    @property
    @override
    def data(self) -> Any:
        # The REST framework's stubs leave the type parameters of ReturnDict unknown.
        return super().data  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


class ErrorSerializer(StrictSerializer):
    """An error answer: what went wrong, in a sentence."""

    detail = serializers.CharField()


class HealthSerializer(StrictSerializer):
    """The liveness answer: the process serves requests."""

    status = serializers.ChoiceField(choices=["ok"])


class ReadinessSerializer(StrictSerializer):
    """The readiness answer: each dependency's state, "ok" or why it is down."""

    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    checks = serializers.DictField(child=serializers.CharField())
