"""PolicyService: which version of each policy document is in force and which is coming, publishing a version
(a material change only with POLICY_NOTICE_DAYS' notice), announcing it to every user by email in batches, the
notice above every page and users' acknowledgements.

A document's version in force is its newest publication whose effective date has come; before any publication
it is the document's oldest file, in force from the date the file gives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from core.clock import Clock
from core.domain import UserView
from core.domain.email import MessageKind
from core.domain.policies import PRIVACY_POLICY, DiffLine, PolicyLibrary, PolicyText, diff, earliest_effective, start_of
from core.errors import NotFoundError, ValidationError
from core.services import audit
from core.services.email_outbox import enqueue
from core.services.policies_views import Acknowledgement, DocumentStatus, PolicyNotice, Published, VersionView
from core.services.roles import require_admin
from db.repositories.policies import PolicyRepository
from db.tables import PolicyAcknowledgement, PolicyPublication
from db.uow import Database

BATCH = 500  # users emailed per transaction
INLINE_BATCHES = 4  # publishing emails this many batches at once; the worker emails the rest
NOTICE_AFTER_DAYS = 14  # the banner stays this long after the change took effect, for those who missed it


class PolicyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        library: PolicyLibrary,
        *,
        notice_days: int,
        batch: int = BATCH,
    ) -> None:
        self.db, self.clock, self.library = db, clock, library
        self.notice_days, self.batch = notice_days, batch

    # Versions -----------------------------------------------------------------------------------------------

    def current_version(self, document: str = PRIVACY_POLICY) -> str:
        """The version in force now: what a consent given now is recorded under."""
        return self.status(document).current.version

    def documents(self) -> list[DocumentStatus]:
        with self.db.reader() as uow:
            repo = uow.of(PolicyRepository)
            rows, counts = repo.publications(), repo.acknowledgement_counts()
        return [self._status(name, rows, counts) for name in self.library.documents]

    def status(self, document: str) -> DocumentStatus:
        with self.db.reader() as uow:
            rows = uow.of(PolicyRepository).publications()
        return self._status(document, rows, {})

    def changes(self, document: str, version: str) -> list[DiffLine]:
        """What `version` changes in the version in force now, line by line."""
        new = self._file(document, version)
        return diff(self.status(document).current.policy.text, new.text)

    def earliest(self, material: bool) -> date:
        """The first effective date a change published now may have."""
        return earliest_effective(self.clock(), self.notice_days, material)

    # Publishing and the announcement --------------------------------------------------------------------------

    def publish(self, actor: UserView, document: str, version: str, effective: date) -> Published:
        """Publish a version to take effect at 00:00 UTC of `effective`, and email its announcement when it is a
        material change. A material change needs POLICY_NOTICE_DAYS' notice; the refusal names the earliest date."""
        policy = self._file(document, version)
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor)
            self._check_effective(policy, effective, now)
            repo = uow.of(PolicyRepository)
            if version == self.library.baseline(document).version or not repo.publish_once(
                PolicyPublication(
                    document=document,
                    version=version,
                    announced_at=now,
                    effective_at=start_of(effective),
                    material=policy.material,
                    published_by=actor.id,
                )
            ):
                raise ValidationError(f"{policy.title} {version} is published already.")
            audit.record(
                uow, now, actor.id, "policy.published", f"policy:{document}:{version}",
                effective=effective.isoformat(), material=policy.material,
            )  # fmt: skip
            rows = repo.publications()
            uow.commit()
        publication = next(r for r in rows if r.document == document and r.version == version)
        assert publication.id is not None
        emailed, announcing = self.announce(publication.id, INLINE_BATCHES) if policy.material else (0, False)
        return Published(self._view(policy, publication, {}), emailed, announcing)

    def announce(self, publication_id: int, max_batches: int | None = None) -> tuple[int, bool]:
        """Queue the announcement to every user not reached yet, one batch per transaction, recording how far it
        got with each; (emails queued, whether users are left). A rerun, or two at once, queues nothing twice."""
        queued, batches = 0, 0
        while max_batches is None or batches < max_batches:
            with self.db.uow() as uow:
                repo = uow.of(PolicyRepository)
                row = repo.publication(publication_id)
                if row is None or row.announcement_done_at is not None:
                    return queued, False
                people = repo.people_after(row.announced_to, self.batch)
                facts = self._facts(row)
                now = self.clock()
                for user_id in people:
                    key = f"policy_change:{row.document}:{row.version}:{user_id}"
                    queued += enqueue(uow, user_id, MessageKind.POLICY_CHANGE, now, facts, key=key)
                done = now if len(people) < self.batch else None
                if not repo.advance_announcement(publication_id, people[-1] if people else row.announced_to,
                                                 row.announced_to, done):  # fmt: skip
                    return queued, True  # another run is at it
                uow.commit()
            batches += 1
            if done is not None:
                return queued, False
        return queued, True

    def announce_pending(self) -> int:
        """The worker's task: finish every announcement that publishing (or a crash) left unfinished."""
        with self.db.reader() as uow:
            pending = uow.of(PolicyRepository).unfinished_announcements()
        return sum(self.announce(publication_id)[0] for publication_id in pending)

    # The notice and acknowledgements ---------------------------------------------------------------------------

    def notices(self, user: UserView) -> list[PolicyNotice]:
        """The announced material changes the user has not said OK to, from the announcement until
        NOTICE_AFTER_DAYS after the change took effect."""
        now = self.clock()
        with self.db.reader() as uow:
            repo = uow.of(PolicyRepository)
            rows = repo.publications()
            seen = {(a.document, a.version) for a in repo.acknowledgements(user.id)}
        shown: list[PolicyNotice] = []
        for row in rows:
            policy = self.library.find(row.document, row.version)
            if policy is None or not row.material or (row.document, row.version) in seen:
                continue
            if _utc(row.announced_at) <= now < _utc(row.effective_at) + timedelta(days=NOTICE_AFTER_DAYS):
                effective = _utc(row.effective_at).date()
                shown.append(
                    PolicyNotice(
                        row.document, policy.title, row.version, effective, policy.summary, effective <= now.date()
                    )
                )
        return shown

    def acknowledge(self, user: UserView, document: str, version: str) -> bool:
        """Record that the user read the announcement of a published version; False if they had already."""
        with self.db.uow() as uow:
            repo = uow.of(PolicyRepository)
            if not any(r.document == document and r.version == version for r in repo.publications()):
                raise NotFoundError("That policy version was not published.")
            added = repo.acknowledge_once(
                PolicyAcknowledgement(user_id=user.id, document=document, version=version, acknowledged_at=self.clock())
            )
            uow.commit()
        return added

    def acknowledgements(self, user: UserView) -> list[Acknowledgement]:
        with self.db.reader() as uow:
            rows = uow.of(PolicyRepository).acknowledgements(user.id)
        return [Acknowledgement(self._title(r.document), r.version, _utc(r.acknowledged_at)) for r in rows]

    # Helpers ---------------------------------------------------------------------------------------------------

    def _status(
        self, document: str, rows: Sequence[PolicyPublication], counts: dict[tuple[str, str], int]
    ) -> DocumentStatus:
        if not self.library.versions(document):
            raise NotFoundError(f"There is no policy document {document!r}.")
        now = self.clock()
        baseline = self.library.baseline(document)
        current = VersionView(baseline, baseline.effective, acknowledged=counts.get((document, baseline.version), 0))
        upcoming: list[VersionView] = []
        for row in (r for r in rows if r.document == document):
            policy = self.library.find(document, row.version)
            if policy is None:
                continue  # a file removed after it was published: what was published stays in the table
            view = self._view(policy, row, counts)
            if _utc(row.effective_at) <= now:
                current = view
            else:
                upcoming.append(view)
        published = {r.version for r in rows if r.document == document} | {baseline.version}
        drafts = tuple(p for p in self.library.versions(document) if p.version not in published)
        return DocumentStatus(document, baseline.title, current, tuple(upcoming), drafts)

    def _view(self, policy: PolicyText, row: PolicyPublication, counts: dict[tuple[str, str], int]) -> VersionView:
        return VersionView(
            policy,
            _utc(row.effective_at).date(),
            _utc(row.announced_at),
            counts.get((row.document, row.version), 0),
            row.material and row.announcement_done_at is None,
        )

    def _file(self, document: str, version: str) -> PolicyText:
        found = self.library.find(document, version)
        if found is None:
            raise NotFoundError(f"There is no file for version {version} of {document} in the policies folder.")
        return found

    def _title(self, document: str) -> str:
        versions = self.library.versions(document)
        return versions[-1].title if versions else document

    def _check_effective(self, policy: PolicyText, effective: date, now: datetime) -> None:
        earliest = earliest_effective(now, self.notice_days, policy.material)
        if effective >= earliest:
            return
        if policy.material:
            raise ValidationError(
                f"A material change needs at least {self.notice_days} days' notice: the earliest effective date "
                f"for {policy.title} {policy.version} published today is {long_date(earliest)}."
            )
        raise ValidationError(f"A change cannot take effect in the past: the earliest date is {long_date(earliest)}.")

    def _facts(self, row: PolicyPublication) -> dict[str, str]:
        policy = self._file(row.document, row.version)
        summary = policy.summary.strip()
        return {
            "document": policy.title.lower(),
            "version": row.version,
            "effective": long_date(_utc(row.effective_at).date()),
            "summary": summary,
        }


def long_date(day: date) -> str:
    """1 February 2027: the way the emails and pages say a date."""
    return f"{day.day} {day:%B %Y}"


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive times (stored as UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
