"""Edits (from an upload or the gallery) and the gallery itself: paging, detail, scoping, deletion."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from core.domain import GenerationKind, JobStatus
from core.domain.gallery import GalleryQuery
from core.errors import EngineInputError, NotFoundError, UploadError, ValidationError
from tests.factories import create_form, edit_form, fetch_media, image_bytes, refreshed, settle, sign_up


def generate(c, user, **form):  # type: ignore[no-untyped-def]
    return settle(c, user, c.generation.submit(user, create_form(**form), c.generation.new_token()).id)


def original_of(c, image):  # type: ignore[no-untyped-def]
    return Image.open(io.BytesIO(fetch_media(c, image.original_url)))


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 29.0)
    return exif


def test_an_uploaded_photo_is_edited_and_its_gps_data_is_gone(containers) -> None:
    c = containers()
    user = sign_up(c)
    upload = image_bytes("JPEG", (160, 90), (250, 30, 30), exif=gps_exif())
    job = c.generation.submit(user, edit_form("black and white", upload=upload), c.generation.new_token())
    done = settle(c, user, job.id)
    assert done.status == JobStatus.SUCCEEDED and done.kind == GenerationKind.EDIT
    result = original_of(c, done.images[0]).convert("RGB")
    r, g, b = result.getpixel((80, 45))
    assert abs(r - g) <= 2 and abs(g - b) <= 2  # black and white
    detail = c.gallery.detail(user, done.images[0].id)
    assert detail.parent is not None and detail.parent.source == "upload"
    # An edit records the real size of what it made, and no aspect ratio of its own.
    assert detail.generation is not None and detail.generation.aspect_ratio == ""
    assert (detail.image.width, detail.image.height) == (160, 90)
    assert not original_of(c, detail.parent).getexif()  # the stored upload lost its EXIF and GPS


def test_an_image_from_the_gallery_can_be_edited_again(containers) -> None:
    c = containers()
    user = sign_up(c)
    source = generate(c, user, aspect_ratio="16:9").images[0]
    edited = settle(
        c,
        user,
        c.generation.submit(
            user, edit_form("rotate 90 degrees", source_image_id=source.id), c.generation.new_token()
        ).id,
    )
    assert (edited.images[0].width, edited.images[0].height) == (source.height, source.width)
    assert c.gallery.detail(user, edited.images[0].id).parent.id == source.id  # type: ignore[union-attr]


def test_an_instruction_the_engine_cannot_do_is_refused_before_any_charge(containers) -> None:
    c = containers()
    user = sign_up(c)
    with pytest.raises(EngineInputError) as refused:
        c.generation.submit(
            user, edit_form("make it look like a van gogh", upload=image_bytes()), c.generation.new_token()
        )
    assert "van gogh" in str(refused.value) and "sepia" in str(refused.value)
    assert refreshed(c, user).balance == 20
    assert c.gallery.page(user).total == 0  # the upload was not kept either


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not an image", "not an image"),
        (image_bytes("PNG", (400, 400))[:300], "damaged or incomplete"),
        (image_bytes("GIF"), "GIF"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message_and_no_charge(containers, data: bytes, message: str) -> None:
    c = containers()
    user = sign_up(c)
    with pytest.raises(UploadError, match=message):
        c.generation.submit(user, edit_form(upload=data), c.generation.new_token())
    assert refreshed(c, user).balance == 20


def test_an_upload_over_the_size_limit_names_both_sizes(containers) -> None:
    c = containers(max_upload_mb=0.001)
    user = sign_up(c)
    noisy = io.BytesIO()
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(noisy, "PNG")
    with pytest.raises(UploadError, match=r"The file is [\d.]+ KB; the limit is 1 KB"):
        c.generation.submit(user, edit_form(upload=noisy.getvalue()), c.generation.new_token())


def test_a_decompression_bomb_is_refused(containers) -> None:
    c = containers(max_image_pixels=1_000_000)
    user = sign_up(c)
    bomb = io.BytesIO()
    Image.new("1", (2000, 2000)).save(bomb, "PNG")
    with pytest.raises(UploadError, match="2,000 × 2,000 pixels"):
        c.generation.submit(user, edit_form(upload=bomb.getvalue()), c.generation.new_token())
    assert refreshed(c, user).balance == 20


def test_editing_someone_elses_image_is_refused(containers) -> None:
    c = containers()
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    image = generate(c, alice).images[0]
    with pytest.raises(ValidationError, match="not in your gallery"):
        c.generation.submit(bob, edit_form(source_image_id=image.id), c.generation.new_token())
    assert refreshed(c, bob).balance == 20


def test_the_gallery_pages_newest_first_and_shows_nobody_elses_images(containers) -> None:
    c = containers(gallery_page_size=3)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    made = [generate(c, alice, seed=s).images[0].id for s in range(5)]
    generate(c, bob)
    first = c.gallery.page(alice)
    second = c.gallery.page(alice, GalleryQuery(cursor=first.next_cursor))
    assert [i.id for i in first.items] == made[::-1][:3]
    assert [i.id for i in second.items] == made[::-1][3:]
    assert second.next_cursor is None and first.total == 5
    with pytest.raises(NotFoundError):
        c.gallery.detail(bob, made[0])


def test_the_detail_view_tells_how_the_image_was_made(containers) -> None:
    c = containers()
    user = sign_up(c)
    job = generate(c, user, prompt="teal waves", aspect_ratio="3:2", seed=99, output_format="jpeg")
    detail = c.gallery.detail(user, job.images[0].id)
    g = detail.generation
    assert g is not None
    assert (g.prompt, g.model, g.aspect_ratio, g.seed, g.charged, g.output_format) == (
        "teal waves",
        "offline-draw",
        "3:2",
        99,
        1,
        "jpeg",
    )
    assert detail.image.content_type == "image/jpeg" and detail.parent is None


def test_deleting_an_image_removes_its_files_and_keeps_the_history(containers) -> None:
    c = containers()
    user = sign_up(c)
    job = generate(c, user)
    image = job.images[0]
    with c.db.reader() as uow:
        row = uow.images.get(image.id)
    c.gallery.delete(user, image.id)
    assert not c.blobs.exists(row.blob_key) and not c.blobs.exists(row.thumb_key)  # type: ignore[union-attr]
    assert c.gallery.page(user).total == 0
    assert c.generation.status(user, job.id).status == JobStatus.SUCCEEDED
    with pytest.raises(NotFoundError):
        c.gallery.delete(user, image.id)


def test_nobody_can_delete_another_users_image(containers) -> None:
    c = containers()
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    image = generate(c, alice).images[0]
    with pytest.raises(NotFoundError):
        c.gallery.delete(bob, image.id)
    assert c.gallery.page(alice).total == 1
