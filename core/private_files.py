"""Files and folders the app creates are its own: files 0600, folders 0700, whatever the process umask.

They hold prompts, images, emails and keys, so no other account on the machine may read them. Modes are
set explicitly rather than through the umask, which belongs to whoever started the process.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path, *, narrow_existing: bool = False) -> Path:
    """`path` as a folder only this account can enter: it and any parent it has to create are made 0700
    (`mkdir -p` would make them 0755 under the usual umask). Folders that exist already are left as they are
    (they may be the operator's, even /var/lib), unless `narrow_existing` says this one is the app's own."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it a moment ago
            folder.mkdir(mode=FOLDER_MODE)
        narrow(folder, FOLDER_MODE)  # mkdir's mode passes through the umask; a strange one could leave it wider
    if narrow_existing:
        narrow(path, FOLDER_MODE)
    return path


def narrow(path: Path, mode: int) -> None:
    """Take away what `mode` does not allow from a file or folder this account owns (one made before the app
    made its files private); someone else's, or a missing one, is left alone."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return
    if found.st_uid == os.geteuid() and stat.S_IMODE(found.st_mode) & ~mode:
        os.chmod(path, stat.S_IMODE(found.st_mode) & mode)


def write_private(path: Path, data: bytes) -> None:
    """Write `data` as the file `path`, 0600, whole or not at all (see `write_private_stream`)."""
    write_private_stream(path, (data,))


def write_private_stream(path: Path, chunks: Iterable[bytes]) -> int:
    """Write `chunks` as the file `path`, 0600, whole or not at all: into a private temporary file beside it
    (mkstemp creates it 0600), then renamed over the real name, so a crash never leaves half a file. Returns
    the number of bytes written."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        written = 0
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                written += handle.write(chunk)
        os.replace(temporary, path)
        return written
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def private_file(path: Path) -> Path:
    """Make sure `path` exists as a file 0600 (empty if new), for a file another library goes on to fill,
    such as SQLite's database, whose journal files then take the same mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        narrow(path, FILE_MODE)
    return path


def kept_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in `path`, made by `make()` the first time: the development media key and encryption key.

    Written whole into a private temporary file (mkstemp creates it 0600), then linked into place: the secret
    is never readable by others, and a process starting at the same moment either wins the link or reads the
    complete secret of the one that did, never an empty file."""
    private_folder(path.parent)
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
