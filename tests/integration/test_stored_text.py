"""Every text a user can store passes one validator, on both databases: hostile text is refused with a message
naming the field and what to fix, and nothing is stored. A writer that skips the validator fails on SQLite
as on PostgreSQL (db/text_guard.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text, update

from core.bootstrap import Container
from core.errors import ValidationError
from core.identity import ClientInfo, Identity, checked, session_key
from core.services.privacy import PrivacyService
from db.tables import Collection, ConsentRecord, SignIn, User
from db.text_guard import UncheckedTextError
from tests.factories import create_form, edit_form, sign_up

CLIENT = ClientInfo("203.0.113.0/24", "Firefox 140", "Linux")
# Each hostile character, and the words its refusal uses.
HOSTILE = {
    "NUL": ("Pets\x00cats", "control characters (U+0000)"),
    "bell": ("Pets\x07", "control characters (U+0007)"),
    "right-to-left override": ("Pets\u202egnp.exe", "direction of text (U+202E)"),
    "first-strong isolate": ("Pets\u2068", "direction of text (U+2068)"),
    "left-to-right mark": ("\u200ePets", "direction of text (U+200E)"),
    "Arabic letter mark": ("Pets\u061c", "direction of text (U+061C)"),
    "zero-width space": ("Pe\u200bts", "zero-width characters (U+200B)"),
    "zero-width joiner": ("Pe\u200dts", "zero-width characters (U+200D)"),
    "word joiner": ("Pe\u2060ts", "zero-width characters (U+2060)"),
    "byte order mark": ("\ufeffPets", "zero-width characters (U+FEFF)"),
    "soft hyphen": ("Pe\u00adts", "formatting characters (U+00AD)"),
    "line separator": ("Pets\u2028more", "control characters (U+2028)"),
    "unpaired surrogate": ("Pets\ud800", "not text"),
    "private use": ("Pets\ue000", "not text"),
    "noncharacter": ("Pets\uffff", "not text"),
    "plane-16 private use": ("Pets\U0010fffd", "not text"),
}


def everything(c: Container) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table a user's text can reach: a refusal must leave them as they were."""
    tables = ("users", "collections", "ledger_entries", "audit_log", "generations", "images", "sign_ins")
    with c.db.engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables}


def refuses(c: Container, action: Callable[[], object], *words: str) -> str:
    before = everything(c)
    with pytest.raises(ValidationError) as refused:
        action()
    assert everything(c) == before
    message = str(refused.value)
    assert all(word in message for word in words), message
    return message


@pytest.fixture
def c(containers, database_url: str) -> Container:
    return containers(database_url)


@pytest.mark.parametrize("case", list(HOSTILE), ids=str)
def test_a_hostile_collection_name_is_refused_by_name_and_nothing_is_stored(c: Container, case: str) -> None:
    value, words = HOSTILE[case]
    alice = sign_up(c)
    trips = c.collections.create(alice, "Trips")
    message = refuses(c, lambda: c.collections.create(alice, value), "The collection name contains", words)
    assert message.endswith("Remove them and try again.")
    refuses(c, lambda: c.collections.rename(alice, trips.id, value), "The collection name contains", words)
    assert [v.name for v in c.collections.list(alice)] == ["Trips"]


@pytest.mark.parametrize("case", ["NUL", "right-to-left override", "zero-width space", "unpaired surrogate"])
def test_a_hostile_display_name_email_reason_prompt_or_instruction_is_refused_by_name(c: Container, case: str) -> None:
    value, words = HOSTILE[case]
    alice = sign_up(c)
    admin = c.accounts.sign_in_local("admin@example.com").user
    with c.db.uow() as uow:
        uow.users.set_role_if(admin.id, "admin", "user")
        uow.commit()
    refuses(c, lambda: c.accounts.rename(alice, value), "The name contains", words)
    refuses(c, lambda: c.accounts.sign_in_local(f"bob{value}@example.com"), "The email address contains", words)
    refuses(c, lambda: c.admin.adjust_credits(admin, alice.id, 5, value, "a" * 32), "The reason contains", words)
    token = c.generation.new_token()
    refuses(c, lambda: c.generation.submit(alice, create_form(prompt=value), token), "The prompt contains", words)
    refuses(c, lambda: c.generation.submit(alice, edit_form(value), token), "The instruction contains", words)


