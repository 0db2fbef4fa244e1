"""Shares: public links to single images. The read models the image view, the privacy centre and the public
page use, the token's shape, and the size a shared copy is served at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.url_params import Token

SHARE_PATH = "/s"
TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 random bits
TOKEN = Token("token", 64)  # what a link may carry: ASCII letters, digits, "_" and "-", at most the column's 64
SHARE_SIDE = 1600  # the public copy's longest side: large on a screen, and a modest file for a chat preview
DESCRIPTION_CHARS = 200  # og:description: chat apps cut longer text anyway


def share_path(token: str) -> str:
    return f"{SHARE_PATH}/{token}"


def image_path(token: str) -> str:
    return f"{SHARE_PATH}/{token}/image.jpg"


def fitted(width: int, height: int, side: int) -> tuple[int, int]:
    """The size an image of width × height is served at when its longest side is at most `side`; never larger
    than it is."""
    longest = max(width, height, 1)
    if longest <= side:
        return max(width, 1), max(height, 1)
    scale = side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass(frozen=True)
class ShareView:
    """One of the owner's links, as the image view and the privacy centre list it."""

    id: int
    image_id: int
    token: str
    with_prompt: bool
    size: int
    created_at: datetime
    thumb_url: str = ""  # the image's signed thumbnail, for the privacy centre's list

    @property
    def path(self) -> str:
        """The link, relative to the app's address."""
        return share_path(self.token)


@dataclass(frozen=True)
class PublicShare:
    """What the public page shows, and nothing else of the owner: the picture's served size and, only when
    shared with it, its prompt."""

    token: str
    width: int
    height: int
    prompt: str  # "" unless the owner shared the prompt (and the job still has one)
    etag: str  # the public copy's validator: the same while the share and its image stay the same

    @property
    def image_path(self) -> str:
        return image_path(self.token)


@dataclass(frozen=True)
class SharedImage:
    """The public copy's bytes: a JPEG without any metadata."""

    data: bytes
    etag: str
    content_type: str = "image/jpeg"
