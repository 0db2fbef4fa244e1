"""The exports' image names: the day, a slug of the prompt and the id; unique in an archive and safe on every OS."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from core.domain.export import image_file

DUSK = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
# Windows refuses these as a file's name, with or without an extension (and COM¹… on some versions).
RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)} | {chr(127)}
SAFE = re.compile(r"^images/[0-9]{4}-[0-9]{2}-[0-9]{2}_[a-z0-9-]{1,40}_[0-9]+\.(jpg|png|webp)$")

prompts = st.one_of(st.none(), st.text(max_size=400), st.sampled_from(["CON", "nul.txt", " . ", "Ω≈ç√", "a/b\\c"]))
images = st.tuples(
    st.integers(min_value=1, max_value=10**12),
    st.datetimes(timezones=st.just(UTC)),
    prompts,
    st.sampled_from(["jpg", "png", "webp"]),
)


def test_a_name_tells_the_day_the_prompt_and_the_image() -> None:
    assert image_file(1, DUSK, "Lighthouse at dusk", "jpg") == "images/2026-12-01_lighthouse-at-dusk_1.jpg"
    assert image_file(7, DUSK, None, "png") == "images/2026-12-01_upload_7.png"  # an upload has no prompt


def test_other_scripts_are_transliterated_and_a_prompt_with_no_letters_still_names_the_file() -> None:
    assert image_file(2, DUSK, "маяк на закате", "jpg") == "images/2026-12-01_maiak-na-zakate_2.jpg"
    assert image_file(3, DUSK, "Phare à l'aube, « brume »", "jpg") == "images/2026-12-01_phare-a-l-aube-brume_3.jpg"
    assert image_file(4, DUSK, "🌅🌅 !!", "webp") == "images/2026-12-01_image_4.webp"


def test_a_long_prompt_is_cut_at_a_word() -> None:
    name = image_file(5, DUSK, "a lighthouse on a cliff above a stormy sea at dusk, oil painting, dramatic", "png")
    assert name == "images/2026-12-01_a-lighthouse-on-a-cliff-above-a-stormy_5.png"


def test_the_day_is_the_utc_day_whatever_the_clock_zone() -> None:
    late_in_tokyo = datetime(2026, 12, 2, 1, 0, tzinfo=timezone(timedelta(hours=9)))
    assert image_file(6, late_in_tokyo, "x", "png").startswith("images/2026-12-01_")
    assert image_file(6, datetime(2026, 12, 1, 23, 59), "x", "png").startswith("images/2026-12-01_")  # naive: UTC


@given(st.tuples(st.integers(1, 10**12), st.datetimes(timezones=st.just(UTC)), prompts, st.sampled_from(["jpg"])))
def test_any_prompt_gives_a_name_every_system_can_store(image: tuple[int, datetime, str | None, str]) -> None:
    name = image_file(*image)
    base = name.removeprefix("images/")
    assert SAFE.match(name), name
    assert base.isascii() and not FORBIDDEN & set(base)
    assert not RESERVED.match(base) and not RESERVED.match(base.split(".")[0])
    assert base == base.strip(" .") and len(base.encode()) <= 80  # NTFS, APFS, ext4: 255


@given(st.lists(images, max_size=60, unique_by=lambda image: image[0]))
def test_the_names_in_one_archive_never_collide_even_ignoring_case(archive: list[tuple]) -> None:  # type: ignore[type-arg]
    # An archive holds each image once: ids are unique, prompts and days may repeat.
    names = [image_file(*image) for image in archive]
    assert len({name.casefold() for name in names}) == len(archive)
