"""The prompt lab's HTML report: one self-contained file, images inlined, that opens offline in any browser."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape

import pandas as pd

from core.lab_reports import Cell, ReportMeta, cells_of, grid_of

ALT_CHARS = 200  # a screen reader reads the whole alt text: the prompt's start says which picture this is
# Nothing is fetched: no script, no font, no URL. The policy makes a browser refuse anything that slipped in anyway.
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1b1b; --muted: #5c5c5c; --line: #d6d6d6;
  --tile: #ececec; --missing: #c8c8c8; --winner: #a86b00; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121212; --fg: #ededed; --muted: #a8a8a8; --line: #3a3a3a; --tile: #1f1f1f; --missing: #3c3c3c;
    --winner: #f0b429; }
}
body { margin: 0 auto; padding: 1.5rem; max-width: 100rem; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { margin: 0 0 .75rem; font-size: 1.6rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1.5rem; }
dt { color: var(--muted); } dd { margin: 0; }
pre { margin: 0; white-space: pre-wrap; font: inherit; }
table { border-collapse: collapse; margin: 0 0 2rem; }
caption { text-align: left; font-size: 1.25rem; font-weight: 600; padding: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .4rem; vertical-align: top; }
th { font-weight: 600; } th[scope="row"] { text-align: right; max-width: 12rem; }
figure { margin: 0; width: 256px; }
img, .missing { display: block; width: 256px; height: 256px; object-fit: contain; background: var(--tile); }
.missing { display: flex; align-items: center; justify-content: center; background: var(--missing);
  color: var(--fg); font-weight: 600; }
.winner img, .winner .missing { outline: 4px solid var(--winner); outline-offset: -4px; }
figcaption { font-size: .85rem; color: var(--muted); padding-top: .3rem; overflow-wrap: anywhere; }
figcaption p { margin: .15rem 0; } .win { color: var(--winner); font-weight: 700; }
.comment { color: var(--fg); }
"""
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def html_report(frame: pd.DataFrame, images: Mapping[int, bytes], meta: ReportMeta) -> bytes:
    """The title, the template, the axes and the cost, then one table per page: a picture (or its status) per
    cell with its rating, comment, winner mark and cost. UTF-8."""
    cells = cells_of(frame)
    grid = grid_of(cells)
    by_page: dict[int, list[Cell]] = {}
    for cell in cells:
        by_page.setdefault(cell.page, []).append(cell)
    tables = [
        _table(page, page_cells, grid.column_labels, grid.row_labels, images, meta)
        for page, page_cells in sorted(by_page.items())
    ]
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        f"<title>{escape(meta.title)} · prompt lab report</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(meta.title)}</h1>",
        _summary(meta, len(cells)),
        *tables,
        "</body>",
        "</html>",
    ]
    return ("\n".join(parts) + "\n").encode("utf-8")


def content_type(data: bytes) -> str | None:
    """The image type its first bytes announce, or None for anything a browser should not be asked to show."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in MAGIC if data.startswith(magic)), None)


def _summary(meta: ReportMeta, cell_count: int) -> str:
    axes = "".join(
        f"<li>{escape(a.place.capitalize())}: {escape(a.label)} — {escape(', '.join(a.values))}</li>" for a in meta.axes
    )
    rows = [
        ("Template", escape(meta.template)),
        ("Prompt template", f"<pre>{escape(meta.prompt_template)}</pre>"),
        ("Axes", f"<ul>{axes}</ul>" if axes else "None"),
        ("Cells", str(cell_count)),
        ("Total cost", _credits(meta.total_cost)),
        ("Created", escape(meta.created_at.isoformat(sep=" ", timespec="minutes"))),
    ]
    return "<dl>" + "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows) + "</dl>"


def _table(
    page: int,
    cells: list[Cell],
    column_labels: tuple[str, ...],
    row_labels: tuple[str, ...],
    images: Mapping[int, bytes],
    meta: ReportMeta,
) -> str:
    by_place = {(c.row, c.column): c for c in cells}
    rows = max(c.row for c in cells) + 1
    columns = max(len(column_labels), max(c.column for c in cells) + 1)
    with_row_headers = any(row_labels)
    lines = [f"<table>\n<caption>{escape(_caption(page, cells, meta))}</caption>"]
    if any(column_labels):
        corner = "<td></td>" if with_row_headers else ""
        headers = "".join(
            f'<th scope="col">{escape(column_labels[i] if i < len(column_labels) else "")}</th>' for i in range(columns)
        )
        lines.append(f"<thead><tr>{corner}{headers}</tr></thead>")
    lines.append("<tbody>")
    for row in range(rows):
        label = row_labels[row] if row < len(row_labels) else ""
        header = f'<th scope="row">{escape(label)}</th>' if with_row_headers else ""
        tds = "".join(_td(by_place.get((row, column)), images) for column in range(columns))
        lines.append(f"<tr>{header}{tds}</tr>")
    lines.append("</tbody>\n</table>")
    return "\n".join(lines)


def _caption(page: int, cells: list[Cell], meta: ReportMeta) -> str:
    label = next((c.page_label for c in cells if c.page_label), "")
    axis = meta.axis("pages")
    if label:
        return f"{axis.label}: {label}" if axis else label
    return meta.title if page == 0 else f"{meta.title}, page {page + 1}"


def _td(cell: Cell | None, images: Mapping[int, bytes]) -> str:
    if cell is None:
        return "<td></td>"
    data = images.get(cell.cell_id)
    kind = content_type(data) if data else None
    if data and kind:
        source = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
        picture = f'<img src="{source}" alt="{escape(_alt(cell))}" width="256" height="256">'
    else:
        word = "unreadable image" if data else (cell.status if cell.status != "succeeded" else "no image")
        picture = (
            f'<div class="missing" role="img" aria-label="{escape(_alt(cell))}: {escape(word)}">{escape(word)}</div>'
        )
    notes = [_rating(cell), f"<p>{_credits(cell.cost)}</p>"]
    if cell.winner:
        notes.insert(0, '<p class="win">★ Winner</p>')
    if cell.comment:
        notes.append(f'<p class="comment">{escape(cell.comment)}</p>')
    figure_class = ' class="winner"' if cell.winner else ""
    return f"<td><figure{figure_class}>{picture}<figcaption>{''.join(notes)}</figcaption></figure></td>"


def _alt(cell: Cell) -> str:
    prompt = " ".join(cell.prompt.split())
    prompt = prompt if len(prompt) <= ALT_CHARS else prompt[: ALT_CHARS - 1].rstrip() + "…"
    places = ", ".join(label for label in (cell.column_label, cell.row_label, cell.page_label) if label)
    return f"{prompt} ({places})" if places else prompt or f"Cell {cell.cell_id}"


def _rating(cell: Cell) -> str:
    parts = []
    if cell.stars is not None:
        stars = max(0, min(5, cell.stars))
        parts.append(f'<span role="img" aria-label="{stars} of 5 stars">{"★" * stars}{"☆" * (5 - stars)}</span>')
    if cell.thumbs in ("up", "down"):
        parts.append(
            f'<span role="img" aria-label="thumbs {cell.thumbs}">{"👍" if cell.thumbs == "up" else "👎"}</span>'
        )
    return f"<p>{' '.join(parts) or 'Not rated'}</p>"


def _credits(amount: int) -> str:
    return f"{amount:,} credit" + ("" if amount == 1 else "s")
