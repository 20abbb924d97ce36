"""What the jobs API returns."""

from rest_framework import serializers

from ..core.serializers import StrictSerializer
from .models import Job


class JobSerializer(StrictSerializer, serializers.ModelSerializer[Job]):
    """A job as the API shows it: its state, and its result or error once finished."""

    # The stubs declare Meta's attributes as ClassVars of a class no serializer inherits.
    class Meta:  # pyright: ignore[reportIncompatibleVariableOverride]
        model = Job
        fields = (
            "id",
            "item_id",
            "status",
            "attempts",
            "result",
            "error",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields
