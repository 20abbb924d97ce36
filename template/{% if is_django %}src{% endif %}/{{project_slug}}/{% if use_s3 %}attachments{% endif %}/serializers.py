"""What the attachments API accepts and returns."""

from typing import Any, cast

from django.conf import settings
from drf_spectacular.utils import inline_serializer  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import serializers

from ..core.serializers import StrictSerializer
from .models import Attachment

# S3's largest object; UPLOAD_MAX_BYTES sets the service's own, lower, limit.
S3_MAX_OBJECT_BYTES = 5 * 1024**4


class AttachmentSerializer(StrictSerializer, serializers.ModelSerializer[Attachment]):
    """An attachment as the API shows it."""

    # The stubs declare Meta's attributes as ClassVars of a class no serializer inherits.
    class Meta:  # pyright: ignore[reportIncompatibleVariableOverride]
        model = Attachment
        fields = ("id", "item_id", "filename", "content_type", "size", "public", "created_at")
        read_only_fields = fields


class AttachmentCreateSerializer(StrictSerializer):
    """A file about to be uploaded: its name, type and size are pinned by the upload's policy."""

    filename = serializers.CharField(min_length=1, max_length=255, trim_whitespace=False)
    content_type = serializers.CharField(min_length=1, max_length=255, trim_whitespace=False)
    size = serializers.IntegerField(min_value=1, max_value=S3_MAX_OBJECT_BYTES, help_text="Bytes.")
    public = serializers.BooleanField(default=False)

    def validate_content_type(self, value: str) -> str:
        """Refuse a type UPLOAD_CONTENT_TYPES does not list."""
        allowed: list[str] = settings.UPLOAD_CONTENT_TYPES
        if value not in allowed:
            msg = f"content_type must be one of: {', '.join(allowed)}"
            raise serializers.ValidationError(msg)
        return value

    def validate_size(self, value: int) -> int:
        """Refuse a file larger than UPLOAD_MAX_BYTES."""
        limit: int = settings.UPLOAD_MAX_BYTES
        if value > limit:
            msg = f"size must be at most UPLOAD_MAX_BYTES ({limit} bytes)"
            raise serializers.ValidationError(msg)
        return value


# Where and how to upload the file: POST `fields` plus `file` (last) as a multipart form.
# Inline: a field named `fields` would hide the serializer's own attribute from the checker.
PresignedUploadSerializer = cast(
    "serializers.Serializer[Any]",
    inline_serializer(
        name="PresignedUpload",
        fields={
            "url": serializers.CharField(),
            "fields": serializers.DictField(child=serializers.CharField()),
            "expires_at": serializers.DateTimeField(),
        },
    ),
)


# The form of a presigned upload to the local store: its fields, then the file. Inline: S3's
# field names are not Python names.
UploadFormSerializer = cast(
    "serializers.Serializer[Any]",
    inline_serializer(
        name="UploadForm",
        fields={
            "key": serializers.CharField(),
            "Content-Type": serializers.CharField(),
            "Cache-Control": serializers.CharField(required=False),
            "file": serializers.FileField(),
        },
    ),
)


class AttachmentCreatedSerializer(AttachmentSerializer):
    """A new attachment, with the presigned form that uploads its file."""

    upload: serializers.Serializer[Any] = PresignedUploadSerializer

    class Meta(AttachmentSerializer.Meta):
        fields = (*AttachmentSerializer.Meta.fields, "upload")


class AttachmentDownloadSerializer(AttachmentSerializer):
    """An attachment with a URL that downloads its file until `expires_at`."""

    download_url = serializers.CharField()
    expires_at = serializers.DateTimeField()

    class Meta(AttachmentSerializer.Meta):
        fields = (*AttachmentSerializer.Meta.fields, "download_url", "expires_at")
