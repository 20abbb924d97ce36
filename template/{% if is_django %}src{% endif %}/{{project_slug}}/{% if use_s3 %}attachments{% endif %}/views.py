"""Attachments on items: create one (with its presigned upload), list, download, delete;
and the local-disk stand-in for S3 (no S3_BUCKET): presigned uploads and downloads by token.
"""

import uuid
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ..core.api import AsyncAPIView
from ..items.models import RequestUser, items_of
from .models import Attachment
from .serializers import (
    AttachmentCreatedSerializer,
    AttachmentCreateSerializer,
    AttachmentDownloadSerializer,
    AttachmentSerializer,
    UploadFormSerializer,
)
from .storage import (
    LocalStorage,
    StorageUnavailableError,
    content_disposition,
    expires_at,
    get_storage,
    object_key,
    verify,
)

ITEM_NOT_FOUND = OpenApiResponse(description="No such item (or not yours)")
NOT_FOUND = OpenApiResponse(description="No such attachment (or not yours)")
# Room for the form's fields and multipart boundaries around the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
RETRY_AFTER_SECONDS = 5
_TIMESTAMP = serializers.DateTimeField()


class StorageUnavailable(APIException):
    """The file storage could not be reached: try again shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The file storage is unavailable; try again shortly"
    default_code = "storage_unavailable"


def _timestamp(moment: datetime) -> str:
    return _TIMESTAMP.to_representation(moment)


async def _item_or_404(user: RequestUser, item_id: int) -> None:
    if not await items_of(user).filter(pk=item_id).aexists():
        raise NotFound("Item not found")


async def _attachment_or_404(user: RequestUser, attachment_id: uuid.UUID) -> Attachment:
    found = await Attachment.objects.filter(pk=attachment_id, item__in=items_of(user)).afirst()
    if found is None:
        raise NotFound("Attachment not found")
    return found


class ItemAttachmentsView(AsyncAPIView):
    """An item's attachments: attach a file, list them."""

    @extend_schema(
        request=AttachmentCreateSerializer,
        responses={201: AttachmentCreatedSerializer, 404: ITEM_NOT_FOUND},
        tags=["attachments"],
    )
    async def post(self, request: Request, item_id: int) -> Response:
        """Attach a file to an item: answers the presigned form that uploads it (POST it there)."""
        data = AttachmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = data.validated_data
        await _item_or_404(request.user, item_id)
        key = object_key(item_id, fields["filename"])
        attachment = Attachment(item_id=item_id, key=key, **fields)
        upload = await sync_to_async(get_storage().presign_upload)(
            key=attachment.key,
            content_type=attachment.content_type,
            max_size=attachment.size,
            public=attachment.public,
        )
        await attachment.asave(force_insert=True)
        body = {
            **AttachmentSerializer(attachment).data,
            "upload": {
                "url": upload.url,
                "fields": upload.fields,
                "expires_at": _timestamp(upload.expires_at),
            },
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: AttachmentSerializer(many=True), 404: ITEM_NOT_FOUND},
        tags=["attachments"],
    )
    async def get(self, request: Request, item_id: int) -> Response:
        """List an item's attachments, newest first."""
        await _item_or_404(request.user, item_id)
        newest_first = Attachment.objects.filter(item_id=item_id).order_by("-created_at", "id")
        rows = [attachment async for attachment in newest_first]
        return Response(AttachmentSerializer(rows, many=True).data)


