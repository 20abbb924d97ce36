"""What the attachments API accepts and returns."""

from typing import Any, cast, override

from django.conf import settings
from drf_spectacular.utils import inline_serializer  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import serializers

from ..core.serializers import StrictSerializer
from .models import Attachment


class AttachmentSerializer(StrictSerializer, serializers.ModelSerializer[Attachment]):
    """An attachment as the API shows it."""

    # The stubs declare Meta's attributes as ClassVars of a class no serializer inherits.
    class Meta:  # pyright: ignore[reportIncompatibleVariableOverride]
        model = Attachment
        fields = ("id", "item_id", "filename", "content_type", "size", "public", "created_at")
        read_only_fields = fields


class AttachmentCreateSerializer(StrictSerializer):
    """A file about to be uploaded: its name, type and size are pinned by the upload's policy.

    Its type is one of UPLOAD_CONTENT_TYPES and its size at most UPLOAD_MAX_BYTES, as the
    settings say when the serializer is made: the schema documents both (an enum and a
    maximum), so what it allows is accepted.
    """

    filename = serializers.CharField(min_length=1, max_length=255, trim_whitespace=False)
    public = serializers.BooleanField(default=False)

    @override
    def get_fields(self) -> dict[str, Any]:
        declared = super().get_fields()
        allowed: list[str] = settings.UPLOAD_CONTENT_TYPES
        limit: int = settings.UPLOAD_MAX_BYTES
        content_type = serializers.ChoiceField(
            choices=allowed,
            error_messages={"invalid_choice": f"content_type must be one of: {', '.join(allowed)}"},
        )
        size = serializers.IntegerField(
            min_value=1,
            max_value=limit,
            help_text="Bytes.",
            error_messages={"max_value": f"size must be at most UPLOAD_MAX_BYTES ({limit} bytes)"},
        )
        return {
            "filename": declared["filename"],
            "content_type": content_type,
            "size": size,
            "public": declared["public"],
        }


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
