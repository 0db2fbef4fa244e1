"""Benchmark: the erasure of an account with 1,000 images (their originals, previews and thumbnails: 3,000 files),
from "run due erasures" to the last file deleted by the outbox, against `rm -rf` of the same files (the deletion
limit), on SQLite and PostgreSQL.

    .venv/bin/python bench/privacy_erasure.py [--images 1000] [--runs 3] [--backend sqlite --backend postgresql]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from bench.common import migrated_database, print_table, reachable_backends, spread  # noqa: E402
from core.bootstrap import Container  # noqa: E402
from core.services.deletion_runner import DeletionRunner  # noqa: E402
from core.services.erasure import ErasureService  # noqa: E402
from db.tables import Generation, Image  # noqa: E402
from tests.factories import make_container  # noqa: E402

PER_JOB = 4
SIZES = {"original": 300_000, "preview": 60_000, "thumb": 12_000}  # a JPEG original, its WebP preview and thumbnail
EMAIL = "leaving@example.com"


def seed(c: Container, images: int) -> int:
    """One user with `images` images in jobs of four, with their files, written as the app writes them."""
    user = c.accounts.sign_in_local(EMAIL).user
    payload = {name: os.urandom(size) for name, size in SIZES.items()}
    now = datetime.now(UTC)
    with c.db.uow() as uow:
        for job in range(images // PER_JOB):
            generation_id = uuid.uuid4().hex
            uow.generations.add(
                Generation(
                    id=generation_id, user_id=user.id, kind="text_to_image", status="succeeded",
                    prompt=f"a bench prompt number {job}", model="offline-draw", aspect_ratio="1:1", seed=job,
                    num_images=PER_JOB, output_format="jpeg", cost=PER_JOB, charged=PER_JOB,
                    provider_request_id=f"off_{generation_id}", created_at=now, updated_at=now, finished_at=now,
                )
            )  # fmt: skip
            for position in range(PER_JOB):
                public_id = uuid.uuid4().hex
                stem = f"u{user.id}/{public_id}"
                keys = {"original": f"{stem}.jpeg", "preview": f"{stem}.preview.webp", "thumb": f"{stem}.thumb.webp"}
                for name, key in keys.items():
                    c.blobs.put(key, payload[name], "image/jpeg")
                uow.images.add(
                    Image(
                        public_id=public_id, user_id=user.id, generation_id=generation_id, position=position,
                        blob_key=keys["original"], thumb_key=keys["thumb"], preview_key=keys["preview"],
                        content_type="image/jpeg", width=1024, height=1024, size_bytes=SIZES["original"],
                        aspect="1:1",
                    )
                )  # fmt: skip
        uow.commit()
    return user.id


def erase_once(kind: str, images: int) -> tuple[float, float, int]:
    """Seconds to erase the account, seconds for `rm -rf` of the same files, and how many files there were."""
    with tempfile.TemporaryDirectory() as folder, migrated_database(kind, Path(folder)) as url:
        tmp = Path(folder)
        c = make_container(tmp, url, erasure_grace_days=0)
        user_id = seed(c, images)
        media = tmp / "media"
        copy = tmp / "copy"
        shutil.copytree(media / f"u{user_id}", copy)
        files = sum(1 for _ in copy.rglob("*") if _.is_file())
        service = c.of(ErasureService)
        service.schedule(c.accounts.get(user_id), EMAIL)  # type: ignore[arg-type]
        start = time.perf_counter()
        assert service.run_due() == 1
        assert c.of(DeletionRunner).owed().owed == 0
        erase = time.perf_counter() - start
        assert not any(c.blobs.keys(f"u{user_id}/"))
        start = time.perf_counter()
        subprocess.run(["rm", "-rf", str(copy)], check=True)
        rm = time.perf_counter() - start
        c.db.engine.dispose()
        return erase, rm, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    report(args.backend or ["sqlite", "postgresql"], args.images, args.runs)


def report(backends: list[str], images: int, runs: int) -> None:
    """Erase an account of `images` images `runs` times on each backend reachable, against `rm -rf`; print the table."""
    rows = []
    for kind in reachable_backends(backends):
        results = [erase_once(kind, images) for _ in range(runs)]
        erase, rm = [r[0] * 1000 for r in results], [r[1] * 1000 for r in results]
        ratio = sorted(erase)[len(erase) // 2] / max(sorted(rm)[len(rm) // 2], 1e-9)
        rows.append([kind, str(images), str(results[0][2]), spread(erase, 0), spread(rm, 1), f"{ratio:.1f}×"])
    print(f"\nErasing an account with {images:,} images, {runs} runs (median [min–max] ms)\n")
    print_table(["backend", "images", "files", "erasure ms", "rm -rf ms", "erasure ÷ rm"], rows)


if __name__ == "__main__":
    main()
