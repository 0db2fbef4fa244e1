"""Helpers the export tests share (the history's and the privacy centre's): reading a link's parameters and a
ZIP, seeding many large uploads, and counting an export's temporary files."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from PIL import Image as Picture

from core.bootstrap import Container
from core.domain import UserView
from core.images import clean_upload
from core.services.image_store import store_image


def params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def changed(url: str, **changes: str) -> str:
    return f"{urlsplit(url).path}?{urlencode(params(url) | changes)}"


def unzip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None  # every entry's CRC checks out
    return archive


def noisy_uploads(c: Container, user: UserView, count: int) -> int:
    """`count` uploads from a few distinct noisy PNGs (noise does not compress), stored the usual way."""
    cleaned = []
    for seed in range(8):
        picture = Picture.frombytes("RGB", (144, 144), os.urandom(144 * 144 * 3) if seed else bytes(144 * 144 * 3))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        cleaned.append(clean_upload(buffer.getvalue()))
    with c.db.uow() as uow:
        for n in range(count):
            uow.images.add(store_image(c.blobs, user.id, cleaned[n % len(cleaned)], source="upload"))
        uow.commit()
    return sum(len(cleaned[n % len(cleaned)].data) for n in range(count))


def temporary_files() -> int:
    """How many of this process's open files are unlinked temporary files (an export's, once they outgrow
    memory: Linux makes them with O_TMPFILE, nameless, so they are counted rather than named)."""
    found = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        found += target.startswith(tempfile.gettempdir()) and target.endswith("(deleted)")
    return found


MEMORY_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
from tests.factories import make_container
{setup}
c = make_container(Path(sys.argv[1]), sys.argv[2])
params = json.loads(sys.argv[3])
with {opening} as download:  # once untraced: imports, mapper set-up and statement caches are made once per process
    for _chunk in download:
        pass
tracemalloc.start()
with {opening} as download:
    streamed = sum(len(chunk) for chunk in download)
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({{"streamed": streamed, "peak": peak}}))
"""


def streamed_apart(tmp_path: Path, database_url: str, link: str, opening: str, setup: str = "") -> dict[str, int]:
    """Open a link's download (`opening`, an expression of `c` and `params`) and stream it in a process of its
    own, under tracemalloc: its bytes and its peak memory. Apart, because tracemalloc counts every thread, and
    a test worker's other threads (servers, pools) allocate too. It is streamed once before it is measured, so
    the peak is what streaming holds, not what a process builds once (it grows with every table the house adds)."""
    script = MEMORY_PROBE.format(setup=setup, opening=opening)
    probe = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), database_url, json.dumps(params(link))],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured: dict[str, int] = json.loads(probe.stdout.strip().splitlines()[-1])
    return measured
