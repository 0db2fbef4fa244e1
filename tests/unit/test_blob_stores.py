"""What only the local disk store does: a folder, or a key that climbs out of the store, is no blob. (What every
store does is in tests/contract/test_blob_store_contract.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.adapters.local_blobs import LocalBlobStore
from core.errors import BlobNotFoundError

DATA = os.urandom(1_001)


def test_a_folder_is_no_blob_on_the_local_disk(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "media")
    store.put("u1/a.png", DATA, "image/png")
    for key in ("u1", "u1/a.png/inside"):
        with pytest.raises(BlobNotFoundError):
            store.open(key)
        with pytest.raises(BlobNotFoundError):
            store.size(key)
    with pytest.raises(ValueError):
        store.open("../outside")
    with pytest.raises(ValueError):
        store.put_stream("../outside", iter([DATA]), "image/png")
