"""The ledger as pages see it: a statement line with its balance after, and a ledger entry."""

from __future__ import annotations

from core.domain import GenerationKind, LedgerEntryView, StatementRow
from core.services.generation_views import image_view
from core.signing import MediaSigner
from db.repositories.ledger import StatementLine
from db.tables import Generation, Image, LedgerEntry

# What the statement calls a job of each kind (every other kind is a "Generation").
_KIND_WORDS = {
    GenerationKind.EDIT.value: "Edit",
    GenerationKind.UPSCALE.value: "Upscale",
    GenerationKind.FILL.value: "Vary region",
}


def ledger_view(entry: LedgerEntry) -> LedgerEntryView:
    assert entry.id is not None
    return LedgerEntryView(
        id=entry.id,
        created_at=entry.created_at,
        kind=entry.kind,
        reason=entry.reason,
        delta=entry.delta,
        reference=entry.reference,
    )


def statement_row(
    line: StatementLine,
    balance_after: int,
    job: tuple[Generation, Image | None] | None,
    signer: MediaSigner,
) -> StatementRow:
    """A statement line as a person reads it: a job says what it charged and returned, in numbers."""
    if line.generation_id is None:
        kind = line.kind.capitalize()
        return StatementRow(
            id=line.last_id,
            created_at=line.last_at,
            kind=kind,
            description=f"{kind}: {line.reason}",
            change=line.change,
            balance_after=balance_after,
            reference=_reference_label(line.reference),
        )
    generation, image = job if job else (None, None)
    kind = _KIND_WORDS.get(generation.kind, "Generation") if generation else "Generation"
    ended = line.settled
    thumb = image_view(image, signer) if image else None
    return StatementRow(
        id=line.last_id,
        created_at=line.last_at,
        kind=kind,
        description=(
            f"{kind}: charged {-line.change}, returned {line.returned}" if ended else f"{kind}: held for a running job"
        ),
        change=line.change,
        balance_after=balance_after,
        generation_id=line.generation_id,
        held=line.held,
        charged=-line.change if ended else None,
        returned=line.returned if ended else None,
        prompt=generation.prompt if generation else "",
        image_id=thumb.id if thumb else None,
        thumb_url=thumb.thumb_url if thumb else None,
    )


def _reference_label(reference: str) -> str:
    """A payment's order as its receipt begins ("Order BE8D3C1D"); other references as written."""
    if reference.startswith("order "):
        return "Order " + reference.removeprefix("order ")[:8].upper()
    return reference
