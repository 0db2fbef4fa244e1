"""The map of personal data: for each table and blob prefix a capability owns, what the user's export and the
erasure of their account do with the user's rows. Each capability declares its entries in its own module
(`Capability.personal_data`, core/registry.py); the privacy centre, the export, the erasure and the README's
privacy section are all read from this one map, and an architecture test fails for a table with a user column
or a blob prefix that no entry covers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from db.repositories.personal_rows import PersonalRowRepository
from db.uow import UnitOfWork


class Category(StrEnum):
    """What the privacy centre groups the data by, in the order it shows them."""

    ACCOUNT = "account"
    SIGN_INS = "sign_ins"
    CREATIONS = "creations"
    SETTINGS = "settings"
    CREDITS = "credits"
    PAYMENTS = "payments"
    CONSENTS = "consents"
    REQUESTS = "requests"


CATEGORY_TITLES = {
    Category.ACCOUNT: "Account",
    Category.SIGN_INS: "Sign-ins",
    Category.CREATIONS: "Prompts and images",
    Category.SETTINGS: "Settings and preferences",
    Category.CREDITS: "Credits",
    Category.PAYMENTS: "Payments",
    Category.CONSENTS: "Consents",
    Category.REQUESTS: "Privacy requests",
}


class OnErasure(StrEnum):
    DELETE = "delete"  # the rows (or blobs) go
    PSEUDONYMISE = "pseudonymise"  # the rows stay, with nothing left that names the person; `reason` says why


@dataclass(frozen=True)
class ErasureContext:
    """What a handler needs while it erases one user, inside the transaction the erasure gives it."""

    uow: UnitOfWork
    user_id: int
    reference: str  # the erasure receipt's reference (random, no personal data)
    now: datetime
    pseudonym_id: int  # the account with no personal data that pseudonymised rows are moved to


EraseHandler = Callable[[ErasureContext], int]  # how many rows or files it removed or pseudonymised
CountHandler = Callable[[UnitOfWork, int], int]  # how many rows or files the user has there


@dataclass(frozen=True)
class PersonalData:
    """One store of personal data: a table ("table:images"), a blob prefix ("blobs:u{user}/") or another
    system ("engine:payloads")."""

    store: str
    category: Category
    holds: str  # what is there, in the words the privacy centre and the README use
    export: str  # where the export puts it ("generations.json, generations.csv"); "" says it is not exported
    on_erasure: OnErasure
    step: int  # erasure runs the handlers by step, lowest first (rows that point at others go first)
    erase: EraseHandler
    count: CountHandler | None = None  # None: it is not counted in the privacy centre (an index, a copy)
    reason: str = ""  # why the rows are kept pseudonymised, or why it is not exported
    processors: tuple[str, ...] = ()  # who else receives it, and what
    owner_columns: tuple[str, ...] = ("user_id",)  # the columns naming the user (tables only)

    @property
    def table(self) -> str:
        return self.store.removeprefix("table:") if self.store.startswith("table:") else ""


def delete_rows(table: str, owner_columns: tuple[str, ...] = ("user_id",)) -> EraseHandler:
    """The handler of a table whose rows simply go."""
    return lambda ctx: ctx.uow.of(PersonalRowRepository).delete(table, owner_columns, ctx.user_id)


def count_rows(table: str, owner_columns: tuple[str, ...] = ("user_id",)) -> CountHandler:
    return lambda uow, user_id: uow.of(PersonalRowRepository).count(table, owner_columns, user_id)


def move_rows(table: str, owner_columns: tuple[str, ...] = ("user_id",)) -> EraseHandler:
    """The handler of a table of shared work: its rows stay, moved to the pseudonym account."""
    return lambda ctx: ctx.uow.of(PersonalRowRepository).move(table, owner_columns, ctx.user_id, ctx.pseudonym_id)
