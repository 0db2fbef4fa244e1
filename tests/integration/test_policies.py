"""Policy versions on SQLite and PostgreSQL, under a frozen clock: the 30-day notice of a material change (refused
with the earliest date, accepted on it exactly, across daylight saving and 29 February 2028); the version in force
switching at the effective date, and consents recorded under it; the announcement emailed once to every user, in
batches, resumed after a crash and harmless to rerun; the notice until the user says OK; publishing audited and
for admins only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import col, select, update

from core.bootstrap import Container
from core.domain import UserView
from core.domain.email import MessageKind
from core.domain.policies import PRIVACY_POLICY, load_policies
from core.domain.privacy import Purpose
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.services.policies import PolicyService
from core.services.privacy import PrivacyService
from db.repositories.policies import PolicyRepository
from db.tables import AuditEntry, ConsentRecord, OutboxMessage, PolicyPublication
from tests.factories import sign_up
from tests.policy_support import library_folder

ADMIN = "admin@example.com"
DRAFT, TYPO = "2027-02-01", "2027-02-01.1"
START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def studio(containers: Callable[..., Container], database_url: str, tmp_path: Path) -> tuple[Container, UserView]:
    c = containers(database_url, admin_emails=ADMIN, policies_dir=library_folder(tmp_path / "policies"))
    return c, sign_up(c, ADMIN)


def policy_emails(c: Container) -> list[OutboxMessage]:
    with c.db.reader() as uow:
        query = select(OutboxMessage).where(OutboxMessage.kind == MessageKind.POLICY_CHANGE.value)
        return list(uow.session.exec(query.order_by(col(OutboxMessage.id))).all())


@pytest.mark.parametrize(
    ("announced", "earliest", "said"),
    [
        (datetime(2027, 3, 27, 23, 30, tzinfo=ZoneInfo("Europe/Berlin")), date(2027, 4, 26), "26 April 2027"),
        (datetime(2027, 11, 6, 22, 30, tzinfo=ZoneInfo("America/New_York")), date(2027, 12, 7), "7 December 2027"),
        (datetime(2028, 1, 30, 8, 0, tzinfo=UTC), date(2028, 2, 29), "29 February 2028"),
    ],
)
def test_a_material_change_with_less_than_30_days_notice_is_refused_naming_the_earliest_date_and_accepted_on_it(
    containers, database_url, tmp_path: Path, announced: datetime, earliest: date, said: str
) -> None:
    c, admin = studio(containers, database_url, tmp_path)
    policies = c.of(PolicyService)
    with time_machine.travel(announced, tick=False):
        assert policies.earliest(material=True) == earliest
        with pytest.raises(ValidationError) as refused:
            policies.publish(admin, PRIVACY_POLICY, DRAFT, date.fromordinal(earliest.toordinal() - 1))
        assert f"the earliest effective date for Privacy policy {DRAFT} published today is {said}" in str(refused.value)
        assert policies.status(PRIVACY_POLICY).upcoming == ()
        published = policies.publish(admin, PRIVACY_POLICY, DRAFT, earliest)
    assert published.view.effective == earliest
    assert [v.version for v in policies.status(PRIVACY_POLICY).upcoming] == [DRAFT]


def test_a_correction_that_is_not_material_may_take_effect_today_and_emails_nobody(
    containers, database_url, tmp_path: Path
) -> None:
    c, admin = studio(containers, database_url, tmp_path)
    sign_up(c, "bob@example.com")
    policies = c.of(PolicyService)
    with time_machine.travel(START, tick=False):
        with pytest.raises(ValidationError, match="cannot take effect in the past: the earliest date is 10 December"):
            policies.publish(admin, PRIVACY_POLICY, TYPO, date(2026, 12, 9))
        done = policies.publish(admin, PRIVACY_POLICY, TYPO, date(2026, 12, 10))
        assert done.emailed == 0 and policies.current_version() == TYPO
        assert policies.notices(admin) == []
    assert policy_emails(c) == []


def test_the_new_version_is_in_force_from_its_effective_date_and_consents_are_recorded_under_it(
    containers, database_url, tmp_path: Path
) -> None:
    c, admin = studio(containers, database_url, tmp_path)
    alice = sign_up(c)
    policies, privacy = c.of(PolicyService), c.of(PrivacyService)
    assert policies.current_version() == "2026-12-01"  # no publication yet: the oldest file is in force
    with time_machine.travel(START, tick=False):
        policies.publish(admin, PRIVACY_POLICY, DRAFT, date(2027, 2, 1))
        privacy.set_choice(alice, Purpose.ANALYTICS, True)
    with time_machine.travel(datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC), tick=False):
        status = policies.status(PRIVACY_POLICY)
        assert (status.current.version, [v.version for v in status.upcoming]) == ("2026-12-01", [DRAFT])
        assert [line.text for line in policies.changes(PRIVACY_POLICY, DRAFT) if line.sign == "+"] == [
            "Your images are stored encrypted.",
            "",
        ]
    with time_machine.travel(datetime(2027, 2, 1, 0, 0, tzinfo=UTC), tick=False):
        status = policies.status(PRIVACY_POLICY)
        assert (status.current.version, status.upcoming) == (DRAFT, ())
        assert [d.version for d in status.drafts] == [TYPO]
        privacy.set_choice(alice, Purpose.ANALYTICS, False)
    with c.db.reader() as uow:
        rows = uow.session.exec(select(ConsentRecord).where(ConsentRecord.user_id == alice.id)).all()
        assert [r.policy_version for r in sorted(rows, key=lambda r: r.id or 0)] == ["2026-12-01", DRAFT]


def test_publishing_a_material_change_emails_every_user_once_in_batches_resumed_after_a_crash(
    containers, database_url, tmp_path: Path
) -> None:
    c, admin = studio(containers, database_url, tmp_path)
    users = [admin, *(sign_up(c, f"user{i}@example.com") for i in range(6))]
    c.of(PrivacyService).set_choice(users[1], Purpose.RESTRICTION, True)  # a legal message is sent all the same
    batched = PolicyService(c.db, c.clock, load_policies(c.settings.policies_dir), notice_days=30, batch=2)
    with time_machine.travel(START, tick=False):
        done = batched.publish(admin, PRIVACY_POLICY, DRAFT, date(2027, 2, 1))
        assert (done.emailed, done.announcing) == (7, False)
        assert batched.announce_pending() == 0  # finished: the loop has nothing to do
        with c.db.uow() as uow:  # as if the announcement had crashed after its first batch
            uow.session.execute(update(PolicyPublication).values(announced_to=users[1].id, announcement_done_at=None))
            uow.commit()
        assert batched.announce_pending() == 0  # the same keys: nobody is emailed twice
    emails = policy_emails(c)
    assert sorted(m.user_id or 0 for m in emails) == sorted(u.id for u in users)
    first = emails[0]
    assert first.subject == "Our privacy policy changes on 1 February 2027"
    assert "Images are stored encrypted." in first.body and "required by law" in first.body
    with c.db.reader() as uow:
        row = uow.session.exec(select(PolicyPublication)).one()
        assert row.announced_to == users[-1].id and row.announcement_done_at is not None


def test_an_announcement_cut_short_is_finished_by_the_background_task(containers, database_url, tmp_path: Path) -> None:
    c, admin = studio(containers, database_url, tmp_path)
    users = [admin, *(sign_up(c, f"user{i}@example.com") for i in range(4))]
    batched = PolicyService(c.db, c.clock, load_policies(c.settings.policies_dir), notice_days=30, batch=2)
    with time_machine.travel(START, tick=False):
        batched.publish(admin, PRIVACY_POLICY, DRAFT, date(2027, 2, 1))
        with c.db.reader() as uow:
            publication = uow.session.exec(select(PolicyPublication)).one().id
        assert publication is not None
        with c.db.uow() as uow:
            uow.session.execute(update(PolicyPublication).values(announced_to=0, announcement_done_at=None))
            uow.session.execute(update(OutboxMessage).values(key=OutboxMessage.key + ":old"))
            uow.commit()
        assert batched.announce(publication, max_batches=1) == (2, True)
        assert [v.announcing for v in batched.status(PRIVACY_POLICY).upcoming] == [True]
        assert batched.announce_pending() == 3
        assert [v.announcing for v in batched.status(PRIVACY_POLICY).upcoming] == [False]
    assert len(policy_emails(c)) == 2 * len(users)


def test_the_notice_shows_from_the_announcement_until_the_user_says_ok(containers, database_url, tmp_path) -> None:
    c, admin = studio(containers, database_url, tmp_path)
    alice = sign_up(c)
    policies = c.of(PolicyService)
    with time_machine.travel(START, tick=False):
        assert policies.notices(alice) == []
        policies.publish(admin, PRIVACY_POLICY, DRAFT, date(2027, 2, 1))
        [notice] = policies.notices(alice)
        assert (notice.title, notice.effective, notice.in_effect) == ("Privacy policy", date(2027, 2, 1), False)
        assert policies.acknowledge(alice, PRIVACY_POLICY, DRAFT) is True
        assert policies.acknowledge(alice, PRIVACY_POLICY, DRAFT) is False  # a second OK records nothing
        assert policies.notices(alice) == []
        [seen] = policies.acknowledgements(alice)
        assert (seen.title, seen.version, seen.at) == ("Privacy policy", DRAFT, START)
        with pytest.raises(NotFoundError):
            policies.acknowledge(alice, PRIVACY_POLICY, TYPO)  # not published
        assert [(s.document, s.current.acknowledged) for s in policies.documents()] == [(PRIVACY_POLICY, 0)]
        assert policies.documents()[0].upcoming[0].acknowledged == 1
    with time_machine.travel(datetime(2027, 2, 10, tzinfo=UTC), tick=False):
        [late] = policies.notices(admin)  # in effect, and the admin never said OK: still shown for a while
        assert late.in_effect
    with time_machine.travel(datetime(2027, 2, 15, tzinfo=UTC), tick=False):
        assert policies.notices(admin) == []


def test_only_an_admin_publishes_each_version_once_and_it_is_audited(containers, database_url, tmp_path) -> None:
    c, admin = studio(containers, database_url, tmp_path)
    alice = sign_up(c)
    policies = c.of(PolicyService)
    with time_machine.travel(START, tick=False):
        with pytest.raises(PermissionDeniedError):
            policies.publish(alice, PRIVACY_POLICY, DRAFT, date(2027, 2, 1))
        policies.publish(admin, PRIVACY_POLICY, DRAFT, date(2027, 2, 1))
        with pytest.raises(ValidationError, match="published already"):
            policies.publish(admin, PRIVACY_POLICY, DRAFT, date(2027, 3, 1))
        with pytest.raises(ValidationError, match="published already"):
            policies.publish(admin, PRIVACY_POLICY, "2026-12-01", date(2027, 3, 1))
        with pytest.raises(NotFoundError):
            policies.publish(admin, PRIVACY_POLICY, "2030-01-01", date(2030, 3, 1))
    with c.db.reader() as uow:
        [entry] = uow.session.exec(select(AuditEntry).where(AuditEntry.action == "policy.published")).all()
        assert (entry.actor_id, entry.subject) == (admin.id, f"policy:{PRIVACY_POLICY}:{DRAFT}")
        assert uow.of(PolicyRepository).forget_publisher(admin.id) == 1
