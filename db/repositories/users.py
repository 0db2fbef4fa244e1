"""Users and their preferences: identity lookups, the cached balance, roles and the admin's search."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import Image, User, UserPreferences


@dataclass(frozen=True)
class UserRow:
    """One line of the admin's user list."""

    user: User
    image_count: int


class UserRepository(Repository):
    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def emails(self, user_ids: Collection[int]) -> dict[int, str]:
        """The current email of each of these users that still exists, in one query."""
        if not user_ids:
            return {}
        rows = self.session.exec(select(User.id, User.email).where(col(User.id).in_(sorted(user_ids))))
        return {user_id: email for user_id, email in rows if user_id is not None}

    def by_identity(self, issuer: str, subject: str) -> User | None:
        query = select(User).where(User.issuer == issuer, User.subject == subject)
        return self.session.exec(query).first()

    def by_email(self, email: str) -> User | None:
        """The account with this address, whatever its letters' case (an admin types what a letter said)."""
        query = select(User).where(func.lower(User.email) == email.strip().lower())
        return self.session.exec(query).first()

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def reload(self, user: User) -> User:
        """The row as the database holds it now: a conditional UPDATE changed it behind the loaded object."""
        self.session.refresh(user)
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

    def raise_session_version(self, user_id: int) -> int:
        """Every sign-in recorded under the old version stops counting; returns the new version."""
        self.session.execute(
            update(User).where(col(User.id) == user_id).values(session_version=User.session_version + 1)
        )
        value = self.session.exec(select(User.session_version).where(User.id == user_id)).one()
        return int(value)

    def balance(self, user_id: int) -> int:
        value = self.session.exec(select(User.balance).where(User.id == user_id)).first()
        return int(value or 0)

    def set_role_if(self, user_id: int, role: str, expected: str) -> bool:
        """Change the role only if it still is `expected`, so two admins' changes cannot cross."""
        result = self.session.execute(
            update(User).where(col(User.id) == user_id, col(User.role) == expected).values(role=role)
        )
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def count_with_role(self, role: str) -> int:
        """How many users hold `role`, locking those rows until the transaction ends.

        Two admins demoting each other at once would each count two admins and both succeed;
        with the rows locked, the second waits, counts again after the first commits, and sees one.
        (SQLite's write transactions are already serial.)
        """
        return len(self.session.exec(select(User.id).where(User.role == role).with_for_update()).all())

    def search(self, text: str, after_id: int | None, limit: int) -> Sequence[UserRow]:
        """Users whose email or name contains `text` (any case), by id; keyset, so every page costs the same."""
        images = (
            select(func.count())
            .select_from(Image)
            .where(col(Image.user_id) == col(User.id))
            .correlate(User)
            .scalar_subquery()
        )
        query = select(User, images).where(*_matching(text))
        if after_id is not None:
            query = query.where(col(User.id) > after_id)
        rows = self.session.exec(query.order_by(col(User.id)).limit(limit)).all()
        return [UserRow(user, int(count)) for user, count in rows]

    def count_matching(self, text: str) -> int:
        return int(self.session.exec(select(func.count()).select_from(User).where(*_matching(text))).one())

    def preferences(self, user_id: int) -> UserPreferences | None:
        return self.session.get(UserPreferences, user_id)

    def save_preferences(self, preferences: UserPreferences, now: datetime) -> None:
        preferences.updated_at = now
        self.session.merge(preferences)
        self.session.flush()


# An erased account's tombstone (db/repositories/erasure_rows.py) holds only the orders tax law keeps: no person.
_PEOPLE = col(User.role) != "erased"


def _matching(text: str) -> list[ColumnElement[bool]]:
    if not text:
        return [_PEOPLE]
    pattern = f"%{_escape_like(text.lower())}%"
    return [
        _PEOPLE,
        or_(
            func.lower(User.email).like(pattern, escape="\\"),
            func.lower(User.display_name).like(pattern, escape="\\"),
            func.lower(User.provider_name).like(pattern, escape="\\"),
        ),
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
