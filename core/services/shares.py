"""ShareService: public links to single images, opt-in and revocable.

The owner makes a link for one image, with or without its prompt, copies it again whenever they like, and ends
it (or all of theirs) at any time; while the owner has processing restricted, their links answer "not found".
The public page reads the database on every request, never a process cache:
a revoked share, a deleted image (its shares go with it, by the foreign key's cascade) or an erased account
answers "not found" at once, on every replica.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from core.clock import Clock
from core.domain import UserView
from core.domain.shares import (
    SHARE_SIDE,
    TOKEN,
    TOKEN_BYTES,
    PublicShare,
    SharedImage,
    ShareView,
    fitted,
)
from core.errors import BlobNotFoundError, BlobTamperedError, NotFoundError
from core.ports import BlobStore
from core.services.privacy import refuse_if_restricted, restriction_refusal
from core.share_image import public_copy
from core.signing import MediaSigner
from db.repositories.shares import ShareRepository
from db.tables import Image, Share
from db.uow import Database

NOT_YOURS = "That image is not in your gallery."
# A revoked link's row is kept this long (the export still says what was shared, and until when), then deleted.
REVOKED_KEPT = timedelta(days=30)
ENCODING = "jpeg-q85-v1"  # part of the ETag: a change of how the copy is made changes every validator


class ShareService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        signer: MediaSigner,
        clock: Clock,
        *,
        side: int = SHARE_SIDE,
        max_pixels: int = 40_000_000,
    ) -> None:
        self.db, self.blobs, self.signer, self.clock = db, blobs, signer, clock
        self.side, self.max_pixels = side, max_pixels

    # The owner's side: every read and write names the acting user.

    def create(self, user: UserView, image_id: int, with_prompt: bool) -> ShareView:
        """A link to one of the user's images. Asking again with the same choice gives the same live link (a
        double click makes one link, not two). NotFoundError for an image that is not theirs; ValidationError while
        the user has processing restricted (publishing is processing)."""
        with self.db.uow() as uow:
            refuse_if_restricted(uow, user.id)
            image = uow.images.get_for_user(user.id, image_id)
            if image is None or image.id is None:
                raise NotFoundError(NOT_YOURS)
            shares = uow.of(ShareRepository)
            for existing in shares.active_for_image(user.id, image.id):
                if existing.with_prompt == with_prompt:
                    return self._view(existing)
            share = shares.add(
                Share(
                    user_id=user.id,
                    image_id=image.id,
                    token=secrets.token_urlsafe(TOKEN_BYTES),
                    with_prompt=with_prompt,
                    size=self.side,
                    created_at=self.clock(),
                )
            )
            uow.commit()
        return self._view(share)

    def list_for_image(self, user: UserView, image_id: int) -> list[ShareView]:
        """The image's live links, newest first (none for an image that is not the user's)."""
        with self.db.reader() as uow:
            return [self._view(s) for s in uow.of(ShareRepository).active_for_image(user.id, image_id)]

    def list_for_user(self, user: UserView) -> list[ShareView]:
        """Every live link of the user's, newest first, each with its image's thumbnail."""
        with self.db.reader() as uow:
            rows = uow.of(ShareRepository).active_for_user(user.id)
        return [self._view(share, image) for share, image in rows]

    def revoke(self, user: UserView, share_id: int) -> bool:
        """End one link; False when it is not the user's or had ended already (the outcome is the same)."""
        with self.db.uow() as uow:
            ended = uow.of(ShareRepository).revoke(user.id, share_id, self.clock())
            uow.commit()
        return ended > 0

    def revoke_all(self, user: UserView) -> int:
        """End every link of the user's at once; how many were live."""
        with self.db.uow() as uow:
            ended = uow.of(ShareRepository).revoke_all(user.id, self.clock())
            uow.commit()
        return ended

    def sweep_revoked(self, now: datetime) -> int:
        """Delete the rows of links revoked more than REVOKED_KEPT ago; how many went (the retention sweep)."""
        with self.db.uow() as uow:
            deleted = uow.of(ShareRepository).delete_revoked_before(now - REVOKED_KEPT)
            uow.commit()
        return deleted

    # The public side: anyone holding a token. A token of the wrong shape never reaches the database.

    def public(self, token: str) -> PublicShare | None:
        """What the public page shows for a live share; None for any token that is not one."""
        found = self._find(token)
        if found is None:
            return None
        share, image, prompt = found
        width, height = fitted(image.width, image.height, share.size)
        shown = prompt.strip() if share.with_prompt else ""
        return PublicShare(share.token, width, height, shown, _etag(share, image))

    def public_image(self, token: str) -> SharedImage | None:
        """The public copy's bytes for a live share: re-encoded at the share's size, without metadata. None for
        a token that is not a live share, or an image whose file is gone or unreadable."""
        found = self._find(token)
        if found is None:
            return None
        share, image, _ = found
        try:
            data = public_copy(self.blobs.get(image.blob_key), share.size, self.max_pixels)
        except (BlobNotFoundError, BlobTamperedError, ValueError):
            return None
        return SharedImage(data, _etag(share, image))

    def etag(self, token: str) -> str | None:
        """The public copy's validator while the share is live, for a conditional request: one database read,
        no file read."""
        found = self._find(token)
        return None if found is None else _etag(found[0], found[1])

    def _find(self, token: str) -> tuple[Share, Image, str] | None:
        if TOKEN.parse(token) is None:
            return None
        with self.db.reader() as uow:
            found = uow.of(ShareRepository).public(token)
            # While the owner has processing restricted, their links show nothing (and work again once lifted).
            if found is None or restriction_refusal(uow, found[0].user_id):
                return None
            return found

    def _view(self, share: Share, image: Image | None = None) -> ShareView:
        assert share.id is not None
        thumb = self.signer.url(image.public_id, "thumb") if image is not None else ""
        return ShareView(share.id, share.image_id, share.token, share.with_prompt, share.size, share.created_at, thumb)


def _etag(share: Share, image: Image) -> str:
    """A strong validator naming nothing: a digest of the share, the image's file and how the copy is made."""
    digest = hashlib.sha256(f"{share.token}|{image.public_id}|{image.blob_key}|{share.size}|{ENCODING}".encode())
    return f'"{digest.hexdigest()[:32]}"'
