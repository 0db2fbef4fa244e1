"""AdminService: the admin console's rules. Every method checks the acting user's role itself, in the
same transaction as what it does, so a page that forgot its guard is still refused, and every
change is written to the audit log together with the change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from core.clock import Clock
from core.csv_safe import to_csv
from core.domain import AdminUserRow, AuditEntryView, AuditFilter, Page, Role, UserView, keyset_page
from core.errors import NotFoundError, ValidationError
from core.services import audit, ledger
from core.services.admin_views import admin_user_row
from core.services.audit_views import shown, subject_user_ids
from core.services.roles import require_admin
from core.stored_text import REASON_COLUMN, character_kind, reason_rule
from db.repositories import AuditQuery
from db.repositories.personal_rows import PersonalRowRepository
from db.tables import AuditEntry
from db.uow import Database

MAX_ADJUSTMENT = 1_000_000
MAX_SEARCH_CHARS = 200
AUDIT_CSV_HEADER = ("time_utc", "actor", "action", "subject", "details")
AUDIT_EXPORT_LIMIT = 100_000


class AdminService:
    user_page_size = 25
    audit_page_size = 50

    def __init__(self, db: Database, clock: Clock, *, max_reason_chars: int = REASON_COLUMN) -> None:
        self.db, self.clock = db, clock
        self.max_reason_chars = max_reason_chars

    def users(
        self, actor: UserView, search: str = "", after_id: int | None = None, *, audited: bool = True
    ) -> Page[AdminUserRow]:
        """Users whose email or name contains `search`, oldest account first; `after_id` is the cursor.

        The list shows other people's addresses, so it is a staff read and is audited ("users.searched", with
        the number of results and the search's length, never its text: it may be an address). The page asks
        for the audit once per search it shows (`audited`), not on every rerun of the same one."""
        with self.db.uow() if audited else self.db.reader() as uow:
            require_admin(uow, actor)
            text = search_text(search)
            rows = list(uow.users.search(text, after_id, self.user_page_size + 1))
            total = uow.users.count_matching(text)
            if audited:
                audit.record(
                    uow, self.clock(), actor.id, "users.searched", "users", results=total, query_chars=len(text)
                )
                uow.commit()
        return keyset_page([admin_user_row(r.user, r.image_count) for r in rows], self.user_page_size, total)

    def user(self, actor: UserView, user_id: int, *, audited: bool = True) -> AdminUserRow:
        """One user as the console shows them to manage: a staff read, audited ("user.viewed") when `audited`."""
        with self.db.uow() if audited else self.db.reader() as uow:
            require_admin(uow, actor)
            found = uow.users.get(user_id)
            if found is None:
                raise NotFoundError("No such user.")
            images = uow.of(PersonalRowRepository).count("images", ("user_id",), user_id)
            if audited:
                audit.record(uow, self.clock(), actor.id, "user.viewed", f"user:{user_id}")
                uow.commit()
        return admin_user_row(found, images)

    def set_role(self, actor: UserView, user_id: int, role: Role) -> None:
        with self.db.uow() as uow:
            require_admin(uow, actor)
            target = uow.users.get(user_id)
            if target is None:
                raise NotFoundError("No such user.")
            old = Role(target.role)
            if old == role:
                return
            if old == Role.ADMIN and uow.users.count_with_role(Role.ADMIN.value) <= 1:
                raise ValidationError("This is the last admin. Make someone else an admin first.")
            if not uow.users.set_role_if(user_id, role.value, old.value):
                raise ValidationError("Someone changed this user's role a moment ago. Reload and try again.")
            audit.record(uow, self.clock(), actor.id, "role.changed", f"user:{user_id}", old=old.value, new=role.value)
            uow.commit()

    def adjust_credits(self, actor: UserView, user_id: int, amount: int, reason: str, token: str) -> bool:
        """Grant (amount > 0) or deduct (amount < 0) credits with a reason. Once per form token: False on a repeat."""
        with self.db.uow() as uow:
            require_admin(uow, actor)  # first: a non-admin learns nothing, not even about their input
            if amount == 0 or abs(amount) > MAX_ADJUSTMENT:
                raise ValidationError(f"Enter an amount from 1 to {MAX_ADJUSTMENT:,}, negative to deduct.")
            reason = reason_rule(self.max_reason_chars).clean(reason)
            if uow.users.get(user_id) is None:
                raise NotFoundError("No such user.")
            if not ledger.adjust(uow, user_id, amount, reason, f"adjust:{token}", actor.id):
                return False  # this token already adjusted, perhaps a moment ago in a racing click
            audit.record(
                uow, self.clock(), actor.id, "credits.adjusted", f"user:{user_id}", amount=amount, reason=reason
            )
            uow.commit()
        return True

    def audit_log(self, actor: UserView, filters: AuditFilter, before_id: int | None = None) -> Page[AuditEntryView]:
        with self.db.reader() as uow:
            require_admin(uow, actor)
            rows = list(uow.audit.page(_query(filters), before_id, self.audit_page_size + 1))
            total = uow.audit.count(_query(filters))
            emails = uow.users.emails(subject_user_ids(entry.subject for entry, _ in rows))
        views = [shown(_entry_view(entry, email), emails) for entry, email in rows]
        return keyset_page(views, self.audit_page_size, total)

    def audit_filters(self, actor: UserView) -> tuple[list[tuple[int, str]], list[str]]:
        """The actors (id, email) and the actions that occur in the log, for the filter menus."""
        with self.db.reader() as uow:
            require_admin(uow, actor)
            return uow.audit.actors(), uow.audit.actions()

    def audit_csv(self, actor: UserView, filters: AuditFilter) -> bytes:
        """The filtered log as CSV (newest first). The export itself is audited, in the same transaction."""
        with self.db.uow() as uow:
            require_admin(uow, actor)
            rows = uow.audit.page(_query(filters), None, AUDIT_EXPORT_LIMIT)
            views = [_entry_view(entry, email) for entry, email in rows]
            audit.record(
                uow,
                self.clock(),
                actor.id,
                "audit.exported",
                "audit_log",
                rows=len(views),
                filters=_filter_details(filters),
            )
            uow.commit()
        return to_csv(
            AUDIT_CSV_HEADER,
            ([v.created_at.strftime("%Y-%m-%d %H:%M:%S"), v.actor, v.action, v.subject, v.details] for v in views),
        )


def search_text(search: str) -> str:
    """What a search box's text can match: characters no stored text holds (core.stored_text) are dropped,
    so a pasted NUL or direction mark searches for the rest instead of failing the query."""
    kept = "".join(c for c in search if character_kind(c, multiline=False) is None)
    return " ".join(kept.split())[:MAX_SEARCH_CHARS]


def _query(filters: AuditFilter) -> AuditQuery:
    def start(day: date | None) -> datetime | None:
        return datetime.combine(day, time.min, UTC) if day is not None else None

    until = start(filters.until)
    return AuditQuery(
        actor_id=filters.actor_id,
        action=filters.action,
        since=start(filters.since),
        until=until + timedelta(days=1) if until is not None else None,
    )


def _filter_details(filters: AuditFilter) -> dict[str, object]:
    return {
        key: str(value)
        for key, value in (
            ("actor_id", filters.actor_id),
            ("action", filters.action),
            ("since", filters.since),
            ("until", filters.until),
        )
        if value
    }


def _entry_view(entry: AuditEntry, actor_email: str | None) -> AuditEntryView:
    assert entry.id is not None
    if entry.actor_id is None:
        actor = "system"
    else:
        actor = actor_email or f"user #{entry.actor_id} (deleted)"
    return AuditEntryView(entry.id, entry.created_at, actor, entry.action, entry.subject, entry.details)
