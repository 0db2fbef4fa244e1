"""A Streamlit script that shows the region editor over a test picture, in a dialog as the image view does, and
writes what its on_submit received: the painted share and bounding box of the mask (in % of the picture) and the text.

`streamlit run` executes it as __main__; the e2e test imports its constants without rendering anything.
"""

from __future__ import annotations

import base64
import io
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

WIDTH, HEIGHT = 600, 400
RECEIVED_KEY = "probe-received"


def picture_url() -> str:
    """A 600 × 400 test card: four coloured quarters, so a painted region shows on light and dark parts."""
    from PIL import Image

    image = Image.new("RGB", (WIDTH, HEIGHT), (30, 30, 30))
    image.paste((220, 220, 210), (0, 0, WIDTH // 2, HEIGHT // 2))
    image.paste((40, 90, 200), (WIDTH // 2, 0, WIDTH, HEIGHT // 2))
    image.paste((60, 160, 70), (0, HEIGHT // 2, WIDTH // 2, HEIGHT))
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def describe(mask_png: bytes, prompt: str) -> str:
    """ "share=12 bbox=10,20,60,70 size=600x400 text=…": what a test reads back of the mask on_submit received."""
    from PIL import Image

    with Image.open(io.BytesIO(mask_png)) as mask:
        histogram = mask.histogram()
        share = round(100 * histogram[255] / (mask.width * mask.height))
        left, top, right, bottom = mask.getbbox() or (0, 0, 0, 0)
        box = (100 * left / mask.width, 100 * top / mask.height, 100 * right / mask.width, 100 * bottom / mask.height)
        bbox = ",".join(str(round(edge)) for edge in box)
        return f"share={share} bbox={bbox} size={mask.width}x{mask.height} mode={mask.mode} text={prompt}"


def _environment() -> None:
    """Settings for the app's container (the prompt limit): an offline, throwaway setup in a temp dir."""
    data_dir = Path(tempfile.gettempdir()) / f"atelier-brush-probe-{os.getpid()}"
    data_dir.mkdir(exist_ok=True)
    defaults = {
        "APP_ENV": "test",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'probe.db'}",
        "MEDIA_SECRET": "brush-probe-media-secret-0123456789abcdef",
        "IMAGE_ENGINE": "offline",
        "BLOB_STORE": "local",
        "AUTH_MODE": "local",
    }
    for name, value in defaults.items():
        os.environ[name] = value


def main() -> None:
    _environment()
    import streamlit as st

    from core.domain import ImageView
    from pages.components.region_editor import region_editor

    url = picture_url()
    image = ImageView(
        id=1,
        generation_id=None,
        width=WIDTH,
        height=HEIGHT,
        content_type="image/png",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        thumb_url=url,
        preview_url=url,
        original_url=url,
        download_url=url,
        source="generated",
        prompt="a test card in four colours",
    )

    def on_submit(mask_png: bytes, prompt: str) -> None:
        st.session_state[RECEIVED_KEY] = describe(mask_png, prompt)

    @st.dialog("Image", width="large")
    def view() -> None:
        region_editor(image, on_submit, key="probe.region")
        st.container(key=RECEIVED_KEY).text("received: " + st.session_state.get(RECEIVED_KEY, "nothing"))

    view()


if __name__ == "__main__":
    main()
