"""A fill job's mask: kept in the blob store under the user's own prefix, named by the job it belongs to.

It is a job input, like the image the fill starts from, but never a picture of the gallery: no image row names it,
so no grid, search or share can show it. Being under `u<id>/`, it goes with the account's files when the account is
erased (core/services/erasure_steps.py sweeps that prefix); its name is the job's id, so the export can put each
fill's mask beside the job (masks/<job id>.png) without any other record.
"""

from __future__ import annotations

from core.errors import BlobNotFoundError, EngineError
from core.ports import BlobStore

MASKS = "masks"


def mask_key(user_id: int, generation_id: str) -> str:
    return f"u{user_id}/{MASKS}/{generation_id}.png"


def store_mask(blobs: BlobStore, user_id: int, generation_id: str, data: bytes) -> None:
    blobs.put(mask_key(user_id, generation_id), data, "image/png")


def read_mask(blobs: BlobStore, user_id: int, generation_id: str) -> bytes:
    """The mask of the user's fill job; EngineError when it is gone (the job cannot be sent without it)."""
    try:
        return blobs.get(mask_key(user_id, generation_id))
    except BlobNotFoundError:
        raise EngineError("The painted region of this fill is no longer there. Paint it again.") from None


def forget_mask(blobs: BlobStore, user_id: int, generation_id: str) -> None:
    blobs.delete(mask_key(user_id, generation_id))
