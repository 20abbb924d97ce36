"""Where attachments' bytes live: an S3 bucket (S3_BUCKET, through django-storages), or
local disk under MEDIA_ROOT (Django's FileSystemStorage).

Both hand out the same kind of URLs: a presigned POST form that pins the object's key,
content type, cache headers and size, and an expiring download URL. Their methods block
(boto3, the disk): views call them in the request's thread.
"""

import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import import_module
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import quote

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core import signing
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    # The stubs are a dev dependency: the image does not install them.
    from mypy_boto3_s3.client import S3Client

PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL = "private, max-age=0, no-store"
# Characters kept from a filename in an object key; any other run becomes one "_".
_UNSAFE_KEY_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
SAFE_FILENAME_LENGTH = 100
# Seconds to connect to S3 and to wait for an answer: a dead endpoint fails fast.
S3_TIMEOUT_SECONDS = 5
# The module of the CDN in front of the bucket: only projects with a CDN have it.
CDN_MODULE = f"{__name__.rpartition('.')[0]}.cdn"
# What signs the local store's URLs (with SECRET_KEY), apart from anything else it signs.
TOKEN_SALT = "attachments"  # noqa: S105 - a namespace for signatures, not a secret


class StorageUnavailableError(Exception):
    """The object store could not be reached, or refused the request."""


@dataclass(frozen=True)
class Upload:
    """A presigned upload: POST `fields`, then `file`, as a multipart form to `url`."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


class CdnUrl(Protocol):
    """cdn.py's `cdn_url`: the CDN URL that serves `key` until `expires`, or None."""

    def __call__(self, key: str, *, public: bool, expires: datetime) -> str | None: ...


class Storage(Protocol):
    """What attachments need from a store of files."""

    def presign_upload(self, *, key: str, content_type: str, max_size: int, public: bool) -> Upload:
        """Return a form that uploads at most `max_size` bytes of `content_type` to `key`."""
        ...

    def download_url(self, *, key: str, filename: str, content_type: str, public: bool) -> str:
        """Return a URL that downloads `key` (as `filename`) until the expiry."""
        ...

    def delete(self, key: str) -> None:
        """Delete `key`; raise StorageUnavailableError when the store cannot."""
        ...


def safe_filename(filename: str) -> str:
    """Return `filename` reduced to letters, digits, dots, dashes and underscores."""
    safe = _UNSAFE_KEY_CHARACTERS.sub("_", filename).strip("._")[-SAFE_FILENAME_LENGTH:]
    return safe or "file"


def object_key(item_id: int, filename: str) -> str:
    """Return a new, unguessable key for a file of item `item_id`."""
    return f"attachments/{item_id}/{uuid.uuid4()}/{safe_filename(filename)}"


def cache_control(*, public: bool) -> str:
    """Return the Cache-Control a file is stored (and served) with."""
    return PUBLIC_CACHE_CONTROL if public else PRIVATE_CACHE_CONTROL


def content_disposition(filename: str) -> str:
    """Return a Content-Disposition that downloads the file under its own name (RFC 6266)."""
    return f"attachment; filename=\"{safe_filename(filename)}\"; filename*=UTF-8''{quote(filename)}"


def expires_at() -> datetime:
    """Return when URLs presigned now expire (PRESIGNED_URL_EXPIRE_SECONDS from now)."""
    return datetime.fromtimestamp(int(time.time()) + settings.PRESIGNED_URL_EXPIRE_SECONDS, UTC)


def find_cdn_url() -> CdnUrl | None:
    """Return the CDN's URL builder where the project has a CDN (cdn.py), else None."""
    if find_spec(CDN_MODULE) is None:
        return None
    cdn_url: CdnUrl = import_module(CDN_MODULE).cdn_url
    return cdn_url


class _Bucket(Protocol):
    """What this module uses of django-storages' S3Storage (the package ships no types)."""

    @property
    def connection(self) -> Any: ...

    def url(
        self, name: str, parameters: dict[str, str] | None = None, expire: int | None = None
    ) -> str: ...

    def delete(self, name: str) -> None: ...


@dataclass(frozen=True)
class S3Config:
    """The S3 settings: a storage is made once per distinct set of them."""

    bucket: str
    endpoint_url: str
    public_endpoint_url: str
    region: str
    access_key_id: str
    secret_access_key: str
    expire_seconds: int

    @classmethod
    def from_settings(cls) -> "S3Config":
        """Return the S3_* settings."""
        return cls(
            bucket=settings.S3_BUCKET,
            endpoint_url=settings.S3_ENDPOINT_URL,
            public_endpoint_url=settings.S3_PUBLIC_ENDPOINT_URL or settings.S3_ENDPOINT_URL,
            region=settings.S3_REGION,
            access_key_id=settings.S3_ACCESS_KEY_ID,
            secret_access_key=settings.S3_SECRET_ACCESS_KEY,
            expire_seconds=settings.PRESIGNED_URL_EXPIRE_SECONDS,
        )

    def bucket_storage(self, endpoint_url: str) -> _Bucket:
        """Return django-storages' S3Storage of the bucket, as reached at `endpoint_url`."""
        storage_class = import_string("storages.backends.s3.S3Storage")
        config = Config(
            signature_version="s3v4",
            # A custom endpoint (MinIO, SeaweedFS, moto) serves buckets by path.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            connect_timeout=S3_TIMEOUT_SECONDS,
            read_timeout=S3_TIMEOUT_SECONDS,
            retries={"max_attempts": 2},
        )
        storage = storage_class(
            bucket_name=self.bucket,
            endpoint_url=endpoint_url or None,
            region_name=self.region,
            # None: boto3's default credential chain.
            access_key=self.access_key_id or None,
            secret_key=self.secret_access_key or None,
            client_config=config,
            querystring_expire=self.expire_seconds,
            file_overwrite=True,
        )
        return cast("_Bucket", storage)


