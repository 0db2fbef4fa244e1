"""Repositories: queries and writes for one table each. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from db.tables import Generation, Image, LedgerEntry, User

IN_FLIGHT = ("queued", "running")


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

    def in_flight_ids(self, limit: int) -> list[str]:
        query = (
            select(Generation.id)
            .where(col(Generation.status).in_(IN_FLIGHT))
            .order_by(col(Generation.created_at))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    def claim(self, generation_id: str, now: datetime, until: datetime) -> bool:
        """Take the job's lease if it is in flight and nobody holds a live lease on it."""
        result = self.session.execute(
            update(Generation)
            .where(
                col(Generation.id) == generation_id,
                col(Generation.status).in_(IN_FLIGHT),
                or_(col(Generation.lease_until).is_(None), col(Generation.lease_until) < now),
            )
            .values(lease_until=until)
        )
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def finish(self, generation_id: str, values: Mapping[str, object]) -> bool:
        """Move an in-flight job to a final state; False if someone else already finished it."""
        result = self.session.execute(
            update(Generation)
            .where(col(Generation.id) == generation_id, col(Generation.status).in_(IN_FLIGHT))
            .values(**values)
        )
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


class ImageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, image: Image) -> Image:
        self.session.add(image)
        self.session.flush()
        return image

    def get(self, image_id: int) -> Image | None:
        return self.session.get(Image, image_id)

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
