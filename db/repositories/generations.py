"""Generation jobs: every write is a conditional UPDATE from the job state machine, or a lease."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, case, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from core import job_states
from core.domain.generation import Origin
from core.job_states import Transition
from db.repositories.base import Repository
from db.tables import Generation, GenerationInput, Image

IN_FLIGHT = [status.value for status in job_states.IN_FLIGHT]
LAB = Origin.LAB.value


class JobFacts(NamedTuple):
    prompt: str
    num_images: int
    model: str
    kind: str


class GenerationRepository(Repository):
    def get(self, generation_id: str) -> Generation | None:
        return self.session.get(Generation, generation_id)

    def get_for_user(self, user_id: int, generation_id: str) -> Generation | None:
        query = select(Generation).where(Generation.id == generation_id, Generation.user_id == user_id)
        return self.session.exec(query).first()

    def recent_for_user(self, user_id: int, limit: int) -> Sequence[Generation]:
        """The user's latest jobs, newest first (the Generate page's results feed)."""
        query = select(Generation).where(Generation.user_id == user_id, Generation.origin != LAB)
        query = query.order_by(col(Generation.created_at).desc(), col(Generation.id).desc()).limit(limit)
        return self.session.exec(query).all()

    def in_flight_for_user(self, user_id: int) -> Sequence[Generation]:
        """The user's studio jobs still making images, newest first: the gallery shows a place for each image (an
        experiment's cells show in the lab, and in the gallery once made)."""
        query = select(Generation).where(
            Generation.user_id == user_id, col(Generation.status).in_(IN_FLIGHT), Generation.origin != LAB
        )
        return self.session.exec(query.order_by(col(Generation.created_at).desc(), col(Generation.id))).all()

    def count_in_flight(self, user_id: int) -> int:
        """How many of the user's studio jobs are queued or running (the limit of jobs one person has in flight; an
        experiment's cells are bounded by LAB_MAX_CELLS instead)."""
        query = sa_select(func.count()).where(
            col(Generation.user_id) == user_id, col(Generation.status).in_(IN_FLIGHT), col(Generation.origin) != LAB
        )
        return int(self.session.execute(query).scalar_one())

    def job_facts(self, user_id: int, generation_ids: set[str]) -> dict[str, JobFacts]:
        """For each of the user's jobs named: its prompt, how many images it asked for, its model and kind
        (for alt text, "image 2 of 4", search highlights and the history table)."""
        if not generation_ids:
            return {}
        columns = [col(c) for c in (Generation.id, Generation.prompt, Generation.model, Generation.kind)]
        query = sa_select(*columns, col(Generation.num_images)).where(
            col(Generation.user_id) == user_id, col(Generation.id).in_(generation_ids)
        )
        rows = self.session.execute(query).all()
        return {gid: JobFacts(prompt, count, model, kind) for gid, prompt, model, kind, count in rows}

    def add(self, generation: Generation, input_image_ids: Sequence[int] = ()) -> None:
        self.session.add(generation)
        self.session.flush()
        for position, image_id in enumerate(input_image_ids):
            self.session.add(GenerationInput(generation_id=generation.id, position=position, image_id=image_id))
        self.session.flush()

    def input_ids(self, generation_ids: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """The images each job started from, in order (an empty tuple for a job made from a prompt alone)."""
        found: dict[str, list[int]] = {gid: [] for gid in generation_ids}
        if generation_ids:
            query = select(GenerationInput).where(col(GenerationInput.generation_id).in_(generation_ids))
            for row in self.session.exec(query.order_by(col(GenerationInput.position))).all():
                found[row.generation_id].append(row.image_id)
        return {gid: tuple(ids) for gid, ids in found.items()}

    def made_from(self, user_id: int, image_id: int, limit: int) -> Sequence[Image]:
        """The user's images made from this one (its edits and combinations), oldest first."""
        query = (
            select(Image)
            .join(GenerationInput, col(GenerationInput.generation_id) == col(Image.generation_id))
            .where(GenerationInput.image_id == image_id, Image.user_id == user_id)
            .order_by(col(Image.id))
            .limit(limit)
        )
        return self.session.exec(query).all()

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

    def claim_batch(
        self, owner: str, now: datetime, until: datetime, limit: int, *, due_only: bool = True
    ) -> list[str]:
        """Take the leases of up to `limit` jobs in flight that nobody holds, oldest first; their ids.

        One statement (UPDATE … RETURNING). On PostgreSQL its rows are picked FOR UPDATE SKIP LOCKED, so workers
        claiming at the same moment each get different jobs instead of queueing on one another; SQLite's write lock
        (BEGIN IMMEDIATE) serialises them. The UPDATE repeats the lease condition, so a job claimed meanwhile by
        `claim` is never taken twice.
        `due_only=False` also takes jobs nobody holds that wait out their pause between looks (a sweep)."""
        free = _lease_free(now) if due_only else or_(_lease_free(now), col(Generation.lease_owner).is_(None))
        oldest = (
            select(Generation.id)
            .where(col(Generation.status).in_(IN_FLIGHT), free)
            # Studio jobs first: a person waiting at Generate never queues behind an experiment's 64 cells.
            .order_by(case((col(Generation.origin) == LAB, 1), else_=0), col(Generation.created_at), col(Generation.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(Generation)
            .where(col(Generation.id).in_(oldest.scalar_subquery()), col(Generation.status).in_(IN_FLIGHT), free)
            .values(lease_owner=owner, lease_until=until)
            .returning(col(Generation.id))
        )
        return list(self.session.execute(statement.execution_options(synchronize_session=False)).scalars())

    def release(self, generation_id: str, owner: str, not_before: datetime | None = None) -> None:
        """Give the lease back; `not_before` keeps the job from being claimed again until then (a job the engine
        is still working on is looked at once per interval, however often the workers are woken)."""
        self._update(
            [col(Generation.id) == generation_id, col(Generation.lease_owner) == owner],
            {"lease_owner": None, "lease_until": not_before},
        )

    def wake(self, generation_id: str) -> bool:
        """Make a job nobody is working on claimable now (fal's webhook says it ended: no need to wait)."""
        return self._update(
            [
                col(Generation.id) == generation_id,
                col(Generation.status).in_(IN_FLIGHT),
                col(Generation.lease_owner).is_(None),
            ],
            {"lease_until": None},
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
