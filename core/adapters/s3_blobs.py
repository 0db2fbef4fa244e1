"""BlobStore on any S3-compatible store (AWS S3, Cloudflare R2, MinIO), under a key prefix of one bucket. The only
module that imports boto3. Reads stream the object's body; big writes go up as a multipart upload, one part at a
time; presigned GET addresses let the media route send a browser straight to the store (MEDIA_REDIRECT).

The multipart upload is our own loop, not boto3's managed transfer (upload_fileobj): that one raises any part to
5 MiB and reads up to four parts ahead (measured: 19 MiB held for a 16 MiB stream), where this holds about two,
the part being read and the part being sent (measured: 2.6 MiB for an 8 MiB stream in parts of 1 MiB)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.errors import BlobNotFoundError, BlobStoreError

PART_BYTES = 8 * 1024 * 1024  # a multipart upload's part (S3 takes 5 MiB at least); a streaming write holds ~2
MISSING = {"404", "NoSuchKey", "NotFound"}


def connect(
    *,
    endpoint_url: str = "",
    region: str = "us-east-1",
    access_key_id: str = "",
    secret_access_key: str = "",
    addressing: str = "auto",
) -> Any:
    """An S3 client with bounded waits and retries. Empty keys leave boto3 its own credential chain (an instance
    role, ~/.aws); an empty endpoint is AWS's own. Checksums are sent only where S3 requires them, since several
    S3-compatible stores refuse the newer default ones."""
    config = Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 4, "mode": "standard"},
        s3={"addressing_style": addressing},
        signature_version="s3v4",
        max_pool_connections=16,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=config,
    )


class S3BlobStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "", part_bytes: int = PART_BYTES) -> None:
        self.client, self.bucket, self.prefix, self.part_bytes = client, bucket, prefix, part_bytes
        self.list_page = 1000  # keys per listing request: S3's most

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with _translated(key):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data, ContentType=content_type)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """One PUT when the whole fits in a part, else a multipart upload, which S3 shows only once complete (and
        which is aborted on failure): a failure midway leaves the old object in place."""
        reader = _ChunkReader(chunks)
        stream = io.BufferedReader(reader, 1 << 16)
        with _translated(key):
            part = stream.read(self.part_bytes)
            if len(part) < self.part_bytes:
                self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=part, ContentType=content_type)
            else:
                self._multipart(self.prefix + key, content_type, [part], stream)
        return reader.count

    def _multipart(
        self, key: str, content_type: str, first: list[bytes], stream: io.BufferedReader[_ChunkReader]
    ) -> None:
        """Upload `first[0]` then the rest of `stream`, a part at a time (`first` is a list so the part can be let
        go before the next one is read)."""
        made = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=content_type)
        upload, done = made["UploadId"], list[dict[str, Any]]()
        try:
            part = first.pop()
            while part:
                number = len(done) + 1
                sent = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number, Body=part
                )
                done.append({"ETag": sent["ETag"], "PartNumber": number})
                part = b""  # let go before the next part is read
                part = stream.read(self.part_bytes)
            parts = {"Parts": done}
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload, MultipartUpload=parts)
        except BaseException:
            with contextlib.suppress(Exception):  # the failure that got us here is the one to tell
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload)
            raise

    def get(self, key: str) -> bytes:
        with _translated(key):
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]
            with contextlib.closing(body):
                data: bytes = body.read()
        return data

    def delete(self, key: str) -> None:
        with _translated(key):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)  # a missing key is no error to S3

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except BlobNotFoundError:
            return False
        return True

    def open(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        # The GET is sent here, not in the generator, so a missing object raises before anything is yielded.
        with _translated(key):
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]
        return _chunks(body, chunk_size, key)

    def size(self, key: str) -> int:
        with _translated(key):
            length: int = self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)["ContentLength"]
        return length

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under `prefix`, a page of up to 1,000 at a time, in the store's (lexical) order."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix, PaginationConfig={"PageSize": self.list_page}
        )
        with _translated(prefix):
            for page in pages:
                for found in page.get("Contents", ()):
                    yield found["Key"][len(self.prefix) :]

    def presigned_url(self, key: str, seconds: int, content_type: str, disposition: str) -> str:
        """A signed GET address of the object that lives `seconds`; made locally, without a request."""
        params = {
            "Bucket": self.bucket,
            "Key": self.prefix + key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": f"private, max-age={seconds}",
        }
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        return url


class _ChunkReader(io.RawIOBase):
    """The pieces of an iterable as a raw file read from start to end, for io.BufferedReader to cut into parts."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            piece = next(self._chunks, None)
            if piece is None:
                return 0
            self._pending = memoryview(piece)
        count = min(len(buffer), len(self._pending))
        memoryview(buffer)[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self.count += count
        return count


def _chunks(body: Any, chunk_size: int, key: str) -> Iterator[bytes]:
    with contextlib.closing(body), _translated(key):
        while chunk := body.read(chunk_size):
            yield chunk


@contextlib.contextmanager
def _translated(key: str) -> Iterator[None]:
    """boto3's errors as the port's: a missing object is BlobNotFoundError, any other failure BlobStoreError."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in MISSING:
            raise BlobNotFoundError(f"No stored file for {key}") from None
        raise BlobStoreError(f"The blob store refused a request for {key}: {code or 'no code'}") from error
    except BotoCoreError as error:
        raise BlobStoreError(f"The blob store could not be reached for {key}: {type(error).__name__}") from error
