"""Key rotation, on SQLite and PostgreSQL: with a new key put first in ENCRYPTION_KEYS, every blob of both stores
ends up under it (plaintext ones from before encrypted), readable, none lost, even when a pass is cut short and run
again; each pass is recorded with its counts. And the keys: the development key file is private, stable and made
once; production never starts without configured keys."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.adapters.encrypted_blobs import EncryptedBlobStore
from core.adapters.local_blobs import LocalBlobStore
from core.bootstrap import DEV_KEY_FILE, Container, bootstrap, encryption_keys
from core.clock import utc_now
from core.errors import ConfigurationError
from core.keyring import new_key_entry, parse_keys
from core.ports import SealedBlobStore
from core.registry import capabilities
from core.services.key_rotation import KeyRotationService
from core.settings import load_settings
from db.engine import make_engine
from db.uow import Database
from tests.factories import settings_for
from tests.races import racing

KEY_A, KEY_B = new_key_entry("a"), new_key_entry("b")


class CrashingStore(LocalBlobStore):
    """The local disk, until the process "dies" during the write after `survives` of them."""

    def __init__(self, root: Path, survives: int) -> None:
        super().__init__(root)
        self.survives = survives

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if self.survives == 0:
            raise OSError("the machine went down")
        self.survives -= 1
        super().put(key, data, content_type)


def fill(root: Path, count: int, keys: str = KEY_A) -> dict[str, bytes]:
    blobs = EncryptedBlobStore(LocalBlobStore(root), parse_keys(keys))
    made = {f"u{n % 3}/{n:04d}.png": os.urandom(1000 + n * 997) for n in range(count)}
    for key, data in made.items():
        blobs.put(key, data, "image/png")
    return made


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(make_engine(database_url))
    yield database
    database.engine.dispose()


def rotation(db: Database, stores: dict[str, SealedBlobStore]) -> KeyRotationService:
    return KeyRotationService(db, stores, "b", utc_now)


def test_every_blob_of_both_stores_moves_under_the_new_key_and_reads_the_same(tmp_path: Path, db: Database) -> None:
    media, withheld = fill(tmp_path / "media", 12), fill(tmp_path / "withheld", 3)
    keyring = parse_keys(f"{KEY_B},{KEY_A}")
    stores: dict[str, SealedBlobStore] = {
        "media": EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), keyring),
        "withheld": EncryptedBlobStore(LocalBlobStore(tmp_path / "withheld"), keyring),
    }
    outcome = rotation(db, stores).rotate()
    assert (outcome.rewrapped, outcome.encrypted, outcome.failed, outcome.complete) == (15, 0, 0, True)
    only_b = parse_keys(KEY_B)  # the old key can now be removed
    for name, made in (("media", media), ("withheld", withheld)):
        after = EncryptedBlobStore(LocalBlobStore(tmp_path / name), only_b)
        assert {key: after.get(key) for key in after.keys()} == made
        assert {after.kek_of(key) for key in made} == {"b"}
    assert rotation(db, stores).rotate().current_already == 15  # a second pass has nothing to do


def test_a_rotation_cut_short_finishes_on_the_next_run_and_loses_nothing(tmp_path: Path, db: Database) -> None:
    made = fill(tmp_path / "media", 20)
    keyring = parse_keys(f"{KEY_B},{KEY_A}")
    crashing = EncryptedBlobStore(CrashingStore(tmp_path / "media", survives=7), keyring)
    with pytest.raises(OSError, match="went down"):
        rotation(db, {"media": crashing}).rotate()
    halfway = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), keyring)
    kinds = [halfway.kek_of(key) for key in made]
    assert kinds.count("b") == 7 and kinds.count("a") == 13
    assert not [p for p in (tmp_path / "media").rglob("*") if p.name.startswith(".")]  # no half-written file
    service = rotation(db, {"media": halfway})
    assert service.run_if_due() == 13
    assert service.run_if_due() == 0  # done: the hourly task no longer reads every header
    finished, cut_short = service.history()
    assert (finished.rewrapped, finished.current_already, finished.complete) == (13, 7, True)
    assert cut_short.finished_at is None and not cut_short.complete
    after = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(KEY_B))
    assert {key: after.get(key) for key in after.keys()} == made


def test_plaintext_blobs_from_before_encryption_get_encrypted(tmp_path: Path, db: Database) -> None:
    plain = LocalBlobStore(tmp_path / "media")
    picture = b"\xff\xd8\xff\xe0" + os.urandom(70_000)
    plain.put("u1/old.jpg", picture, "image/jpeg")
    blobs = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(KEY_B))
    outcome = rotation(db, {"media": blobs}).rotate()
    assert outcome.encrypted == 1
    assert not (tmp_path / "media" / "u1/old.jpg").read_bytes().startswith(b"\xff\xd8\xff")
    assert blobs.get("u1/old.jpg") == picture and blobs.kek_of("u1/old.jpg") == "b"


def test_a_blob_under_a_key_no_longer_held_is_counted_and_the_others_still_move(tmp_path: Path, db: Database) -> None:
    fill(tmp_path / "media", 2, KEY_A)
    other = new_key_entry("c")
    blobs = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(other))
    blobs.put("u9/new.png", b"new", "image/png")
    rotated = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(f"{KEY_B},{other}"))
    outcome = rotation(db, {"media": rotated}).rotate()
    assert (outcome.rewrapped, outcome.failed, outcome.left_under) == (1, 2, {"a": 2})
    assert not outcome.complete


def test_the_development_key_is_private_stable_and_made_once_by_racing_processes(tmp_path: Path) -> None:
    settings = load_settings(app_env="development", data_dir=tmp_path / "data", encryption_keys="")
    keyrings = racing(lambda: encryption_keys(settings))
    assert len({keyring.current for keyring in keyrings}) == 1 and len(keyrings) == 6
    path = tmp_path / "data" / DEV_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert encryption_keys(settings) == keyrings[0]  # a restart reads the same key
    assert [p.name for p in path.parent.iterdir()] == [DEV_KEY_FILE]  # no temporary left behind


def test_configured_keys_are_used_and_no_key_file_is_made(tmp_path: Path) -> None:
    settings = load_settings(app_env="development", data_dir=tmp_path, encryption_keys=f"{KEY_B},{KEY_A}")
    assert encryption_keys(settings).current_id == "b"
    assert not (tmp_path / DEV_KEY_FILE).exists()


def test_a_development_key_made_before_keys_were_configured_stays_readable_as_a_retired_key(tmp_path: Path) -> None:
    local = encryption_keys(load_settings(app_env="development", data_dir=tmp_path, encryption_keys=""))
    configured = encryption_keys(load_settings(app_env="development", data_dir=tmp_path, encryption_keys=KEY_B))
    assert configured.current_id == "b" and configured.key("local") == local.current


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"encryption_keys": ""}, "ENCRYPTION_KEYS is not set"),
        ({"encryption_keys": KEY_A, "encrypt_blobs": False}, "ENCRYPT_BLOBS is off"),
    ],
)
def test_production_refuses_to_start_without_configured_keys_or_with_encryption_off(
    tmp_path: Path, overrides: dict[str, object], says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        load_settings(app_env="production", data_dir=tmp_path, auth={}, **overrides)
    assert not (tmp_path / DEV_KEY_FILE).exists()


def test_the_background_task_moves_both_stores_of_a_restarted_app_to_the_new_key(
    tmp_path: Path, database_url: str
) -> None:
    def app(keys: str) -> Container:
        return bootstrap(
            settings_for(tmp_path, database_url, encryption_keys=keys), db=Database(make_engine(database_url))
        )

    before = app(KEY_A)
    before.blobs.put("u1/a.png", b"\x89PNG media", "image/png")
    before.withheld.put("u1/b.png", b"\x89PNG withheld", "image/png")
    before.db.engine.dispose()
    after = app(f"{KEY_B},{KEY_A}")  # the operator put a new key first and restarted
    try:
        [task] = next(capability for capability in capabilities() if capability.name == "encryption").tasks
        assert task.run(after) == 2
        assert task.run(after) == 0  # done: the next hour's run has nothing to do
        for store, key in ((after.blobs, "u1/a.png"), (after.withheld, "u1/b.png")):
            assert isinstance(store, EncryptedBlobStore) and store.kek_of(key) == "b"
        assert after.blobs.get("u1/a.png") == b"\x89PNG media"
    finally:
        after.db.engine.dispose()


def test_going_back_to_a_key_used_before_moves_the_blobs_again(tmp_path: Path, db: Database) -> None:
    made = fill(tmp_path / "media", 3, KEY_A)
    under_a = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(KEY_A))
    assert KeyRotationService(db, {"media": under_a}, "a", utc_now).rotate().complete  # a pass under a, done
    to_b = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(f"{KEY_B},{KEY_A}"))
    assert KeyRotationService(db, {"media": to_b}, "b", utc_now).run_if_due() == 3
    back = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(f"{KEY_A},{KEY_B}"))
    assert KeyRotationService(db, {"media": back}, "a", utc_now).run_if_due() == 3
    assert {key: back.get(key) for key in made} == made and {back.kek_of(key) for key in made} == {"a"}