def test_over_long_text_of_every_kind_is_refused_with_its_limit(c: Container) -> None:
    alice = sign_up(c)
    refuses(c, lambda: c.collections.create(alice, "x" * 61), "collection name is 61 characters long", "limit is 60")
    refuses(c, lambda: c.collections.create(alice, "ß" * 40), "too long once written in lower case")
    refuses(c, lambda: c.accounts.rename(alice, "x" * 81), "name is 81 characters long", "limit is 80")
    refuses(c, lambda: c.accounts.sign_in_local("a" * 320 + "@example.com"), "email address is 332 characters long")
    refuses(c, lambda: c.generation.submit(alice, create_form(prompt="x" * 2001), c.generation.new_token()), "2,001")


def test_the_limits_come_from_the_settings(containers, database_url: str) -> None:
    c = containers(database_url, max_collection_name_chars=12, max_display_name_chars=10, max_reason_chars=20)
    alice = sign_up(c)
    refuses(c, lambda: c.collections.create(alice, "Thirteen chrs"), "13 characters long; the limit is 12")
    refuses(c, lambda: c.accounts.rename(alice, "Eleven chrs"), "11 characters long; the limit is 10")
    assert c.collections.create(alice, "Twelve chars").name == "Twelve chars"


def test_text_that_passes_is_stored_tidied_and_multi_line_only_where_the_field_allows(c: Container) -> None:
    alice = sign_up(c)
    assert c.collections.create(alice, "  Summer\ttrips\n 2026 ").name == "Summer trips 2026"
    assert c.collections.create(alice, "Cafe\u0301 \U0001f431 مرحبا").name == "Café \U0001f431 مرحبا"  # NFC
    assert c.accounts.rename(alice, "Émile\r\nZoë").display_name == "Émile Zoë"
    job = c.generation.submit(alice, create_form(prompt="red sun\r\n\tover hills"), c.generation.new_token())
    assert job.prompt == "red sun\n\tover hills"


def test_a_provider_sign_in_with_a_hostile_name_signs_in_and_drops_the_name(c: Container) -> None:
    """The name is a courtesy: dropped, never mended (mending could still leave text arranged to mislead)."""
    for number, (value, _) in enumerate(HOSTILE.values()):
        user = c.accounts.resume(identity(f"sub-{number}", name=f"Mallory {value}"), CLIENT).user
        assert user.display_name == f"sub-{number}"  # what the email says before the @, as with no name at all
    user = c.accounts.resume(identity("long", name="n" * 201), CLIENT).user
    assert user.display_name == "long"
    assert c.accounts.resume(identity("kind", name="  Zoë   Q. "), CLIENT).user.display_name == "Zoë Q."


@pytest.mark.parametrize("case", ["NUL", "right-to-left override", "zero-width space", "unpaired surrogate"])
def test_a_provider_email_or_subject_that_cannot_be_stored_refuses_the_sign_in_plainly(c: Container, case: str) -> None:
    value, _ = HOSTILE[case]
    refuses(c, lambda: c.accounts.resume(identity("sub", email=f"a{value}@example.com"), CLIENT), "email address")
    refuses(c, lambda: c.accounts.resume(identity(f"sub{value}"), CLIENT), "identity Atelier cannot store")
    refuses(c, lambda: c.accounts.resume(identity("s" * 301), CLIENT), "identity Atelier cannot store")
    refuses(c, lambda: c.accounts.resume(identity("sub", email="a" * 330 + "@x.com"), CLIENT), "email address")


