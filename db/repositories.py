"""Repositories: queries and writes for one table each. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

from core import job_states
from core.job_states import Transition
from db.tables import Generation, Image, LedgerEntry, User

IN_FLIGHT = [status.value for status in job_states.IN_FLIGHT]


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        return self.session.exec(select(User).where(User.email == email)).first()

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def debit_if_covered(self, user_id: int, amount: int) -> bool:
        """Take `amount` from the cached balance only if it covers it, in one conditional UPDATE.

        Two sessions racing for the last credit both run this statement; the database lets one
        of them see the row change, so the other updates nothing and is refused.
        """
        result = self.session.execute(
            update(User)
            .where(col(User.id) == user_id, col(User.balance) >= amount, col(User.balance) > 0)
            .values(balance=User.balance - amount)
        )
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def credit(self, user_id: int, amount: int) -> None:
        self.session.execute(update(User).where(col(User.id) == user_id).values(balance=User.balance + amount))

    def end_sessions(self, user_id: int) -> None:
        """Sign the user out everywhere: sessions remember the version they signed in under."""
        self.session.execute(
            update(User).where(col(User.id) == user_id).values(session_version=User.session_version + 1)
        )

    def balance(self, user_id: int) -> int:
        value = self.session.exec(select(User.balance).where(User.id == user_id)).first()
        return int(value or 0)


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: LedgerEntry) -> None:
        self.session.add(entry)
        self.session.flush()

    def has_key(self, key: str) -> bool:
        found = self.session.exec(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key))
        return found.first() is not None

    def page(self, user_id: int, before_id: int | None, limit: int) -> Sequence[LedgerEntry]:
        query = select(LedgerEntry).where(LedgerEntry.user_id == user_id)
        if before_id is not None:
            query = query.where(col(LedgerEntry.id) < before_id)
        return self.session.exec(query.order_by(col(LedgerEntry.id).desc()).limit(limit)).all()

    def count(self, user_id: int) -> int:
        query = select(func.count()).select_from(LedgerEntry).where(LedgerEntry.user_id == user_id)
        return int(self.session.exec(query).one())

    def total(self, user_id: int) -> int:
        query = select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(LedgerEntry.user_id == user_id)
        return int(self.session.exec(query).one())


class GenerationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, generation_id: str) -> Generation | None:
        return self.session.get(Generation, generation_id)

    def get_for_user(self, user_id: int, generation_id: str) -> Generation | None:
        query = select(Generation).where(Generation.id == generation_id, Generation.user_id == user_id)
        return self.session.exec(query).first()

    def add(self, generation: Generation) -> None:
        self.session.add(generation)
        self.session.flush()

    def claimable_ids(self, now: datetime, limit: int) -> list[str]:
        """Jobs in flight that nobody holds a live lease on, oldest first."""
        query = (
            select(Generation.id)
            .where(col(Generation.status).in_(IN_FLIGHT), _lease_free(now))
            .order_by(col(Generation.created_at))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    def claim(self, generation_id: str, owner: str, now: datetime, until: datetime) -> bool:
        """Take the job's lease if it is in flight and nobody holds a live lease on it."""
        return self._update(
            [col(Generation.id) == generation_id, col(Generation.status).in_(IN_FLIGHT), _lease_free(now)],
            {"lease_owner": owner, "lease_until": until},
        )

    def renew(self, generation_id: str, owner: str, until: datetime) -> bool:
        """Extend a lease we still hold; False once it was lost, released, or the job ended."""
        return self._update(
            [
                col(Generation.id) == generation_id,
                col(Generation.lease_owner) == owner,
                col(Generation.status).in_(IN_FLIGHT),
            ],
            {"lease_until": until},
        )

    def release(self, generation_id: str, owner: str) -> None:
        self._update(
            [col(Generation.id) == generation_id, col(Generation.lease_owner) == owner],
            {"lease_owner": None, "lease_until": None},
        )

    def apply(
        self,
        generation_id: str,
        transition: Transition,
        values: Mapping[str, object],
        *,
        send_attempts: int | None = None,
    ) -> bool:
        """One conditional UPDATE for a state-machine transition; False if the job was not in a source state.

        `send_attempts` also requires the attempt counter to still have that value, so two
        workers can never both record the intent to send.
        """
        conditions = [
            col(Generation.id) == generation_id,
            col(Generation.status).in_([s.value for s in transition.sources]),
        ]
        if transition.unsent_only:
            conditions.append(col(Generation.provider_request_id).is_(None))
        if send_attempts is not None:
            conditions.append(col(Generation.send_attempts) == send_attempts)
        if transition.target is not None:
            values = {**values, "status": transition.target.value}
        return self._update(conditions, values)

    def _update(self, conditions: list[ColumnElement[bool]], values: Mapping[str, object]) -> bool:
        result = self.session.execute(update(Generation).where(*conditions).values(**values))
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(col(Generation.lease_until).is_(None), col(Generation.lease_until) < now)


class ImageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, image: Image) -> Image:
        self.session.add(image)
        self.session.flush()
        return image

    def get(self, image_id: int) -> Image | None:
        return self.session.get(Image, image_id)

    def by_public_id(self, public_id: str) -> Image | None:
        return self.session.exec(select(Image).where(Image.public_id == public_id)).first()

    def get_for_user(self, user_id: int, image_id: int) -> Image | None:
        query = select(Image).where(Image.id == image_id, Image.user_id == user_id)
        return self.session.exec(query).first()

    def page(self, user_id: int, before_id: int | None, limit: int) -> Sequence[Image]:
        """Newest first. Keyset on the id, so page 200 costs what page 1 costs."""
        query = select(Image).where(Image.user_id == user_id)
        if before_id is not None:
            query = query.where(col(Image.id) < before_id)
        return self.session.exec(query.order_by(col(Image.id).desc()).limit(limit)).all()

    def count(self, user_id: int) -> int:
        return int(self.session.exec(select(func.count()).select_from(Image).where(Image.user_id == user_id)).one())

    def for_generation(self, generation_id: str) -> Sequence[Image]:
        query = select(Image).where(Image.generation_id == generation_id).order_by(col(Image.position))
        return self.session.exec(query).all()

    def delete(self, image: Image) -> None:
        self.session.delete(image)
        self.session.flush()
