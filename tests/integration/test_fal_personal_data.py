"""No personal data to fal: everything fal receives while a user with a name, an email, a provider's name and a
distinctive account id generates, edits, combines and has fal delete the payloads, names none of them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import text

from core.bootstrap import Container
from core.domain import GenerationKind, JobStatus, UserView
from core.identity import NO_CLIENT, Identity, session_key
from tests.factories import MovableClock, camera_exif, image_bytes
from tests.fal_server import FalServer
from tests.fal_support import FAL_KEY, assert_money_balances, fal_container, fal_form, run_to_end

ISSUER = "https://accounts.google.com"
SUBJECT = "108234567812345678901"  # the provider's own id for this person
EMAIL = "quillon.vantarbeck@example.org"
PROVIDER_NAME = "Ysoldine Farrowgate"  # the name the provider sent at sign-in
DISPLAY_NAME = "Marisolde Quenterby"  # the name the user chose here
USER_ID = 731952846  # far from 1, so finding it in what fal received is a finding, not chance
# Long and unusual, so none can turn up by chance in the base64 of the images sent.
SECRETS = (
    EMAIL,
    "quillon",
    "vantarbeck",
    SUBJECT,
    "Ysoldine",
    "Farrowgate",
    "Marisolde",
    "Quenterby",
    str(USER_ID),
    "PhoneCo",  # the camera maker in the uploaded photo's EXIF, which is stripped before sending
)
# What fal's API may see of a request, by name: transport, our key, and fal's own options.
ALLOWED_HEADERS = {
    "host", "accept", "accept-encoding", "connection", "user-agent", "authorization",
    "content-type", "content-length", "x-fal-store-io", "idempotency-key",
}  # fmt: skip


def user_numbered(c: Container, user_id: int) -> UserView:
    """A Google account signing in for the first time, created with `user_id` (the next id the database hands out),
    then renamed by its owner."""
    with c.db.engine.begin() as conn:
        if c.db.engine.dialect.name == "sqlite":  # users is AUTOINCREMENT: sqlite_sequence holds its last id
            conn.execute(text("DELETE FROM sqlite_sequence WHERE name = 'users'"))
            conn.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('users', :n)"), {"n": user_id - 1})
        else:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), :n)"), {"n": user_id - 1})
    identity = Identity(
        issuer=ISSUER,
        subject=SUBJECT,
        email=EMAIL,
        email_verified=True,
        name=PROVIDER_NAME,
        picture="https://lh3.googleusercontent.com/a/ACg8ocK-quillon=s96-c",
        issued_at=datetime.now(UTC),
        session_key=session_key(ISSUER, SUBJECT, "fal-personal-data"),
    )
    user = c.accounts.resume(identity, NO_CLIENT).user
    return c.accounts.rename(user, DISPLAY_NAME)


def test_nothing_fal_receives_in_a_generation_an_edit_a_combine_or_a_payload_deletion_names_the_user(
    tmp_path, database_url, fal: FalServer
) -> None:
    clock = MovableClock()
    # fal keeps payloads here (as a deployment may choose), so each ended job asks fal to delete them.
    c = fal_container(tmp_path, database_url, fal, clock, fal_keep_payloads=True)
    user = user_numbered(c, USER_ID)
    assert (user.id, user.email, user.display_name) == (USER_ID, EMAIL, DISPLAY_NAME)
    photo = image_bytes("JPEG", (640, 480), exif=camera_exif())
    forms = [
        fal_form("kontext-pro", "a lighthouse at dusk"),
        fal_form("kontext-pro-edit", "make it dusk", kind=GenerationKind.EDIT, upload=photo),
        fal_form(
            "flux2-pro-multi", "both together", kind=GenerationKind.MULTI_REFERENCE, reference_uploads=(photo, photo)
        ),
    ]
    jobs = [c.generation.submit(user, form, c.generation.new_token()) for form in forms]
    for job in jobs:
        assert run_to_end(c, user, job.id, clock).status == JobStatus.SUCCEEDED
    assert len(fal.submits()) == 3
    # Every ended job had fal delete its payloads; an erasure asks the same of each of the user's jobs again.
    request_ids = [job.request_id for job in fal.jobs()]
    assert sorted(fal.deleted_payloads) == sorted(request_ids)
    for request_id in request_ids:
        c.engine.forget(f"{fal.job(request_id).endpoint}/requests/{request_id}")
    deletions = [r for r in fal.requests if r.method == "DELETE"]
    assert len(deletions) == 6 and all(r.path.endswith("/payloads") for r in deletions)

    seen = fal.received_text()
    assert "make it dusk" in seen and all(request_id in seen for request_id in request_ids)  # it scans it all
    for secret in SECRETS:
        assert secret.lower() not in seen.lower(), secret
    assert not re.search(r"user|email|account", seen.replace("User-Agent", "").replace("user-agent", ""), re.I)
    for request in fal.requests:
        assert set(request.query) <= {"logs"}, request.target
        assert {name.lower() for name in request.headers} <= ALLOWED_HEADERS, request.headers
        if request.path.startswith(("/queue/", "/api/")):
            assert request.headers["authorization"] == f"Key {FAL_KEY}"
        else:  # output downloads never carry our key
            assert "authorization" not in request.headers
    assert_money_balances(c, user)