class AttachmentView(AsyncAPIView):
    """One attachment: read it (with its download URL) or delete it."""

    @extend_schema(
        responses={200: AttachmentDownloadSerializer, 404: NOT_FOUND}, tags=["attachments"]
    )
    async def get(self, request: Request, attachment_id: uuid.UUID) -> Response:
        """Return an attachment with a URL that downloads its file until `expires_at`."""
        attachment = await _attachment_or_404(request.user, attachment_id)
        url = await sync_to_async(get_storage().download_url)(
            key=attachment.key,
            filename=attachment.filename,
            content_type=attachment.content_type,
            public=attachment.public,
        )
        body = {
            **AttachmentSerializer(attachment).data,
            "download_url": url,
            "expires_at": _timestamp(expires_at()),
        }
        return Response(body)

    @extend_schema(
        responses={204: None, 404: NOT_FOUND, 503: OpenApiResponse(description="Storage down")},
        tags=["attachments"],
    )
    async def delete(self, request: Request, attachment_id: uuid.UUID) -> Response:
        """Delete an attachment and its file."""
        attachment = await _attachment_or_404(request.user, attachment_id)
        try:
            await sync_to_async(get_storage().delete)(attachment.key)
        except StorageUnavailableError:
            response = Response(
                {"detail": StorageUnavailable.default_detail},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        await attachment.adelete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _local() -> LocalStorage:
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        # S3_BUCKET is set: the bucket serves files.
        raise NotFound
    return storage


class TokenView(AsyncAPIView):
    """A path of the local store: its signed token is the credential, not a bearer token."""

    authentication_classes = ()
    permission_classes = (AllowAny,)


class UploadView(TokenView):
    """POST /uploads/<token>: the form S3 would take, checked as S3's policy would be."""

    parser_classes = (MultiPartParser,)

    @extend_schema(
        request={"multipart/form-data": UploadFormSerializer},
        responses={
            204: None,
            403: OpenApiResponse(description="An invalid or expired token, or a refused form"),
            404: OpenApiResponse(description="Files are in S3 (S3_BUCKET is set)"),
        },
        tags=["attachments"],
    )
    async def post(self, request: Request, token: str) -> Response:
        """Store the file of a presigned upload (the form from POST /items/{id}/attachments)."""
        storage = _local()
        claims = verify(token, use="upload")
        if claims is None:
            raise PermissionDenied("Invalid or expired upload URL")
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > claims["max_size"] + FORM_OVERHEAD_BYTES:
            raise PermissionDenied(f"The file's size must be 1 to {claims['max_size']} bytes")
        # Parsing reads the spooled body from disk: in the request's thread.
        form: Any = await sync_to_async(lambda: request.data)()
        file = request.FILES.get("file")
        if file is None:
            raise PermissionDenied("The form has no file")
        for field in ("key", "Content-Type"):
            if form.get(field) != claims[field]:
                raise PermissionDenied(f"The form's {field} is not the one the upload URL allows")
        if not 1 <= (file.size or 0) <= claims["max_size"]:
            raise PermissionDenied(f"The file's size must be 1 to {claims['max_size']} bytes")
        try:
            await sync_to_async(storage.save)(str(claims["key"]), file)
        except SuspiciousFileOperation:
            raise PermissionDenied("The upload URL's key is outside MEDIA_ROOT") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class DownloadView(TokenView):
    """GET /files/<token>: the file of a presigned download."""

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, "The file"),
            403: OpenApiResponse(description="An invalid or expired token"),
            404: OpenApiResponse(description="No such file, or files are in S3"),
        },
        tags=["attachments"],
    )
    async def get(self, request: Request, token: str) -> HttpResponse:
        """Return the file of a presigned download (GET /attachments/{id} gives its URL).

        Read whole: the local store serves one instance's files, at most UPLOAD_MAX_BYTES.
        """
        storage = _local()
        claims = verify(token, use="download")
        if claims is None:
            raise PermissionDenied("Invalid or expired download URL")
        try:
            content = await sync_to_async(storage.read)(str(claims["key"]))
        except SuspiciousFileOperation:
            content = None
        if content is None:
            raise NotFound("No such file")
        response = HttpResponse(content, content_type=str(claims["Content-Type"]))
        response["Cache-Control"] = str(claims["Cache-Control"])
        response["Content-Disposition"] = content_disposition(str(claims["filename"]))
        return response
