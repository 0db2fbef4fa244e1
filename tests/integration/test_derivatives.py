"""A job's images reach the gallery before their previews: the worker records them with the original standing in,
then makes the preview, thumbnail and placeholder; an image whose worker stopped in between gets them from the
gallery's periodic task."""

from __future__ import annotations

import pytest

from core.domain import JobStatus
from core.services import jobs
from tests.factories import create_form, fetch_media, settle, sign_up

WEBP = b"RIFF"


def test_the_image_is_shown_from_its_original_until_the_worker_has_made_its_previews(
    containers, database_url, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = containers(database_url, offline_engine_delay_seconds=0)
    user = sign_up(c)
    seen: dict[str, object] = {}
    make = jobs.derive_all

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        # The moment the job is recorded, before any preview exists: what a person would see then.
        [image] = c.gallery.page(user).items
        seen["status"] = c.generation.recent(user, 1)[0].status
        seen["thumb"] = fetch_media(c, image.thumb_url)
        seen["original"] = fetch_media(c, image.download_url)
        seen["placeholder"] = image.thumbhash
        return make(*args, **kwargs)

    monkeypatch.setattr(jobs, "derive_all", watched)
    job = settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    assert seen["status"] == JobStatus.SUCCEEDED and seen["thumb"] == seen["original"] and not seen["placeholder"]
    [image] = c.gallery.page(user).items
    assert job.status == JobStatus.SUCCEEDED and image.thumbhash
    assert fetch_media(c, image.thumb_url).startswith(WEBP) and fetch_media(c, image.preview_url).startswith(WEBP)


def test_previews_a_stopped_worker_never_made_are_made_by_the_periodic_task(containers, database_url) -> None:
    c = containers(database_url, offline_engine_delay_seconds=0)
    user = sign_up(c)
    settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    [image] = c.gallery.page(user).items
    with c.db.uow() as uow:  # as if the worker died between recording the job and making the previews
        row = uow.images.get_for_user(user.id, image.id)
        assert row is not None
        c.blobs.delete(row.thumb_key)
        c.blobs.delete(row.preview_key)
        uow.images.set_placeholders({image.id: ""})
        uow.commit()
    assert fetch_media(c, image.thumb_url) == fetch_media(c, image.download_url)  # the original stands in
    assert c.gallery.fill_placeholders() == 1
    [again] = c.gallery.page(user).items
    assert again.thumbhash == image.thumbhash and fetch_media(c, again.thumb_url).startswith(WEBP)
