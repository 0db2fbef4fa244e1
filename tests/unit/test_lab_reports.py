"""The prompt lab's reports: the CSV, the JSON, the contact sheet and the HTML file a person downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest
from PIL import Image

from core.lab_contact_sheet import TILE, contact_sheet
from core.lab_report_html import content_type, html_report
from core.lab_reports import AxisMeta, ReportMeta, results_csv, results_json

COLOURS = ["red", "green", "blue", "orange", "purple", "teal", "olive", "navy"]
HOSTILE = "<script>alert(1)</script>"


def lab_meta(columns: tuple[str, ...], rows: tuple[str, ...], pages: tuple[str, ...] = ()) -> ReportMeta:
    axes = [AxisMeta("columns", "Guidance scale", columns), AxisMeta("rows", "Sampler", rows)]
    if pages:
        axes.append(AxisMeta("pages", "Model", pages))
    return ReportMeta(
        title="Lighthouse study",
        template="Portrait v3",
        prompt_template="a {subject} at dusk, guidance {guidance}",
        axes=tuple(axes),
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        total_cost=4 * len(columns) * len(rows) * max(1, len(pages)),
    )


def lab_frame(columns: tuple[str, ...], rows: tuple[str, ...], pages: tuple[str, ...] = ("",)) -> pd.DataFrame:
    """One succeeded, unrated cell per place, ordered by page, row, column, as the lab's grid module hands it over."""
    records: list[dict[str, object]] = []
    for page, page_label in enumerate(pages):
        for row, row_label in enumerate(rows):
            for column, column_label in enumerate(columns):
                cell_id = len(records) + 1
                settings = {"guidance_scale": float(column_label or 0), "sampler": row_label, "steps": 30}
                records.append(
                    {
                        "cell_id": cell_id,
                        "page": page,
                        "row": row,
                        "column": column,
                        "page_label": page_label,
                        "row_label": row_label,
                        "column_label": column_label,
                        "prompt": f"a lighthouse at dusk, cell {cell_id}",
                        "model": "fal-ai/flux/dev",
                        "model_label": "FLUX.1 [dev]",
                        "seed": 1000 + cell_id,
                        "settings": json.dumps(settings, sort_keys=True),
                        "cost": 4,
                        "status": "succeeded",
                        "thumbs": "",
                        "stars": pd.NA,
                        "comment": "",
                        "winner": False,
                        "image_id": 500 + cell_id,
                    }
                )
    frame = pd.DataFrame.from_records(records)
    return frame.astype({"stars": "Int64", "image_id": "Int64"})


def jpeg(colour: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def images_for(frame: pd.DataFrame) -> dict[int, bytes]:
    return {int(cell_id): jpeg(COLOURS[i % len(COLOURS)]) for i, cell_id in enumerate(frame["cell_id"])}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def rate(frame: pd.DataFrame, cell_id: int, **values: object) -> None:
    for name, value in values.items():
        frame.loc[frame["cell_id"] == cell_id, name] = value


def test_the_csv_has_one_row_per_cell_with_its_settings_cost_rating_and_comment() -> None:
    frame = lab_frame(("3", "7", "12"), ("euler", "dpm"))
    rate(frame, 2, stars=4, thumbs="up", comment="crisp rocks", winner=True)

    rows = csv_rows(results_csv(frame))

    assert len(rows) == 6
    assert [r["cell_id"] for r in rows] == [str(i) for i in range(1, 7)]
    second = rows[1]
    assert (second["column_label"], second["row_label"]) == ("7", "euler")
    assert (second["setting_guidance_scale"], second["setting_sampler"], second["setting_steps"]) == (
        "7.0",
        "euler",
        "30",
    )
    assert (second["cost"], second["stars"], second["thumbs"], second["comment"]) == ("4", "4", "up", "crisp rocks")
    assert second["winner"] == "true" and rows[0]["winner"] == "false"
    assert rows[0]["stars"] == "" and rows[0]["status"] == "succeeded"
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for name in rows[0])


def test_a_comment_that_a_spreadsheet_would_run_as_a_formula_is_shown_as_text() -> None:
    frame = lab_frame(("3", "7"), ("euler",))
    rate(frame, 1, comment='=HYPERLINK("http://evil.example","click")')

    rows = csv_rows(results_csv(frame))

    assert rows[0]["comment"] == "'" + '=HYPERLINK("http://evil.example","click")'


