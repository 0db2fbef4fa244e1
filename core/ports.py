"""Ports: the abstract capabilities services depend on. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, runtime_checkable

from core.domain import EngineOutput, EngineRequest, EngineStatus, ModelInfo
from core.domain.billing import Checkout, CheckoutRequest, PaymentEvent


class ImageEngine(Protocol):
    """Creates and edits images. Runs jobs asynchronously, addressed by a request id."""

    name: str
    is_ai_model: bool
    edit_help: str  # Markdown shown beside the edit form: what instructions the engine carries out

    def models(self) -> list[ModelInfo]: ...

    def check(self, request: EngineRequest) -> None:
        """Refuse a request the engine cannot carry out (raises EngineInputError). Called before any charge."""

    def submit(self, request: EngineRequest, key: str) -> str:
        """Queue the job and return the engine's request id. Raises EngineError when it refuses.

        `key` is our job's id (random, no personal data); engines that can, use it to make a
        repeated submit of the same job return the first request instead of a second job.
        """

    def find(self, key: str) -> str | None:
        """The request id of a job submitted under `key`, or None if the engine never got it.

        Used after a sender died mid-submit, so the job is looked up rather than sent again.
        Raises EngineError when the engine cannot tell; the job is then stopped, not resent.
        """

    def status(self, request_id: str) -> EngineStatus:
        """Raises EngineJobLostError if the engine does not know the request id."""

    def result(self, request_id: str) -> list[EngineOutput]:
        """The finished images. Raises EngineError when the job failed."""

    def cancel(self, request_id: str) -> None: ...

    def forget(self, request_id: str) -> None:
        """Delete whatever the engine still keeps of an ended job (prompt, input image, outputs)."""


class BlobStore(Protocol):
    """Stores bytes by key: images and thumbnails."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store a small object given whole (an image, a thumbnail), replacing any under that key."""

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Store an object given in pieces, never holding it whole (exports, the blob migration); returns its
        length. All or nothing, like `put`: a failure midway (of the store or of `chunks`) leaves what was there."""

    def get(self, key: str) -> bytes:
        """Raises BlobNotFoundError."""

    def delete(self, key: str) -> None:
        """Deleting a missing key is not an error."""

    def exists(self, key: str) -> bool: ...

    def open(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The object's bytes in chunks of at most `chunk_size`, so a large export never holds a whole file.
        Raises BlobNotFoundError when the key is missing, before yielding anything."""

    def size(self, key: str) -> int:
        """The object's length in bytes. Raises BlobNotFoundError."""

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key starting with `prefix`: what erasure and the orphan sweep list."""


class SealedBlobStore(BlobStore, Protocol):
    """A BlobStore that encrypts at rest, and can move a blob under its current key-encryption key."""

    def kek_of(self, key: str) -> str | None:
        """The id of the key its data key is wrapped with; None for a blob stored before encryption was on."""

    def rewrap(self, key: str) -> bool:
        """Put the blob under the current key (encrypting a plaintext one), replacing it whole. False when there
        was nothing to do or the blob is gone."""


@runtime_checkable
class PresigningBlobStore(BlobStore, Protocol):
    """A BlobStore that can hand a browser a short-lived address of its own for one object (S3), so the media
    route may redirect there instead of passing the bytes through the app (MEDIA_REDIRECT)."""

    def presigned_url(self, key: str, seconds: int, content_type: str, disposition: str) -> str:
        """A GET address valid for `seconds`, answering with this type, disposition and a cache life as long."""


class PaymentProvider(Protocol):
    """Takes payments for our orders: Stripe, Creem, or the demo provider. Knows nothing of users or credits;
    it opens checkouts, confirms them when asked, and turns its signed webhooks into PaymentEvents."""

    name: str  # "stripe" | "creem" | "demo"
    has_webhooks: bool

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        """Open a checkout for one order. Asking twice for the same order must not open a second one
        where the provider allows it (an idempotency key derived from the order). Raises PaymentError."""

    def confirm(self, checkout: str) -> list[PaymentEvent]:
        """Ask the provider, from the server, what became of a checkout: the events it amounts to
        (none while it is unpaid). Raises PaymentError."""

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the signature over the raw body and read the event. Raises WebhookRejectedError."""

    def cancel_plan(self, subscription: str) -> None:
        """Stop renewing a subscription at the end of the paid month. Raises PaymentError."""


class Mailer(Protocol):
    """Sends one email. The outbox (core/services/email_outbox.py) decides what and when; this only delivers."""

    name: str  # "smtp" | "outbox"
    delivers: bool  # False: the embedded default, which keeps every message in the outbox and sends nothing

    def send(self, sender: str, recipient: str, subject: str, body: str, headers: Mapping[str, str]) -> None:
        """Deliver the message. Raises MailError when the server refused it or could not be reached."""


class Doorbell(Protocol):
    """Tells the workers that a job is waiting, so one starts on it at once; polling is only the safety net.
    In one process a condition variable; across processes PostgreSQL's LISTEN/NOTIFY."""

    def ring(self) -> None:
        """Wake the workers (never blocks for long, never raises: a lost ring costs one polling interval)."""

    def wait(self, timeout: float) -> bool:
        """Block until the next ring or `timeout` seconds; True when rung."""

    def close(self) -> None: ...
