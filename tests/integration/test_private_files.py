"""Files are private on disk: after a person's whole visit (sign in, generate, edit an upload, export a ZIP)
every file the app made is 0600 and every folder 0700, under the usual umask of 022."""

from __future__ import annotations

import io
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from core.bootstrap import bootstrap
from core.domain import JobStatus
from core.domain.gallery import GalleryFilter
from core.private_files import private_file, private_folder, write_private
from core.services.export_archive import SPOOL_BYTES, spooled
from core.services.job_io import request_for
from db.schema import migrate
from tests.factories import create_form, edit_form, settings_for, settle


@pytest.fixture
def usual_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def modes(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (itself included), by its path from `root`: "file 0o600", "folder 0o700"."""
    found = {".": f"folder {oct(stat.S_IMODE(root.stat().st_mode))}"}
    for folder, folders, files in os.walk(root):
        for kind, names in (("folder", folders), ("file", files)):
            for name in names:
                path = Path(folder) / name
                found[str(path.relative_to(root))] = f"{kind} {oct(stat.S_IMODE(path.lstat().st_mode))}"
    return found


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (20, 140, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def test_after_a_whole_visit_every_file_is_0600_and_every_folder_0700(
    tmp_path: Path, usual_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # where the export's temporaries would go
    data = tmp_path / "data" / "atelier"  # not there yet: the app makes it, and its parent
    settings = settings_for(data, "", media_secret="")  # the SQLite file and the development key in DATA_DIR
    migrate(settings.resolved_database_url)
    c = bootstrap(settings)  # the offline engine, its spool and the local media store, all in DATA_DIR
    try:
        user = c.accounts.sign_in_local("alice@example.com").user
        made = c.generation.submit(user, create_form(prompt="my private garden"), c.generation.new_token())
        assert settle(c, user, made.id).status == JobStatus.SUCCEEDED
        edit = c.generation.submit(user, edit_form("black and white", upload=png()), c.generation.new_token())
        with c.db.reader() as uow:
            row = uow.generations.get(edit.id)
        assert row is not None
        held = c.engine.submit(request_for(c.db, c.blobs, row), "a" * 32)  # the spool, as while a worker waits on it
        queued = modes(tmp_path / "data")
        c.engine.cancel(held)
        c.engine.forget(held)  # the offline engine holds the job (and its prompt) in its spool
        assert settle(c, user, edit.id).status == JobStatus.SUCCEEDED
        download = c.exports.export(user, GalleryFilter(), "zip")
        chunks = iter(download)
        streamed = len(next(chunks))
        during = modes(tmp_path / "data")  # while the ZIP is being sent
        assert streamed + sum(len(chunk) for chunk in chunks) == download.size
        found = modes(tmp_path / "data") | during | queued
    finally:
        c.db.engine.dispose()
    files = {path for path, what in found.items() if what.startswith("file")}
    assert {
        "atelier/atelier.db",
        "atelier/atelier.db-wal",
        "atelier/atelier.db-shm",
        "atelier/media-secret.key",
    } <= files
    assert any(path.startswith("atelier/media/") for path in files)
    assert any(path.startswith("atelier/engine-queue/") for path in files)  # the offline engine's spool
    assert {path: what for path, what in found.items() if what not in ("file 0o600", "folder 0o700")} == {}
    assert list(temporary.iterdir()) == []  # the export's temporaries never had a name another user could open


def test_an_export_temporary_that_spills_to_disk_is_0600(usual_umask: None) -> None:
    with spooled() as handle:
        handle.write(b"x" * (SPOOL_BYTES + 1))  # past the size it keeps in memory
        assert stat.S_IMODE(os.fstat(handle.fileno()).st_mode) == 0o600


def test_files_made_before_are_narrowed_and_folders_that_are_not_the_apps_are_left_alone(
    tmp_path: Path, usual_umask: None
) -> None:
    old = tmp_path / "atelier.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    private_file(old)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    private_folder(shared / "a" / "b")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # the operator's folder
    assert {stat.S_IMODE((shared / p).stat().st_mode) for p in ("a", "a/b")} == {0o700}
    write_private(shared / "a" / "b" / "blob", b"data")
    assert stat.S_IMODE((shared / "a" / "b" / "blob").stat().st_mode) == 0o600
    assert [p.name for p in (shared / "a" / "b").iterdir()] == ["blob"]  # no temporary left behind
