"""Encryption at rest: the key rotation that moves every stored blob under the current key-encryption key, run
by the worker (at start, then hourly) until a pass under the current key completes; each pass is
recorded in key_rotations (no user in it: not on the map of personal data)."""

from core.container import Container
from core.ports import SealedBlobStore
from core.registry import Capability, PeriodicTask, hourly
from core.services.key_rotation import KeyRotationService


def key_rotation(c: Container) -> KeyRotationService:
    from core.adapters.encrypted_blobs import EncryptedBlobStore

    stores: dict[str, SealedBlobStore] = {}
    current = ""
    for name, store in (("media", c.blobs), ("withheld", c.withheld)):
        if isinstance(store, EncryptedBlobStore):  # a store given plain (ENCRYPT_BLOBS off, a test's) is left alone
            stores[name], current = store, store.keyring.current_id
    return KeyRotationService(c.db, stores, current, c.clock)


CAPABILITY = Capability(
    name="encryption",
    services={KeyRotationService: key_rotation},
    tasks=(
        PeriodicTask(
            "move stored files under the current encryption key",
            hourly,
            lambda c: c.of(KeyRotationService).run_if_due(),
            "Key rotation moved %d stored files under the current encryption key",
        ),
    ),
)
