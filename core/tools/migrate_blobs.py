"""`make migrate-blobs` (python -m core.tools.migrate_blobs): copy the local media folders, DATA_DIR/media and
DATA_DIR/withheld, into the S3 bucket the S3_* settings name, byte for byte (core/services/blob_migration.py).
Run it with BLOB_STORE=s3 and the same settings the app will use; run it again after an interruption, and until
it reports no failures (exit status 0), before starting the app on S3."""

from __future__ import annotations

import logging
import sys

from core.adapters.local_blobs import LocalBlobStore
from core.bootstrap import s3_store
from core.errors import ConfigurationError
from core.services.blob_migration import MigrationReport, migrate
from core.settings import Settings, load_settings

STORES = ("media", "withheld")  # the folders under DATA_DIR, and the prefixes under S3_PREFIX (core/bootstrap.py)


def main(settings: Settings | None = None) -> int:
    """Copy both folders; 0 when every object is in the bucket, 1 when some failed, 2 for unusable settings."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = settings or load_settings()
        if settings.blob_store != "s3":
            raise ConfigurationError("Set BLOB_STORE=s3 and the S3_* settings: they name the bucket to copy into.")
        targets = {store: s3_store(settings, store) for store in STORES}
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    total = MigrationReport()
    for store in STORES:
        folder = settings.data_dir / store
        if not folder.is_dir():
            print(f"{store}: no folder {folder}, nothing to copy")
            continue
        report = migrate(LocalBlobStore(folder), targets[store])
        print(f"{store}: {report}")
        total.copied, total.skipped = total.copied + report.copied, total.skipped + report.skipped
        total.failed += report.failed
    print(f"In all: {total}")
    if total.failed:
        print("Some objects were not copied (see above); run `make migrate-blobs` again.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
