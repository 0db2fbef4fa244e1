"""The audit log as the admin's page reads it, on both databases: subjects by their user's current email (one
that is gone says so), details as key: value pairs; the stored row and the CSV keep the ids and the JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from core.domain import AuditFilter, Role
from db.tables import AuditEntry
from tests.factories import sign_up

ADMIN = "admin@example.com"


def test_each_entry_shows_its_subject_by_email_and_its_details_as_pairs(containers, database_url: str) -> None:
    c = containers(database_url, admin_emails=ADMIN)
    admin = sign_up(c, ADMIN)
    bob = sign_up(c, "bob@example.com")
    c.admin.adjust_credits(admin, bob.id, 5, 'Goodwill, "quoted"', "goodwill")
    c.admin.set_role(admin, bob.id, Role.TEAM)
    with c.db.uow() as uow:
        uow.audit.add(
            AuditEntry(
                created_at=datetime.now(UTC),
                actor_id=None,
                action="credits.adjusted",
                subject="user:424242",
                details='{"amount": -3, "filters": {}, "by": {"job": 7}}',
            )
        )
        uow.audit.add(
            AuditEntry(created_at=datetime.now(UTC), actor_id=None, action="x", subject="audit_log", details="[1]")
        )
        uow.commit()

    entries = c.admin.audit_log(admin, AuditFilter()).items

    assert [(e.action, e.subject_shown, e.details_shown) for e in entries] == [
        ("x", "audit_log", (("details", "1"),)),
        ("credits.adjusted", "user #424242 (deleted)", (("amount", "-3"), ("filters", "none"), ("by.job", "7"))),
        ("role.changed", "bob@example.com", (("new", "team"), ("old", "user"))),
        ("credits.adjusted", "bob@example.com", (("amount", "5"), ("reason", 'Goodwill, "quoted"'))),
        ("role.changed", ADMIN, (("by", "ADMIN_EMAILS"), ("new", "admin"), ("old", "user"))),
    ]
    assert [e.subject for e in entries][2:] == [f"user:{bob.id}", f"user:{bob.id}", f"user:{admin.id}"]
    assert json.loads(entries[3].details) == {"amount": 5, "reason": 'Goodwill, "quoted"'}

    exported = list(csv.reader(io.StringIO(c.admin.audit_csv(admin, AuditFilter()).decode("utf-8-sig"))))
    assert [row[3] for row in exported[1:]][2:] == [f"user:{bob.id}", f"user:{bob.id}", f"user:{admin.id}"]
    assert json.loads(exported[4][4]) == {"amount": 5, "reason": 'Goodwill, "quoted"'}


def test_a_subject_shows_the_users_email_as_it_is_now(containers, database_url: str) -> None:
    c = containers(database_url, admin_emails=ADMIN)
    admin = sign_up(c, ADMIN)
    bob = sign_up(c, "bob@example.com")
    c.admin.set_role(admin, bob.id, Role.TEAM)
    with c.db.uow() as uow:
        row = uow.users.get(bob.id)
        assert row is not None
        row.email = "robert@example.com"  # as a changed address at the provider would
        uow.commit()
    [entry] = c.admin.audit_log(admin, AuditFilter(action="role.changed", actor_id=admin.id)).items
    assert entry.subject_shown == "robert@example.com"
