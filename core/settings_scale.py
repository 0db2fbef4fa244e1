"""The settings of a deployment that outgrows one process: where blobs live (local files or any S3-compatible
store), and how jobs and periodic tasks are worked (a worker inside the web process, or `make worker` apart)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings


class ScaleSettings(BaseSettings):
    # local: files under DATA_DIR; s3: a bucket on S3, Cloudflare R2 or MinIO (the S3_* settings).
    blob_store: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS's own; R2 and MinIO give theirs
    s3_region: str = "us-east-1"  # R2 takes "auto"
    s3_access_key_id: SecretStr = SecretStr("")  # empty: boto3's own chain (instance role, ~/.aws)
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_prefix: str = ""  # keys are "<prefix>media/…" and "<prefix>withheld/…", so one bucket may hold several apps
    s3_addressing: Literal["auto", "path", "virtual"] = "auto"  # path: MinIO and most local servers
    # The media route checks our own signed link, then streams the file (False) or redirects to a presigned URL
    # of the store that lives MEDIA_REDIRECT_SECONDS (True; S3 only, and only with ENCRYPT_BLOBS off).
    media_redirect: bool = False
    media_redirect_seconds: int = Field(60, ge=10, le=3600)

    # The worker: the job runner and every periodic task. True: inside the web process (`make run`, one command);
    # False: this process serves pages only, and `make worker` runs apart (as many as you like).
    worker_in_process: bool = True
    worker_concurrency: int = Field(4, ge=1, le=64)  # jobs one worker works on at once (engine calls are waits)
    worker_batch_size: int = Field(8, ge=1, le=100)  # jobs claimed per round trip (FOR UPDATE SKIP LOCKED)

    @model_validator(mode="after")
    def _redirect_needs_plain_objects_in_s3(self) -> Self:
        """A redirect sends the browser to the stored object itself: there must be one (S3), and it must be the
        image, not ciphertext only this app can open (ENCRYPT_BLOBS, a field of Settings, which extends this).
        Refused rather than quietly streamed instead, so the setting never says what the server does not do."""
        if self.media_redirect and self.blob_store != "s3":
            raise ValueError("MEDIA_REDIRECT needs BLOB_STORE=s3 (a local disk has no addresses to redirect to)")
        if self.media_redirect and getattr(self, "encrypt_blobs", False):
            raise ValueError(
                "MEDIA_REDIRECT cannot be used with ENCRYPT_BLOBS on: the bucket holds ciphertext that only this app "
                "can open, so the media route streams instead. Turn MEDIA_REDIRECT off."
            )
        return self
