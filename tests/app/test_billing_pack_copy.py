"""The Billing page's cards say what their credits make with the engine in use: its default model, its price."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from pages.components.safe_text import escape_markdown
from tests.fal_server import FalServer
from tests.fal_support import FAL_KEY


def cards(open_app: Callable[..., AppTest]) -> list[str]:
    at = open_app().switch_page("pages/billing.py").run()
    assert not at.exception
    return [str(m.value) for m in at.markdown if str(m.value).startswith(("About", "Less than"))]


def shown(*lines: str) -> list[str]:
    """The lines as the page writes them: model names hold [ ] and dots, shown literally, never as markdown."""
    return [escape_markdown(line) for line in lines]


@pytest.fixture
def on_fal(app_settings: Container, fal: FalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    for key, value in {"IMAGE_ENGINE": "fal", "FAL_KEY": FAL_KEY, "FAL_QUEUE_URL": fal.queue_url}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("STARTER_CREDITS", "500")
    app_container.cache_clear()
    yield app_container()
    app_container().db.engine.dispose()


def test_on_fal_each_card_counts_images_of_flux_kontext_pro(on_fal, open_app: Callable[..., AppTest]) -> None:  # type: ignore[no-untyped-def]
    # 40 credits an image: 1,000, 2,500 and 7,500 credits, then the plan's 3,000 a month.
    assert cards(open_app) == shown(
        "About 25 images with FLUX.1 Kontext [pro]",
        "About 62 images with FLUX.1 Kontext [pro]",
        "About 187 images with FLUX.1 Kontext [pro]",
        "About 75 images a month with FLUX.1 Kontext [pro]",
    )


def test_offline_each_card_counts_the_offline_engines_images_at_its_own_price(
    app_settings: Container, open_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDITS_PER_IMAGE", "4")
    app_container.cache_clear()
    assert cards(open_app) == shown(
        "About 250 images with Offline pattern engine (not AI)",
        "About 625 images with Offline pattern engine (not AI)",
        "About 1,875 images with Offline pattern engine (not AI)",
        "About 750 images a month with Offline pattern engine (not AI)",
    )
    assert not any("Kontext" in line for line in cards(open_app))