def test_a_hostile_avatar_address_is_dropped() -> None:
    for picture in ("https://lh3.googleusercontent.com/a\x00b", "https://lh3.googleusercontent.com/a\u202eb"):
        assert checked(identity("sub", picture=picture)).picture == ""
    good = "https://lh3.googleusercontent.com/a/photo"
    assert checked(identity("sub", picture=good)).picture == good


def test_an_admin_search_with_hostile_characters_searches_for_the_rest(c: Container) -> None:
    sign_up(c, "bob@example.com")
    admin = c.accounts.sign_in_local("admin@example.com").user
    with c.db.uow() as uow:
        uow.users.set_role_if(admin.id, "admin", "user")
        uow.commit()
    assert [r.email for r in c.admin.users(admin, "b\x00o\u202eb").items] == ["bob@example.com"]


@pytest.mark.parametrize(
    ("value", "words"),
    [("Pets\x00", "U+0000"), ("Pets\u202e", "U+202E"), ("Pe\u200bts", "U+200B"), ("x" * 61, "61 characters")],
)
def test_a_writer_that_skips_the_validator_fails_on_either_database_and_stores_nothing(
    c: Container, value: str, words: str
) -> None:
    alice = sign_up(c)
    before = everything(c)
    with pytest.raises(UncheckedTextError, match=re.escape(words)) as caught, c.db.uow() as uow:
        uow.collections.add(Collection(user_id=alice.id, name=value, name_key="pets"))
        uow.commit()
    assert "collections.name" in str(caught.value) and value not in str(caught.value)
    if "characters" not in words:  # an UPDATE statement, not a row: its characters are checked too
        with pytest.raises(UncheckedTextError, match="UPDATE"), c.db.uow() as uow:
            uow.session.execute(update(User).values(display_name=value))
    assert everything(c) == before


def test_a_row_read_with_old_text_can_still_be_updated(c: Container) -> None:
    """Text stored before the validator existed does not lock its row: only what a flush writes is checked."""
    alice = sign_up(c)
    raw = c.db.engine.raw_connection()  # as an older version wrote it, around the guard
    try:
        marker = "?" if c.db.engine.dialect.name == "sqlite" else "%s"
        raw.cursor().execute(f"UPDATE sign_ins SET browser = {marker}", ("Old\u200bBrowser",))
        raw.commit()
    finally:
        raw.close()
    with c.db.uow() as uow:
        row = uow.session.get(SignIn, 1)
        assert row is not None and row.browser == "Old\u200bBrowser" and row.user_id == alice.id
        row.os = "Linux"
        uow.commit()


def test_several_rows_written_in_one_flush_are_stored_and_each_is_checked(c: Container) -> None:
    """SQLAlchemy sends rows added together as one batched INSERT ("insertmanyvalues": one flat list of values);
    the guard read that list as rows and raised TypeError, so two consents chosen at once could not be saved."""
    alice = sign_up(c)
    with c.db.uow() as uow:
        for purpose in ("training", "analytics", "product_email"):
            uow.session.add(
                ConsentRecord(user_id=alice.id, purpose=purpose, granted=True, policy_version="1", source="t")
            )
        uow.commit()
    assert {r.purpose for r in c.of(PrivacyService).consent_history(alice)} == {
        "training",
        "analytics",
        "product_email",
    }
    with pytest.raises(UncheckedTextError, match="INSERT"), c.db.uow() as uow:
        values = [{"user_id": alice.id, "name": name, "name_key": name} for name in ("Dogs", "Pets\u202e", "Cats")]
        uow.session.execute(insert(Collection), values)
    assert [r.name for r in c.collections.list(alice)] == []


def identity(subject: str, *, email: str = "", name: str = "", picture: str = "") -> Identity:
    issued = datetime.now(UTC)
    return Identity(
        issuer="https://idp.example.test",
        subject=subject,
        email=email or f"{subject}@example.com",
        email_verified=True,
        name=name,
        picture=picture,
        issued_at=issued,
        session_key=session_key("https://idp.example.test", subject, issued.isoformat()),
    )
