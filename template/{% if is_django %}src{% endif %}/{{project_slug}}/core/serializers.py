"""Serializers every app shares: strict request bodies, and the probes' answers."""

from typing import Any, cast, override

from rest_framework import serializers


class StrictSerializer(serializers.Serializer[Any]):
    """Base of the API's serializers: an unknown field in a request body is an error, not
    silently dropped, and `data` is typed for the checker.
    """

    @override
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            sent = cast("dict[str, Any]", data)
            unknown = sorted(set(sent).difference(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    @property
    @override
    def data(self) -> Any:
        # The REST framework's stubs leave the type parameters of ReturnDict unknown.
        return super().data  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


class HealthSerializer(StrictSerializer):
    """The liveness answer: the process serves requests."""

    status = serializers.ChoiceField(choices=["ok"])


class ReadinessSerializer(StrictSerializer):
    """The readiness answer: each dependency's state, "ok" or why it is down."""

    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    checks = serializers.DictField(child=serializers.CharField())
