"""Must hold, on SQLite and PostgreSQL: an erasure leaves no trace. A user with images, edits, combinations, a
collection, favourites, a failed and a canceled job, a demo purchase, consents, sign-ins, a rectification request
and a safety review is erased; then every table (search index included), the raw bytes of the SQLite file and its
write-ahead log, every blob of both stores, every file the app wrote and the test's log are searched for their
email, name, prompts and id. Only the pseudonymised orders and tax ledger rows stay, on the tombstone's id."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from core.domain import GenerationKind, JobStatus
from core.services import privacy_requests
from core.services.deletion_runner import DeletionRunner
from core.services.email_sender import EmailSender
from core.services.erasure import ErasureService
from core.services.privacy_requests import RequestKind, RequestStatus
from db.tables import ConsentRecord, SafetyReview
from tests.factories import MovableClock, image_bytes
from tests.fal_server import FalServer, Scenario
from tests.fal_support import fal_container, fal_form, run_to_end

EMAIL = "zora.quillfeather@example.com"
NAME = "Zora Quillfeathering"
PROMPTS = (
    "a xylophonic marmalade lighthouse",
    "make it vermillionesque",
    "zebradactyl together",
    "an obsidianwhale that fails",
    "a quarkpelican never finished",
)
RECTIFICATION = "Please spell my surname Quillfeathering-Smythe"
COLLECTION = "Glimmerfolk keepsakes"
USER_COLUMNS = {"user_id", "actor_id", "reviewer_id", "handler_id"}


def words(*texts: str) -> set[str]:
    """The distinctive words: a full-text index keeps words, not whole prompts."""
    return {
        word for t in texts for word in t.replace("-", " ").replace(".", " ").replace("@", " ").split() if len(word) > 8
    }


def build_user(c, fal: FalServer, clock: MovableClock):  # type: ignore[no-untyped-def]
    user = c.accounts.sign_in_local(EMAIL).user
    c.accounts.sign_in_local(EMAIL)  # a second sign-in
    user = c.accounts.rename(user, NAME)
    upload = image_bytes("PNG", (64, 48))
    made = c.generation.submit(user, fal_form("kontext-pro", PROMPTS[0], num_images=2), c.generation.new_token())
    images = [i.id for i in run_to_end(c, user, made.id, clock).images]
    edit = fal_form("kontext-pro-edit", PROMPTS[1], kind=GenerationKind.EDIT, source_image_id=images[0])
    assert (
        run_to_end(c, user, c.generation.submit(user, edit, c.generation.new_token()).id, clock).status.value
        == "succeeded"
    )
    combine = fal_form(
        "flux2-pro-multi", PROMPTS[2], kind=GenerationKind.MULTI_REFERENCE, reference_uploads=(upload, upload)
    )
    assert (
        run_to_end(c, user, c.generation.submit(user, combine, c.generation.new_token()).id, clock).status
        == JobStatus.SUCCEEDED
    )
    fal.script(Scenario(error_status=422))
    failed = c.generation.submit(user, fal_form("kontext-pro", PROMPTS[3]), c.generation.new_token())
    assert run_to_end(c, user, failed.id, clock).status == JobStatus.FAILED
    canceled = c.generation.submit(user, fal_form("kontext-pro", PROMPTS[4]), c.generation.new_token())
    c.generation.cancel(user, canceled.id)
    c.collections.create(user, COLLECTION, images)
    c.gallery.toggle_favourite(user, images[1])
    c.billing.buy(user, "pack-starter", "demo", "http://localhost:8501", c.billing.new_token())
    now = clock()
    with c.db.uow() as uow:
        for purpose, granted in (("training", True), ("analytics", False), ("training", False)):
            uow.session.add(
                ConsentRecord(
                    user_id=user.id,
                    purpose=purpose,
                    granted=granted,
                    policy_version="1",
                    source="privacy_centre",
                    created_at=now,
                )
            )
            uow.flush()  # one at a time: db/text_guard.py fails on a batched multi-row INSERT (reported)
        privacy_requests.record(
            uow, user.id, RequestKind.RECTIFICATION, now, status=RequestStatus.RECEIVED, detail=RECTIFICATION
        )
        withheld_key = f"u{user.id}/withheld-{made.id[:8]}.png"
        uow.session.add(
            SafetyReview(
                public_id="rev" + made.id[:8],
                user_id=user.id,
                generation_id=made.id,
                blob_key=withheld_key,
                status="pending",
            )
        )
        uow.commit()
    c.withheld.put(withheld_key, upload, "image/png")
    return user


def scan_tables(c, user_id: int, needles: set[str]) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = []
    engine = c.db.engine
    user_fk_columns = {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if any(fk.target_fullname == "users.id" for fk in column.foreign_keys)
    }
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            result = conn.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    where = f"{table}.{column}={value!r}"[:200]
                    if (
                        column in USER_COLUMNS
                        or (table, column) in user_fk_columns
                        or (table, column) == ("users", "id")
                    ) and value == user_id:
                        found.append(where)
                    if not isinstance(value, (str, bytes, dict, list)):
                        continue
                    shown = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    if shown.strip("'") == f"u{user_id}" or f"u{user_id}/" in shown or f"user:{user_id}" in shown:
                        found.append(where)
                    found += [f"{where} holds {n!r}" for n in needles if n.lower() in shown.lower()]
    return found


def scan_files(root: Path, needles: set[str]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found += [f"{path} holds {n!r}" for n in needles if n.lower().encode() in data]
    return found


def test_erasure_leaves_no_trace(tmp_path, database_url, fal: FalServer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    clock = MovableClock()
    c = fal_container(
        tmp_path,
        database_url,
        fal,
        clock,
        erasure_grace_days=0,
        fal_keep_payloads=True,
        admin_emails="boss@example.com",
    )
    admin = c.accounts.sign_in_local("boss@example.com").user
    user = build_user(c, fal, clock)
    c.admin.adjust_credits(admin, user.id, 3, "goodwill", c.billing.new_token())
    request_ids = {job.request_id for job in fal.jobs()}
    needles = {EMAIL, NAME, RECTIFICATION, COLLECTION, *PROMPTS} | words(EMAIL, NAME, COLLECTION, *PROMPTS)
    before = scan_tables(c, user.id, needles)
    assert {EMAIL, NAME, RECTIFICATION, COLLECTION, *PROMPTS[:3]} <= {
        n for n in needles if any(repr(n) in f for f in before)
    }
    fal.deleted_payloads.clear()  # the job runner asked at each job's end already; the erasure asks again
    erasures = c.of(ErasureService)
    reference = erasures.schedule(user, EMAIL).reference

    assert erasures.run_due() == 1
    c.of(DeletionRunner).run()
    assert c.of(EmailSender).run() == 1  # the last message, to the address: then the address goes too
    receipt = erasures.receipt(reference)
    assert receipt.finished and receipt.still_owed == 0
    assert receipt.totals()["Media store"] >= 12 and receipt.totals()["fal.ai"] == len(request_ids)
    assert set(fal.deleted_payloads) == request_ids  # fal deleted the stored payloads of every job

    assert scan_tables(c, user.id, needles) == []
    with c.db.reader() as uow:
        kept = uow.session.execute(
            text("SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.role = 'erased'")
        ).scalar()
    assert kept == 1  # the order tax law keeps, on the tombstone
    if database_url.startswith("sqlite"):
        c.db.engine.dispose()
        db_file = Path(database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes().lower() for p in db_file.parent.glob(db_file.name + "*"))
        assert [n for n in needles | {f"user:{user.id}"} if n.lower().encode() in raw] == []
    assert [k for k in c.blobs.keys("") if k.startswith(f"u{user.id}/")] == []
    assert list(c.withheld.keys("")) == []
    assert scan_files(tmp_path, needles) == []  # media, withheld, the engine's spool, everything the app wrote
    logged = caplog.text.lower()
    assert [n for n in needles | {f"user:{user.id}"} if n.lower() in logged] == []
