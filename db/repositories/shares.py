"""Shares: an owner's public links to their images, and the one read the public page makes by token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import Generation, Image, Share


class ShareRepository(Repository):
    def add(self, share: Share) -> Share:
        self.session.add(share)
        self.session.flush()
        return share

    def active_for_image(self, user_id: int, image_id: int) -> Sequence[Share]:
        """The image's links that still work, newest first; only the user's own."""
        query = select(Share).where(
            Share.user_id == user_id, Share.image_id == image_id, col(Share.revoked_at).is_(None)
        )
        return self.session.exec(query.order_by(col(Share.id).desc())).all()

    def active_for_user(self, user_id: int) -> Sequence[tuple[Share, Image]]:
        """Every link of the user's that still works, with its image, newest first."""
        query = (
            select(Share, Image)
            .join(Image, col(Image.id) == col(Share.image_id))
            .where(Share.user_id == user_id, Image.user_id == user_id, col(Share.revoked_at).is_(None))
            .order_by(col(Share.id).desc())
        )
        return [(share, image) for share, image in self.session.exec(query).all()]

    def revoke(self, user_id: int, share_id: int, now: datetime) -> int:
        """End one of the user's links; 0 when it is not theirs or has ended already."""
        return self._revoke(now, col(Share.user_id) == user_id, col(Share.id) == share_id)

    def revoke_all(self, user_id: int, now: datetime) -> int:
        return self._revoke(now, col(Share.user_id) == user_id)

    def _revoke(self, now: datetime, *where: object) -> int:
        statement = update(Share).where(col(Share.revoked_at).is_(None), *where).values(revoked_at=now)  # type: ignore[arg-type]
        return int(getattr(self.session.execute(statement), "rowcount", 0) or 0)

    def delete_revoked_before(self, cutoff: datetime) -> int:
        statement = delete(Share).where(col(Share.revoked_at) < cutoff)
        return int(getattr(self.session.execute(statement), "rowcount", 0) or 0)

    def public(self, token: str) -> tuple[Share, Image, str] | None:
        """The live share under `token`, its image, and its job's prompt ("" for an upload or a forgotten job);
        None for a token that is unknown or revoked, or whose image is gone."""
        query = (
            select(Share, Image, Generation.prompt)
            .join(Image, col(Image.id) == col(Share.image_id))
            .outerjoin(Generation, col(Generation.id) == col(Image.generation_id))
            .where(Share.token == token, col(Share.revoked_at).is_(None), col(Image.user_id) == col(Share.user_id))
        )
        found = self.session.exec(query).first()
        if found is None:
            return None
        share, image, prompt = found
        return share, image, prompt or ""
