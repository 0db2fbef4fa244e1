"""Signed, expiring links: only the owner's pages can mint them; anyone holding one can fetch until it expires.

Every signature covers a purpose prefix, so one secret signs media links and export links
without a signature for one ever being valid for the other.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from core.clock import Clock
from core.settings import MIN_SECRET_BYTES

MEDIA_PATH = "/api/media"
EXPORT_PATH = "/api/exports"
EXPORT_FORMATS = ("zip", "csv")  # the history export's
EVERYTHING = "everything"  # the privacy centre's download of everything held about the user
STORED = "stored"  # an export an admin ran for the user, kept in the blob store until it expires
EXPORT_FILES = {"zip": "history.zip", "csv": "history.csv", EVERYTHING: "everything.zip", STORED: "stored.zip"}
EXPORT_TTL_SECONDS = 3600
FAL_WEBHOOK_PATH = "/api/webhooks/fal"
FAL_WEBHOOK_PURPOSE = "fal-webhook"  # signs the job id in the webhook address we give fal
VARIANTS = ("original", "preview", "thumb")
PUBLIC_ID = re.compile(r"[0-9a-f]{32}")
SIGNATURE = re.compile(r"[0-9a-f]{64}")
EXPIRES = re.compile(r"[0-9]{1,12}")
COUNTER = re.compile(r"[0-9]{1,12}")  # a user id or a session version


class Signer:
    """HMAC-SHA256 over a purpose and the parts of a message."""

    def __init__(self, secret: bytes, purpose: str) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"A signing secret must be at least {MIN_SECRET_BYTES} bytes")
        if not re.fullmatch(r"[a-z][a-z0-9-]*", purpose):
            raise ValueError("A purpose is a short lower-case name")
        self._secret = secret
        self._prefix = f"atelier/{purpose}/v1"

    def sign(self, *parts: str) -> str:
        message = "\n".join((self._prefix, *parts)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def verify(self, signature: str, *parts: str) -> bool:
        return hmac.compare_digest(self.sign(*parts), signature)


class MediaSigner:
    """Links to one image variant, named by the image's random public id, never by a reusable row id."""

    def __init__(self, secret: bytes, ttl_seconds: int, clock: Clock) -> None:
        self._signer = Signer(secret, "media")
        self._ttl = ttl_seconds
        self._clock = clock

    def url(self, public_id: str, variant: str, *, download: bool = False) -> str:
        """A relative URL, valid for the TTL, rounded up to the minute so reruns reuse the same URL."""
        now = self._clock().timestamp()
        expires = int(math.ceil((now + self._ttl) / 60) * 60)
        # Every part is digits or hex, so no escaping is needed (urlencode was a third of a gallery page).
        signature = self._signer.sign(public_id, variant, str(expires))
        url = f"{MEDIA_PATH}/{public_id}/{variant}?exp={expires}&sig={signature}"
        return url + "&download=1" if download else url

    def verify(self, public_id: str, variant: str, expires: str, signature: str) -> bool:
        """Checks the shape of every part first, so nothing malformed reaches a parser or the database."""
        if not (
            PUBLIC_ID.fullmatch(public_id)
            and variant in VARIANTS
            and EXPIRES.fullmatch(expires)
            and SIGNATURE.fullmatch(signature)
        ):
            return False
        if int(expires) < self._clock().timestamp():
            return False
        return self._signer.verify(signature, public_id, variant, expires)

    def seconds_left(self, expires: str) -> int:
        """How long a verified link stays valid: what a browser may cache it for."""
        return max(0, int(expires) - int(self._clock().timestamp()))


@dataclass(frozen=True)
class ExportGrant:
    """What a valid export link allows: this user's history, as it was signed for, issued at this time."""

    user_id: int
    session_version: int
    issued_at: datetime  # fixes the export's own timestamps, so the same link gives the same bytes


class ExportSigner:
    """Links to one user's export of one kind (the history as a ZIP or a CSV, for one filter; or everything).
    The signature covers the kind, the user id, the user's session version (signing out everywhere ends every
    link), the expiry and the filter ("" for everything)."""

    def __init__(self, secret: bytes, clock: Clock, ttl_seconds: int = EXPORT_TTL_SECONDS) -> None:
        self._signer = Signer(secret, "export")
        self._ttl = ttl_seconds
        self._clock = clock

    def url(self, fmt: str, user_id: int, session_version: int, filter_query: str) -> str:
        """A relative URL valid for the TTL. `filter_query` is the filter's canonical, already encoded query
        string. The issue time is rounded down to the minute, so reruns of a page reuse the same link."""
        if fmt not in EXPORT_FILES:
            raise ValueError(f"An export is one of {tuple(EXPORT_FILES)}")
        issued = int(self._clock().timestamp()) // 60 * 60
        expires = str(issued + self._ttl)
        signature = self._signer.sign(fmt, str(user_id), str(session_version), expires, filter_query)
        link = f"user={user_id}&sv={session_version}&exp={expires}&sig={signature}"
        return f"{EXPORT_PATH}/{EXPORT_FILES[fmt]}?" + (f"{filter_query}&{link}" if filter_query else link)

    def verify(
        self, fmt: str, user_id: str, session_version: str, expires: str, filter_query: str, signature: str
    ) -> ExportGrant | None:
        """The grant, or None for a malformed, tampered or expired link (shapes are checked first)."""
        if not (
            fmt in EXPORT_FILES
            and COUNTER.fullmatch(user_id)
            and COUNTER.fullmatch(session_version)
            and EXPIRES.fullmatch(expires)
            and SIGNATURE.fullmatch(signature)
        ):
            return None
        if int(expires) < self._clock().timestamp():
            return None
        if not self._signer.verify(signature, fmt, user_id, session_version, expires, filter_query):
            return None
        issued_at = datetime.fromtimestamp(int(expires) - self._ttl, UTC)
        return ExportGrant(int(user_id), int(session_version), issued_at)
