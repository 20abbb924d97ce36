"""Where attachments' bytes live: an S3 bucket (S3_BUCKET), or local disk under MEDIA_ROOT.

Both hand out the same kind of URLs: a presigned POST form that pins the object's key,
content type, cache headers and size, and an expiring download URL.
"""

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import quote

import aioboto3
from aiobotocore.config import AioConfig
from botocore.exceptions import BotoCoreError, ClientError

from ..core.config import Settings

if TYPE_CHECKING:
    # The stubs are a dev dependency: the image does not install them.
    from types_aiobotocore_s3.client import S3Client

PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL = "private, max-age=0, no-store"
# Characters kept from a filename in an object key; any other run becomes one "_".
_UNSAFE_KEY_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
SAFE_FILENAME_LENGTH = 100
# Seconds to connect to S3 and to wait for an answer: a dead endpoint fails fast.
S3_TIMEOUT_SECONDS = 5
# The module of the CDN in front of the bucket: only projects with a CDN have it.
CDN_MODULE = f"{__name__.rpartition('.')[0]}.cdn"


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

    def __call__(
        self, settings: Settings, key: str, *, public: bool, expires: datetime
    ) -> str | None: ...


class Storage(Protocol):
    """What attachments need from a store of files."""

    async def presign_upload(
        self, *, key: str, content_type: str, max_size: int, public: bool
    ) -> Upload:
        """Return a form that uploads at most `max_size` bytes of `content_type` to `key`."""
        ...

    async def download_url(
        self, *, key: str, filename: str, content_type: str, public: bool
    ) -> str:
        """Return a URL that downloads `key` (as `filename`) until the expiry."""
        ...

    async def delete(self, key: str) -> None:
        """Delete `key`; raise StorageUnavailableError when the store cannot."""
        ...

    async def aclose(self) -> None:
        """Release the store's connections."""
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


def expires_at(settings: Settings) -> datetime:
    """Return when URLs presigned now expire."""
    return datetime.fromtimestamp(int(time.time()) + settings.PRESIGNED_URL_EXPIRE_SECONDS, UTC)


def find_cdn_url() -> CdnUrl | None:
    """Return the CDN's URL builder where the project has a CDN (cdn.py), else None."""
    if find_spec(CDN_MODULE) is None:
        return None
    cdn_url: CdnUrl = import_module(CDN_MODULE).cdn_url
    return cdn_url


