"""An export's temporary file, sealed: whatever is written in whatever pieces reads back the same, whole, by lines
or from any position, before and after it spills to disk; it refuses to be written anywhere but at its end."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.sealed_spool import SEALED_CHUNK, SealedSpool, sealed_spool


@settings(max_examples=40, deadline=None)
@given(
    pieces=st.lists(st.binary(max_size=3 * SEALED_CHUNK // 2), max_size=8),
    spill=st.sampled_from([0, SEALED_CHUNK, 1 << 20]),
    start=st.integers(min_value=0, max_value=4 * SEALED_CHUNK),
)
def test_what_is_written_reads_back_the_same_from_anywhere(pieces: list[bytes], spill: int, start: int) -> None:
    data = b"".join(pieces)
    with sealed_spool(spill, "atelier-test-") as handle:
        for piece in pieces:
            handle.write(piece)
        handle.flush()
        assert handle.seek(0, io.SEEK_END) == len(data)
        handle.seek(0)
        assert handle.read() == data
        handle.seek(start)
        assert handle.read(SEALED_CHUNK + 3) == data[start : start + SEALED_CHUNK + 3]
        handle.seek(0)
        assert list(handle) == io.BytesIO(data).readlines()


def test_writing_anywhere_but_the_end_is_refused() -> None:
    with SealedSpool(0, "atelier-test-") as raw:
        raw.write(b"x" * (SEALED_CHUNK * 2))
        raw.seek(10)
        with pytest.raises(io.UnsupportedOperation):
            raw.write(b"y")
        raw.seek(0, io.SEEK_END)
        raw.write(b"y")
        raw.seek(0)
        assert raw.read() == b"x" * (SEALED_CHUNK * 2) + b"y"
