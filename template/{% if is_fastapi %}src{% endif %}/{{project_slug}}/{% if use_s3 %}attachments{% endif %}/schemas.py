"""What the attachments API accepts and returns."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..schemas import Input, Text

# S3's largest object; UPLOAD_MAX_BYTES sets the service's own, lower, limit.
S3_MAX_OBJECT_BYTES = 5 * 1024**4


class AttachmentCreate(Input):
    """A file about to be uploaded: its name, type and size are pinned by the upload's policy."""

    filename: Annotated[Text, Field(min_length=1, max_length=255)]
    content_type: Annotated[Text, Field(min_length=1, max_length=255)]
    size: Annotated[int, Field(ge=1, le=S3_MAX_OBJECT_BYTES, description="Bytes.")]
    public: bool = False


class PresignedUpload(BaseModel):
    """Where and how to upload the file: POST `fields` plus `file` (last) as a multipart form."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


class AttachmentPublic(BaseModel):
    """An attachment as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    item_id: int
    filename: str
    content_type: str
    size: int
    public: bool
    created_at: datetime


class AttachmentCreated(AttachmentPublic):
    """A new attachment, with the presigned form that uploads its file."""

    upload: PresignedUpload


class AttachmentDownload(AttachmentPublic):
    """An attachment with a URL that downloads its file until `expires_at`."""

    download_url: str
    expires_at: datetime