class S3Storage:
    """Files in S3_BUCKET; URLs presigned with SigV4 for S3_PUBLIC_ENDPOINT_URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = aioboto3.Session(
            aws_access_key_id=settings.S3_ACCESS_KEY_ID or None,
            aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY.get_secret_value() or None,
            region_name=settings.S3_REGION,
        )
        self._stack = AsyncExitStack()
        self._clients: dict[str, S3Client] = {}
        self._cdn_url = find_cdn_url()

    async def client(self, endpoint: str) -> "S3Client":
        """Return the (open, shared) S3 client for `endpoint`."""
        if endpoint not in self._clients:
            config = AioConfig(
                signature_version="s3v4",
                # A custom endpoint (MinIO, SeaweedFS, moto) serves buckets by path.
                s3={"addressing_style": "path" if endpoint else "auto"},
                connect_timeout=S3_TIMEOUT_SECONDS,
                read_timeout=S3_TIMEOUT_SECONDS,
                retries={"max_attempts": 2},
            )
            # The stubs here type S3's overload only (types-aioboto3[s3]), not the others.
            client = self.session.client(  # pyright: ignore[reportUnknownMemberType]
                "s3", endpoint_url=endpoint or None, config=config
            )
            self._clients[endpoint] = await self._stack.enter_async_context(client)
        return self._clients[endpoint]

    async def _presigner(self) -> "S3Client":
        # Presigning is local computation, for the endpoint as clients reach it.
        settings = self.settings
        return await self.client(settings.S3_PUBLIC_ENDPOINT_URL or settings.S3_ENDPOINT_URL)

    async def presign_upload(
        self, *, key: str, content_type: str, max_size: int, public: bool
    ) -> Upload:
        """Return a presigned POST pinning the key, Content-Type, Cache-Control and size."""
        fields = {"Content-Type": content_type, "Cache-Control": cache_control(public=public)}
        conditions: list[Any] = [
            {"Content-Type": content_type},
            {"Cache-Control": fields["Cache-Control"]},
            ["content-length-range", 1, max_size],
        ]
        client = await self._presigner()
        form = await client.generate_presigned_post(
            Bucket=self.settings.S3_BUCKET,
            Key=key,
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=self.settings.PRESIGNED_URL_EXPIRE_SECONDS,
        )
        form_fields = {name: str(value) for name, value in form["fields"].items()}
        return Upload(url=form["url"], fields=form_fields, expires_at=expires_at(self.settings))

    async def download_url(
        self, *, key: str, filename: str, content_type: str, public: bool
    ) -> str:
        """Return the CDN's URL when one serves the file, else a presigned GET (SigV4).

        The object keeps the Content-Type it was uploaded with: `content_type` is unused.
        """
        del content_type
        if self._cdn_url is not None:
            expires = expires_at(self.settings)
            if url := self._cdn_url(self.settings, key, public=public, expires=expires):
                return url
        client = await self._presigner()
        return await client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.settings.S3_BUCKET,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
            },
            ExpiresIn=self.settings.PRESIGNED_URL_EXPIRE_SECONDS,
        )

    async def delete(self, key: str) -> None:
        """Delete the object at `key` (a missing one is no error)."""
        client = await self.client(self.settings.S3_ENDPOINT_URL)
        try:
            await client.delete_object(Bucket=self.settings.S3_BUCKET, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise StorageUnavailableError(str(error)) from error

    async def aclose(self) -> None:
        """Close the S3 clients."""
        await self._stack.aclose()
        self._clients.clear()


class LocalStorage:
    """Files under MEDIA_ROOT, uploaded and downloaded through the service's own signed URLs.

    The URLs are paths on the service (`/uploads/<token>`, `/files/<token>`); the token
    carries what S3's policy would, signed with SECRET_KEY (HMAC-SHA256), with an expiry.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.MEDIA_ROOT).resolve()

    async def presign_upload(
        self, *, key: str, content_type: str, max_size: int, public: bool
    ) -> Upload:
        """Return a form for POST /uploads/<token>, pinned as S3's presigned POST is."""
        expiry = expires_at(self.settings)
        fields = {
            "key": key,
            "Content-Type": content_type,
            "Cache-Control": cache_control(public=public),
        }
        token = self.sign(
            {"use": "upload", "max_size": max_size, **fields}, expires=int(expiry.timestamp())
        )
        return Upload(url=f"/uploads/{token}", fields=fields, expires_at=expiry)

    async def download_url(
        self, *, key: str, filename: str, content_type: str, public: bool
    ) -> str:
        """Return GET /files/<token>, a path on this service that serves the file."""
        claims = {
            "use": "download",
            "key": key,
            "filename": filename,
            "Content-Type": content_type,
            "Cache-Control": cache_control(public=public),
        }
        return f"/files/{self.sign(claims, expires=int(expires_at(self.settings).timestamp()))}"

    async def delete(self, key: str) -> None:
        """Delete the file at `key` (a missing one is no error)."""
        self.path_of(key).unlink(missing_ok=True)

    async def aclose(self) -> None:
        """Nothing to release."""

    def path_of(self, key: str) -> Path:
        """Return where `key` is stored; raise ValueError for a key outside MEDIA_ROOT."""
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            msg = f"key {key!r} is outside MEDIA_ROOT"
            raise ValueError(msg)
        return path

    def sign(self, claims: dict[str, Any], *, expires: int) -> str:
        """Return `claims` and their expiry (Unix time) as a signed, URL-safe token."""
        body = _b64(json.dumps({**claims, "exp": expires}, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._mac(body))}"

    def verify(self, token: str, *, use: str) -> dict[str, Any] | None:
        """Return the claims of `token` when it is signed here, unexpired and for `use`."""
        body, _, signature = token.partition(".")
        try:
            valid = hmac.compare_digest(_unb64(signature), self._mac(body))
            decoded: object = json.loads(_unb64(body)) if valid else None
        except ValueError:
            return None
        if not isinstance(decoded, dict):
            return None
        claims = cast("dict[str, Any]", decoded)
        expiry = claims.get("exp")
        if claims.get("use") != use or not isinstance(expiry, int) or expiry < time.time():
            return None
        return claims

    def _mac(self, body: str) -> bytes:
        secret = self.settings.SECRET_KEY.get_secret_value().encode()
        return hmac.new(secret, f"attachments:{body}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def create_storage(settings: Settings) -> S3Storage | LocalStorage:
    """Return S3 storage when S3_BUCKET is set, else local disk under MEDIA_ROOT."""
    return S3Storage(settings) if settings.S3_BUCKET else LocalStorage(settings)
