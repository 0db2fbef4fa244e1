"""Inserting a row once, where a unique key decides."""

from __future__ import annotations

from sqlmodel import Session, SQLModel

from core.errors import DuplicateKeyError


def insert_once(session: Session, row: SQLModel) -> bool:
    """Add the row unless a unique key it carries is taken; False if it is, even when another transaction
    takes it at the same moment (the insert runs in a savepoint, so losing the race rolls back only this
    row, and the caller's transaction carries on)."""
    try:
        with session.begin_nested():
            session.add(row)
    except DuplicateKeyError:
        return False
    return True
