"""The settings of attachments (object_storage=s3): the bucket, or local disk, and uploads."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from ..core.settings_base import CommaSeparated


class AttachmentSettings(BaseSettings):
    """Where files are kept (storage.py), and what uploads may be and for how long."""

    # Attachments (attachments/storage.py). No bucket: files on local disk under MEDIA_ROOT.
    S3_BUCKET: str = ""
    # Empty = AWS; set for another S3-compatible store (path-style addressing then).
    S3_ENDPOINT_URL: str = ""
    # The endpoint as clients reach it, in presigned URLs; empty = S3_ENDPOINT_URL.
    S3_PUBLIC_ENDPOINT_URL: str = ""
    S3_REGION: str = "us-east-1"
    # Empty = the default credential chain (environment, profile, instance or task role).
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: SecretStr = SecretStr("")
    MEDIA_ROOT: str = "./media"
    UPLOAD_MAX_BYTES: int = Field(default=10 * 1024 * 1024, ge=1, le=5 * 1024**3)
    UPLOAD_CONTENT_TYPES: CommaSeparated = [
        "image/png",
        "image/jpeg",
        "image/webp",
        "application/pdf",
        "text/plain",
    ]
    # Lifetime of presigned upload and download URLs (SigV4 allows up to 7 days).
    PRESIGNED_URL_EXPIRE_SECONDS: int = Field(default=900, ge=1, le=7 * 24 * 3600)
