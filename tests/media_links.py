"""Comparing signed media links: two links made a moment apart may differ in expiry (rounded to the minute, so a
minute's edge can fall between them) and so in signature, yet open the same file the same way."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit


def media_target(url: str) -> tuple[str, bool]:
    """What a media link opens: its path (image and variant) and whether it downloads, without expiry or signature."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert set(query) >= {"exp", "sig"}, f"not a signed media link: {url}"
    return parts.path, query.get("download") == ["1"]
