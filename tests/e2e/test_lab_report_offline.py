"""In Chromium with the network off: the prompt lab's HTML report, opened as a saved file, shows every cell."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
import pytest
from PIL import Image
from playwright.sync_api import Browser, Route, expect

from core.lab_report_html import html_report
from core.lab_reports import AxisMeta, ReportMeta

pytestmark = pytest.mark.e2e

COLUMNS, ROWS = ("3", "7", "12"), ("euler", "dpm")
COLOURS = ["crimson", "seagreen", "royalblue", "gold", "orchid", "teal"]
FAILED_CELL = 5  # no image: the report shows its status instead
ALL_IMAGES_LOADED = """count => {
  const images = [...document.images];
  return images.length === count && images.every(image => image.complete && image.naturalWidth > 0);
}"""


def report_file(folder: Path) -> Path:
    records: list[dict[str, object]] = []
    images: dict[int, bytes] = {}
    for row, row_label in enumerate(ROWS):
        for column, column_label in enumerate(COLUMNS):
            cell_id = len(records) + 1
            failed = cell_id == FAILED_CELL
            records.append(
                {
                    "cell_id": cell_id,
                    "page": 0,
                    "row": row,
                    "column": column,
                    "page_label": "",
                    "row_label": row_label,
                    "column_label": column_label,
                    "prompt": f"a lighthouse at dusk <b>{cell_id}</b>",
                    "model": "fal-ai/flux/dev",
                    "model_label": "FLUX.1 [dev]",
                    "seed": 40 + cell_id,
                    "settings": json.dumps({"guidance_scale": float(column_label), "sampler": row_label}),
                    "cost": 4,
                    "status": "failed" if failed else "succeeded",
                    "thumbs": "up" if cell_id == 2 else "",
                    "stars": 4 if cell_id == 2 else pd.NA,
                    "comment": "<img src=x onerror=alert(1)>" if cell_id == 1 else "",
                    "winner": cell_id == 2,
                    "image_id": pd.NA if failed else 900 + cell_id,
                }
            )
            if not failed:
                out = io.BytesIO()
                Image.new("RGB", (96, 64), COLOURS[cell_id - 1]).save(out, format="JPEG")
                images[cell_id] = out.getvalue()
    frame = pd.DataFrame.from_records(records).astype({"stars": "Int64", "image_id": "Int64"})
    meta = ReportMeta(
        title="Lighthouse study",
        template="Portrait v3",
        prompt_template="a {subject} at dusk",
        axes=(AxisMeta("columns", "Guidance scale", COLUMNS), AxisMeta("rows", "Sampler", ROWS)),
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        total_cost=20,
    )
    path = folder / "lighthouse-study.html"
    path.write_bytes(html_report(frame, images, meta))
    return path


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_saved_report_shows_every_cell_with_the_network_off(
    browser: Browser, tmp_path: Path, scheme: Literal["light", "dark"]
) -> None:
    path = report_file(tmp_path)
    context = browser.new_context(color_scheme=scheme)
    fetched: list[str] = []

    def only_the_file(route: Route) -> None:
        if route.request.url == path.as_uri():
            route.continue_()
        else:
            fetched.append(route.request.url)
            route.abort()

    try:
        context.set_offline(True)
        context.route("**/*", only_the_file)
        page = context.new_page()
        page.goto(path.as_uri())

        expect(page.get_by_role("heading", name="Lighthouse study")).to_be_visible()
        table = page.get_by_role("table")
        expect(table.locator("caption")).to_have_text("Lighthouse study")
        expect(table.get_by_role("columnheader")).to_have_text(list(COLUMNS))
        expect(table.get_by_role("rowheader")).to_have_text(list(ROWS))
        images = page.locator("img")
        expect(images).to_have_count(len(COLUMNS) * len(ROWS) - 1)
        page.wait_for_function(ALL_IMAGES_LOADED, arg=len(COLUMNS) * len(ROWS) - 1)
        for image in images.all():
            expect(image).to_be_visible()
        expect(page.get_by_role("img", name="a lighthouse at dusk <b>1</b> (3, euler)")).to_be_visible()
        expect(page.get_by_role("img", name="a lighthouse at dusk <b>5</b> (7, dpm): failed")).to_have_text("failed")
        expect(page.get_by_text("<img src=x onerror=alert(1)>")).to_be_visible()  # the comment, as text
        expect(page.get_by_text("★ Winner")).to_be_visible()
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(18, 18, 18)" if scheme == "dark" else "rgb(255, 255, 255)")
        assert fetched == []
    finally:
        context.close()
