"""The export's parts without a database: its signed links, its filter in a link, cost shares and the ZIP's
fixed dates."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.csv_safe import CsvWriter, to_csv
from core.domain.export import cost_shares
from core.domain.gallery import GalleryFilter
from core.domain.url_params import from_params
from core.services.export_archive import DatedZip
from core.services.history_export import canonical, filter_query
from core.signing import ExportSigner, MediaSigner, Signer
from tests.factories import TEST_SECRET, MovableClock

SECRET = TEST_SECRET.encode()
PROPERTY = settings(derandomize=True, database=None, deadline=None)


def parts(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def check(signer: ExportSigner, fmt: str, p: dict[str, str], query: str) -> object:
    return signer.verify(fmt, p.get("user", ""), p.get("sv", ""), p.get("exp", ""), query, p.get("sig", ""))


def test_an_export_link_is_valid_for_its_user_version_format_and_filter_only_and_for_an_hour() -> None:
    clock = MovableClock()
    signer = ExportSigner(SECRET, clock)
    query = filter_query(GalleryFilter(favourites=True))
    url = signer.url("zip", 7, 2, query)
    p = parts(url)
    grant = check(signer, "zip", p, query)
    assert grant is not None and grant.user_id == 7 and grant.session_version == 2  # type: ignore[attr-defined]
    assert grant.issued_at == clock.now.replace(second=0)  # type: ignore[attr-defined]
    assert url.startswith("/api/exports/history.zip?fav=1&user=7&sv=2&exp=")
    for changed in ({"user": "8"}, {"sv": "1"}, {"exp": str(int(p["exp"]) + 60)}, {"sig": "0" * 64}):
        assert check(signer, "zip", p | changed, query) is None, changed
    assert check(signer, "csv", p, query) is None
    assert check(signer, "zip", p, filter_query(GalleryFilter())) is None
    clock.advance(minutes=61)
    assert check(signer, "zip", p, query) is None


def test_a_media_signature_never_opens_an_export_and_an_export_signature_never_opens_an_image() -> None:
    clock = MovableClock()
    exports, media = ExportSigner(SECRET, clock), MediaSigner(SECRET, 3600, clock)
    p = parts(exports.url("csv", 1, 0, ""))
    as_media = Signer(SECRET, "media").sign("csv", "1", "0", p["exp"], "")
    assert check(exports, "csv", p | {"sig": as_media}, "") is None
    public_id = "a" * 32
    as_export = Signer(SECRET, "export").sign(public_id, "original", p["exp"])
    assert not media.verify(public_id, "original", p["exp"], as_export)


@pytest.mark.parametrize(
    "gallery_filter",
    [
        GalleryFilter(),
        GalleryFilter(text="  red & blue = ?sky#  ", models=("m,1", "b"), kinds=("edit", "upload"), favourites=True),
        GalleryFilter(text="x" * 199 + " y" * 10, aspects=("16:9",), date_from=date(2026, 1, 2), collection=4),
        GalleryFilter(text="Émile ünd 東京", date_to=date(2026, 3, 1), image_ids=(3, 1, 2)),
    ],
)
def test_a_filter_reads_back_from_its_link_as_the_same_canonical_filter(gallery_filter: GalleryFilter) -> None:
    signer = ExportSigner(SECRET, MovableClock())
    fixed = canonical(gallery_filter)
    url = signer.url("zip", 1, 0, filter_query(fixed))
    back = from_params(parts(url)).filter
    assert filter_query(back) == filter_query(fixed)
    assert check(signer, "zip", parts(url), filter_query(back)) is not None
    assert canonical(fixed) == fixed


@PROPERTY
@given(st.integers(0, 10_000), st.integers(1, 8))
def test_a_jobs_shares_add_up_to_its_charge_and_differ_by_at_most_one(charged: int, count: int) -> None:
    shares = cost_shares(charged, count)
    assert sum(shares) == charged and len(shares) == count
    assert max(shares) - min(shares) <= 1 and shares == sorted(shares, reverse=True)


def test_the_streaming_csv_writer_writes_what_to_csv_writes() -> None:
    rows = [["=1", "a,b", 'q"x', "line\nbreak", -3, None, "é"]]
    out = io.BytesIO()
    writer = CsvWriter(out, ["a", "b", "c", "d", "e", "f", "g"])
    for row in rows:
        writer.writerow(row)
    assert out.getvalue() == to_csv(["a", "b", "c", "d", "e", "f", "g"], rows)


def dated_zip(made: datetime) -> bytes:
    archive = DatedZip()
    lookalike = b"PK\x03\x04" + b"\x00" * 40 + b"PK\x01\x02" + b"\x00" * 50  # content that starts like a header
    archive.add("a.bin", lambda: [lookalike, lookalike], 2 * len(lookalike), made)
    archive.add("images/000001.png", lambda: [b"x" * 10], 10, made + timedelta(days=400, seconds=7))
    data = b"".join(archive)
    assert len(data) == len(archive)
    return data


def test_zip_entries_carry_the_dates_given_and_the_same_entries_give_the_same_bytes() -> None:
    made = datetime(2026, 3, 4, 5, 6, 8, tzinfo=UTC)
    first = dated_zip(made)
    assert dated_zip(made) == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert [i.date_time for i in z.infolist()] == [(2026, 3, 4, 5, 6, 8), (2027, 4, 8, 5, 6, 14)]
        assert z.testzip() is None
        assert z.read("a.bin").startswith(b"PK\x03\x04\x00\x00")  # the look-alike content is untouched