def test_the_json_round_trips_with_parsed_settings_and_null_stars_where_unrated() -> None:
    frame = lab_frame(("3", "7"), ("euler", "dpm"))
    rate(frame, 3, stars=5, comment="the one")
    meta = lab_meta(("3", "7"), ("euler", "dpm"))

    data = results_json(frame, meta)
    document = json.loads(data.decode("utf-8"))

    assert list(document) == ["experiment", "cells"]
    assert document["experiment"]["title"] == "Lighthouse study"
    assert document["experiment"]["axes"][0] == {"place": "columns", "label": "Guidance scale", "values": ["3", "7"]}
    assert document["experiment"]["created_at"] == "2025-03-01T09:30:00+00:00"
    cells = document["cells"]
    assert len(cells) == 4
    assert cells[0]["stars"] is None and cells[2]["stars"] == 5 and cells[2]["comment"] == "the one"
    assert cells[1]["settings"] == {"guidance_scale": 7.0, "sampler": "euler", "steps": 30}
    assert results_json(frame, meta) == data  # the same experiment always makes the same file


def test_a_2x3_contact_sheet_draws_every_cell_and_every_header() -> None:
    frame = lab_frame(("3", "7", "12"), ("euler", "dpm"))
    meta = lab_meta(("3", "7", "12"), ("euler", "dpm"))

    sheet = contact_sheet(frame, images_for(frame), meta)

    assert sheet.tiles == 6
    assert sheet.labels == ("3", "7", "12", "euler", "dpm")
    picture = Image.open(io.BytesIO(sheet.png))
    assert picture.format == "PNG"
    assert 3 * TILE < picture.width < 3 * TILE + 400
    assert 2 * TILE < picture.height < 2 * TILE + 400


def test_a_contact_sheet_with_pages_repeats_the_headers_under_each_page_label() -> None:
    pages = ("FLUX dev", "SDXL")
    frame = lab_frame(("3", "7"), ("euler", "dpm"), pages)
    meta = lab_meta(("3", "7"), ("euler", "dpm"), pages)

    sheet = contact_sheet(frame, images_for(frame), meta)

    assert sheet.tiles == 8
    assert sheet.labels == ("FLUX dev", "3", "7", "euler", "dpm", "SDXL", "3", "7", "euler", "dpm")
    picture = Image.open(io.BytesIO(sheet.png))
    assert 4 * TILE < picture.height < 4 * TILE + 600


def test_a_cell_without_an_image_gets_a_grey_tile_and_a_winner_a_gold_border() -> None:
    frame = lab_frame(("3", "7"), ("euler",))
    rate(frame, 1, status="failed", image_id=pd.NA)
    rate(frame, 2, winner=True)
    images = {2: jpeg("blue", (512, 256))}  # wide: letterboxed, not stretched
    long_label = "an extremely long axis value " * 6

    sheet = contact_sheet(frame.assign(row_label=long_label), images, lab_meta(("3", "7"), (long_label,)))

    picture = Image.open(io.BytesIO(sheet.png)).convert("RGB")
    assert sheet.tiles == 2 and sheet.labels == ("3", "7", long_label)
    blue = [
        (x, y)
        for x in range(0, picture.width, 4)
        for y in range(0, picture.height, 4)
        if _near(picture.getpixel((x, y)), (0, 0, 254))
    ]
    grey = [
        (x, y)
        for x in range(0, picture.width, 4)
        for y in range(0, picture.height, 4)
        if _near(picture.getpixel((x, y)), (200, 200, 200))
    ]
    gold = [
        (x, y)
        for x in range(0, picture.width, 2)
        for y in range(0, picture.height, 2)
        if _near(picture.getpixel((x, y)), (240, 170, 0))
    ]
    assert blue and grey and gold
    blue_height = max(y for _, y in blue) - min(y for _, y in blue)
    assert blue_height < TILE * 0.6  # the 2:1 picture keeps its shape inside its square tile


def test_the_html_report_inlines_every_image_and_escapes_what_people_typed() -> None:
    frame = lab_frame(("3", "7", "12"), ("euler", "dpm"))
    rate(frame, 4, comment=HOSTILE, stars=3, thumbs="down", winner=True)
    rate(frame, 6, status="canceled", image_id=pd.NA)
    images = images_for(frame)
    del images[6]
    meta = replace(lab_meta(("3", "7", "12"), ("euler", "dpm")), title=f"Study {HOSTILE}")

    page = html_report(frame, images, meta).decode("utf-8")

    assert page.count('src="data:image/jpeg;base64,') == 5
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(//|[a-z]+:(?!image/))""", page, re.IGNORECASE)
    assert '<th scope="col">12</th>' in page and '<th scope="row">dpm</th>' in page
    assert "<caption>Study" in page and '<html lang="en">' in page and '<meta charset="utf-8">' in page
    assert "prefers-color-scheme: dark" in page
    assert "canceled" in page and "★★★☆☆" in page and "Winner" in page
    assert 'alt="a lighthouse at dusk, cell 1 (3, euler)"' in page


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (jpeg("red"), "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n rest", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<svg onload=alert(1)>", None),
    ],
)
def test_the_html_report_names_an_image_type_from_its_bytes_and_refuses_anything_else(
    data: bytes, kind: str | None
) -> None:
    assert content_type(data) == kind


def _near(pixel: object, target: tuple[int, int, int], slack: int = 24) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(p) - t) <= slack for p, t in zip(pixel, target))