class S3Storage:
    """Files in S3_BUCKET; URLs presigned with SigV4 for S3_PUBLIC_ENDPOINT_URL."""

    def __init__(self, config: S3Config) -> None:
        self.config = config
        self.bucket = config.bucket_storage(config.endpoint_url)
        # Presigning is local computation, for the endpoint as clients reach it.
        self.presigner = config.bucket_storage(config.public_endpoint_url)
        self._cdn_url = find_cdn_url()

    def presign_upload(self, *, key: str, content_type: str, max_size: int, public: bool) -> Upload:
        """Return a presigned POST pinning the key, Content-Type, Cache-Control and size."""
        fields = {"Content-Type": content_type, "Cache-Control": cache_control(public=public)}
        conditions: list[Any] = [
            {"Content-Type": content_type},
            {"Cache-Control": fields["Cache-Control"]},
            ["content-length-range", 1, max_size],
        ]
        client: S3Client = self.presigner.connection.meta.client
        form = client.generate_presigned_post(
            Bucket=self.config.bucket,
            Key=key,
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=self.config.expire_seconds,
        )
        form_fields = {name: str(value) for name, value in form["fields"].items()}
        return Upload(url=form["url"], fields=form_fields, expires_at=expires_at())

    def download_url(self, *, key: str, filename: str, content_type: str, public: bool) -> str:
        """Return the CDN's URL when one serves the file, else a presigned GET (SigV4).

        The object keeps the Content-Type it was uploaded with: `content_type` is unused.
        """
        del content_type
        if self._cdn_url is not None:
            expires = expires_at()
            if url := self._cdn_url(key, public=public, expires=expires):
                return url
        parameters = {"ResponseContentDisposition": content_disposition(filename)}
        return self.presigner.url(key, parameters=parameters, expire=self.config.expire_seconds)

    def delete(self, key: str) -> None:
        """Delete the object at `key` (a missing one is no error)."""
        try:
            self.bucket.delete(key)
        except (BotoCoreError, ClientError) as error:
            raise StorageUnavailableError(str(error)) from error


class LocalStorage:
    """Files under MEDIA_ROOT, uploaded and downloaded through the service's own signed URLs.

    The URLs are paths on the service (`/uploads/<token>`, `/files/<token>`); the token
    carries what S3's policy would, signed with SECRET_KEY, with an expiry.
    """

    def __init__(self, root: str) -> None:
        # Overwriting: keys are unique, and an upload retried must land at its own key.
        self.files = FileSystemStorage(location=root, allow_overwrite=True)

    def presign_upload(self, *, key: str, content_type: str, max_size: int, public: bool) -> Upload:
        """Return a form for POST /uploads/<token>, pinned as S3's presigned POST is."""
        expiry = expires_at()
        fields = {
            "key": key,
            "Content-Type": content_type,
            "Cache-Control": cache_control(public=public),
        }
        token = sign({"use": "upload", "max_size": max_size, **fields}, expires=expiry)
        return Upload(url=f"/uploads/{token}", fields=fields, expires_at=expiry)

    def download_url(self, *, key: str, filename: str, content_type: str, public: bool) -> str:
        """Return GET /files/<token>, a path on this service that serves the file."""
        claims = {
            "use": "download",
            "key": key,
            "filename": filename,
            "Content-Type": content_type,
            "Cache-Control": cache_control(public=public),
        }
        return f"/files/{sign(claims, expires=expires_at())}"

    def save(self, key: str, content: File[Any]) -> None:
        """Store `content` at `key`; raise SuspiciousFileOperation for a key outside MEDIA_ROOT."""
        self.files.save(key, content)

    def read(self, key: str) -> bytes | None:
        """Return the bytes stored at `key`, or None when there are none."""
        if not self.files.exists(key):
            return None
        with self.files.open(key, "rb") as stored:
            return stored.read()

    def delete(self, key: str) -> None:
        """Delete the file at `key` (a missing one is no error)."""
        self.files.delete(key)


def sign(claims: dict[str, Any], *, expires: datetime) -> str:
    """Return `claims` and their expiry as a signed, URL-safe token."""
    return signing.dumps({**claims, "exp": int(expires.timestamp())}, salt=TOKEN_SALT)


def verify(token: str, *, use: str) -> dict[str, Any] | None:
    """Return the claims of `token` when it is signed here, unexpired and for `use`."""
    try:
        decoded: object = signing.loads(token, salt=TOKEN_SALT)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(decoded, dict):
        return None
    claims = cast("dict[str, Any]", decoded)
    expiry = claims.get("exp")
    if claims.get("use") != use or not isinstance(expiry, int) or expiry < time.time():
        return None
    return claims


@cache
def _s3_storage(config: S3Config) -> S3Storage:
    return S3Storage(config)


def get_storage() -> S3Storage | LocalStorage:
    """Return S3 storage when S3_BUCKET is set, else local disk under MEDIA_ROOT."""
    if settings.S3_BUCKET:
        return _s3_storage(S3Config.from_settings())
    return LocalStorage(settings.MEDIA_ROOT)
