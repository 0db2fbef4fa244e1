"""The rows an account's erasure treats one by one: the tombstone account kept rows move to, the ledger, orders
and plans tax law keeps (moved, so nothing names the person), payment events emptied, the job rows with what they point at, and the erasure's own privacy request set apart."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.payment_payloads import empty_payloads
from db.tables import (
    Collection,
    CollectionImage,
    Generation,
    GenerationInput,
    Image,
    LedgerEntry,
    Order,
    PaymentEventRecord,
    Plan,
    PrivacyRequest,
    User,
)

ERASED_ISSUER = "erased"  # no identity provider has this issuer: a tombstone can never sign in
ERASED_ROLE = "erased"
TAX_KINDS = ("purchase", "clawback", "reinstate")  # ledger rows of a payment: kept for tax law


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class ErasureRowRepository(Repository):
    # -- the tombstone ---------------------------------------------------------------------------------------
    def tombstone(self, reference: str) -> int:
        """The account with no personal data that the erasure `reference` moves kept rows to (made once)."""
        query = select(User).where(User.issuer == ERASED_ISSUER, User.subject == reference)
        found = self.session.exec(query).first()
        if found is None:
            found = User(issuer=ERASED_ISSUER, subject=reference, email="", role=ERASED_ROLE)
            self.session.add(found)
            self.session.flush()
        assert found.id is not None
        return found.id

    def delete_user(self, user_id: int) -> int:
        return _count(self.session.execute(delete(User).where(col(User.id) == user_id)))

    # -- creations --------------------------------------------------------------------------------------------
    def delete_collection_places(self, user_id: int) -> int:
        """The user's collections' places, and any place of the user's images."""
        collections = select(Collection.id).where(Collection.user_id == user_id)
        images = select(Image.id).where(Image.user_id == user_id)
        query = delete(CollectionImage).where(
            or_(col(CollectionImage.collection_id).in_(collections), col(CollectionImage.image_id).in_(images))
        )
        return _count(self.session.execute(query))

    def image_keys(self, user_id: int) -> list[str]:
        """Every file of the user's images (original, preview, thumbnail)."""
        rows = self.session.exec(
            select(Image.blob_key, Image.thumb_key, Image.preview_key).where(Image.user_id == user_id)
        ).all()
        return [key for row in rows for key in row if key]

    def delete_job_inputs(self, user_id: int) -> int:
        jobs = select(Generation.id).where(Generation.user_id == user_id)
        return _count(self.session.execute(delete(GenerationInput).where(col(GenerationInput.generation_id).in_(jobs))))

    def request_ids(self, user_id: int) -> list[str]:
        """The engine's request ids of the user's jobs: each one's stored payloads are asked to be deleted."""
        query = select(Generation.provider_request_id).where(
            Generation.user_id == user_id, col(Generation.provider_request_id).is_not(None)
        )
        return [found for found in self.session.exec(query).all() if found]

    def hide_from_search(self, user_id: int) -> int:
        """Take the user's prompts out of the search index (the rows themselves go in a later step)."""
        query = (
            update(Generation)
            .where(col(Generation.user_id) == user_id, col(Generation.searchable).is_(True))
            .values(searchable=False)
        )
        return _count(self.session.execute(query))

    # -- money: kept for tax law, moved to the tombstone ------------------------------------------------------
    def move_ledger(self, user_id: int, pseudonym_id: int) -> int:
        """Delete the user's ledger rows but the tax ones, which move; the tombstone's balance is their sum."""
        kept = (col(LedgerEntry.user_id) == user_id) & col(LedgerEntry.kind).in_(TAX_KINDS)
        total = self.session.exec(select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(kept)).one()
        moved = _count(self.session.execute(update(LedgerEntry).where(kept).values(user_id=pseudonym_id)))
        gone = _count(self.session.execute(delete(LedgerEntry).where(col(LedgerEntry.user_id) == user_id)))
        self.session.execute(update(User).where(col(User.id) == pseudonym_id).values(balance=User.balance + int(total)))
        # An admin's name on others' adjustments: the row stays, the staff member is no longer named.
        self.session.execute(update(LedgerEntry).where(col(LedgerEntry.actor_id) == user_id).values(actor_id=None))
        return moved + gone

    def empty_payment_events(self, user_id: int) -> int:
        """The providers' messages about the user's orders keep their facts, not their payload (it can hold an
        email)."""
        refs: set[str] = set()
        for order in self.session.exec(select(Order).where(Order.user_id == user_id)):
            refs |= {r for r in (order.checkout_ref, order.payment_ref, order.also_payment_ref, order.grant_ref) if r}
        for plan in self.session.exec(select(Plan).where(Plan.user_id == user_id)):
            refs.add(plan.subscription_ref)
        if not refs:
            return 0
        return empty_payloads(self, col(PaymentEventRecord.payment_ref).in_(sorted(refs)))

    def move_orders(self, user_id: int, pseudonym_id: int) -> int:
        query = update(Order).where(col(Order.user_id) == user_id).values(user_id=pseudonym_id, checkout_url=None)
        return _count(self.session.execute(query))

    def move_plans(self, user_id: int, pseudonym_id: int) -> tuple[int, list[tuple[str, str]]]:
        """Plans move, and end: nobody is left to renew them for. Also the (provider, subscription) of each plan
        that was still running, to cancel at its provider."""
        running: list[tuple[str, str]] = []
        for plan in self.session.exec(select(Plan).where(Plan.user_id == user_id, Plan.status != "ended")):
            running.append((plan.provider, plan.subscription_ref))
            plan.status = "ended"
            self.session.add(plan)
        self.session.flush()
        moved = self.session.execute(update(Plan).where(col(Plan.user_id) == user_id).values(user_id=pseudonym_id))
        return _count(moved), running

    # -- the erasure's own request ------------------------------------------------------------------------------
    def set_apart_request(self, reference: str, status: str) -> int:
        """The privacy request that recorded this erasure stays, naming no one, so the log of requests is whole."""
        query = (
            update(PrivacyRequest)
            .where(col(PrivacyRequest.artifact) == reference, col(PrivacyRequest.kind) == "erasure")
            .values(user_id=None, detail="", status=status)
        )
        return _count(self.session.execute(query))

    def request_status(self, reference: str, status: str, completed: object = None) -> None:
        query = (
            update(PrivacyRequest)
            .where(col(PrivacyRequest.artifact) == reference, col(PrivacyRequest.kind) == "erasure")
            .values(status=status, completed_at=completed)
        )
        self.session.execute(query)
