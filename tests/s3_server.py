"""A local S3: moto's server mode (the real S3 protocol over HTTP) on 127.0.0.1 at a free port, for the S3 blob store's
tests. It runs in a child process (`python -m tests.s3_server`, which prints its port and serves until it is ended,
or its standard input closes), so what it keeps of the objects is not counted by a test that measures this process's memory, and
each pytest-xdist worker has its own. `S3Server().bucket()` makes a fresh bucket and returns a store over it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from core.adapters.s3_blobs import S3BlobStore, connect

ROOT = Path(__file__).resolve().parents[1]
ACCESS_KEY, SECRET_KEY, REGION = "testing", "testing", "us-east-1"  # moto takes any
# The least part of a multipart upload, lowered from S3's 5 MiB so a test streams several parts in little time.
PART_BYTES = 1024 * 1024


class S3Server:
    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self._client: Any = None

    def __enter__(self) -> Self:
        environment = os.environ | {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_UPLOAD_PART_MIN_SIZE": str(PART_BYTES),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.s3_server"],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the child's first line is its port, once it listens
        if not line.strip().isdigit():
            self.__exit__(None, None, None)
            raise RuntimeError(f"moto's S3 server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{line.strip()}"
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.process is not None:
            self.process.terminate()  # it keeps nothing worth a graceful stop (which takes werkzeug 2 s)
            self.process.wait()
            assert self.process.stdout is not None and self.process.stdin is not None
            self.process.stdout.close()
            self.process.stdin.close()

    def settings(self) -> dict[str, object]:
        """The S3_* settings that reach this server (add S3_BUCKET)."""
        return {
            "blob_store": "s3",
            "s3_endpoint_url": self.url,
            "s3_region": REGION,
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SECRET_KEY,
            "s3_addressing": "path",
        }

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect(
                endpoint_url=self.url,
                region=REGION,
                access_key_id=ACCESS_KEY,
                secret_access_key=SECRET_KEY,
                addressing="path",
            )
        return self._client

    def new_bucket(self) -> str:
        name = f"atelier-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def bucket(self, prefix: str = "") -> S3BlobStore:
        """A store over a fresh, empty bucket, uploading in small parts."""
        return S3BlobStore(self.client, self.new_bucket(), prefix, part_bytes=PART_BYTES)


def serve() -> None:
    """The child: serve S3 on a free port, say which, and stop when the parent closes our standard input."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    serve()
