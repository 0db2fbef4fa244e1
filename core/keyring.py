"""The key-encryption keys of encryption at rest: ENCRYPTION_KEYS read into a keyring whose first key is current
(new blobs are wrapped with it) and whose others are retired (read until the rotation has re-wrapped every blob).

No message here ever quotes a key: a bad value is named by its setting and its position only."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

from core.errors import AtelierError, ConfigurationError

KEY_BYTES = 32  # AES-256
LOCAL_KEY_ID = "local"  # the development key made in DATA_DIR when ENCRYPTION_KEYS is empty
_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class KeyMissingError(AtelierError):
    """A blob's header names a key-encryption key the keyring does not hold (removed from ENCRYPTION_KEYS too
    soon, or a blob from another installation)."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]  # (id, 32-byte key), the current one first

    def __post_init__(self) -> None:
        if not self.keys:
            raise ConfigurationError("ENCRYPTION_KEYS holds no key.")

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @property
    def current(self) -> bytes:
        return self.keys[0][1]

    def key(self, kek_id: str) -> bytes:
        for found, key in self.keys:
            if found == kek_id:
                return key
        raise KeyMissingError(
            f"A stored file is encrypted under the key {kek_id!r}, which ENCRYPTION_KEYS no longer holds. "
            "Put that key back (after the current one) until the key rotation reports none left under it."
        )

    def with_retired(self, other: Keyring) -> Keyring:
        """This keyring, then `other`'s keys whose ids it does not have, as retired keys."""
        known = {kek_id for kek_id, _ in self.keys}
        return Keyring(self.keys + tuple(entry for entry in other.keys if entry[0] not in known))

    def __repr__(self) -> str:  # a keyring in a log or a traceback shows its ids, never its keys
        return f"Keyring(current={self.current_id!r}, ids={[kek_id for kek_id, _ in self.keys]!r})"


def parse_keys(value: str, setting: str = "ENCRYPTION_KEYS") -> Keyring:
    """ "id:base64key,id2:base64key" (the first current) as a Keyring; ConfigurationError names what is wrong."""
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate((part.strip() for part in value.split(",")), start=1):
        if not entry:
            continue
        kek_id, colon, encoded = entry.partition(":")
        kek_id = kek_id.strip()
        if not colon or not _ID.fullmatch(kek_id):
            raise ConfigurationError(
                f"{setting}: entry {position} is not id:base64key (the id: 1-64 letters, digits, _ . -)."
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigurationError(f"{setting}: the key {kek_id!r} is not valid base64.") from None
        if len(key) != KEY_BYTES:
            raise ConfigurationError(
                f"{setting}: the key {kek_id!r} is {len(key)} bytes; it must be {KEY_BYTES} "
                '(make one with: python -c "import base64,os; print(base64.b64encode(os.urandom(32)).decode())").'
            )
        if any(kek_id == known for known, _ in keys):
            raise ConfigurationError(f"{setting}: the id {kek_id!r} is given twice.")
        keys.append((kek_id, key))
    if not keys:
        raise ConfigurationError(f"{setting} holds no key.")
    return Keyring(tuple(keys))


def new_key_entry(kek_id: str = LOCAL_KEY_ID) -> str:
    """A fresh random key written as one ENCRYPTION_KEYS entry."""
    return f"{kek_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"
