"""Sign-ins: the session a browser's sign-in cookie stands for, and the user's security history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import EndedSession, SignIn


class SignInRepository(Repository):
    def by_key(self, session_key: str) -> SignIn | None:
        return self.session.exec(select(SignIn).where(SignIn.session_key == session_key)).first()

    def add(self, sign_in: SignIn) -> SignIn:
        self.session.add(sign_in)
        self.session.flush()
        return sign_in

    def end(self, session_key: str, now: datetime) -> None:
        self.session.execute(
            update(SignIn)
            .where(col(SignIn.session_key) == session_key, col(SignIn.ended_at).is_(None))
            .values(ended_at=now)
        )

    def start_handoff(self, session_key: str, digest: str, until: datetime) -> bool:
        """Mark a live sign-in as redeemable once by the token whose digest this is; False if it has ended."""
        result = self.session.execute(
            update(SignIn)
            .where(col(SignIn.session_key) == session_key, col(SignIn.ended_at).is_(None))
            .values(handoff_digest=digest, handoff_until=until)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def take_handoff(self, digest: str, now: datetime) -> str | None:
        """The session key of the live sign-in this hand-off names, clearing it in the same statement.

        One conditional UPDATE: of two requests racing with the same token, the second finds the
        digest already cleared (PostgreSQL re-checks the row after the first commits; SQLite runs
        write transactions one at a time), so a token works at most once.
        """
        result = self.session.execute(
            update(SignIn)
            .where(
                col(SignIn.handoff_digest) == digest,
                col(SignIn.handoff_until) >= now,
                col(SignIn.ended_at).is_(None),
            )
            .values(handoff_digest=None, handoff_until=None)
            .returning(col(SignIn.session_key))
        )
        return result.scalars().first()

    def carry_forward(self, user_id: int, session_key: str, version: int) -> None:
        """Keep one sign-in valid under a raised session version (the one that asked to end the others)."""
        self.session.execute(
            update(SignIn)
            .where(col(SignIn.user_id) == user_id, col(SignIn.session_key) == session_key)
            .values(session_version=version)
        )

    def recent(self, user_id: int, limit: int) -> Sequence[SignIn]:
        query = select(SignIn).where(SignIn.user_id == user_id).order_by(col(SignIn.id).desc()).limit(limit)
        return self.session.exec(query).all()

    def delete_older_than(self, cutoff: datetime) -> int:
        result = self.session.execute(delete(SignIn).where(col(SignIn.created_at) < cutoff))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def end_for_good(self, user_id: int, max_age: timedelta, now: datetime) -> None:
        """Remember the digests of the user's sign-ins still within their age, before the account's rows go."""
        for key, issued_at in self.session.exec(
            select(SignIn.session_key, SignIn.issued_at).where(SignIn.user_id == user_id)
        ).all():
            if issued_at + max_age > now and self.session.get(EndedSession, key) is None:
                self.session.add(EndedSession(session_key=key, until=issued_at + max_age))

    def ended_for_good(self, session_key: str, now: datetime) -> bool:
        found = self.session.get(EndedSession, session_key)
        return found is not None and found.until > now

    def forget_ended(self, now: datetime) -> int:
        result = self.session.execute(delete(EndedSession).where(col(EndedSession.until) <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]
