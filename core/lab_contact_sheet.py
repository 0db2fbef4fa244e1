"""The prompt lab's contact sheet: one PNG of an experiment's images laid out as an X/Y plot, headers and all."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from PIL import Image, ImageDraw, ImageFont, ImageOps

from core.errors import ValidationError
from core.image_previews import displayable
from core.lab_reports import Cell, ReportMeta, cells_of, grid_of

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Colour = tuple[int, int, int]

TILE = 256  # a tile's side when the grid fits the pixel budget: sharp enough to compare, small enough to mail
MIN_TILE = 64  # below this a face is a smudge: a grid that would need smaller tiles is refused instead
PIXEL_BUDGET = 64 * TILE * TILE  # about 4 megapixels of tiles, whatever the grid's shape
MAX_SIDE = 12_000  # px either way: past this, image viewers and mail clients give up
MAX_SOURCE_PIXELS = 40_000_000  # a thumbnail claiming more is not a thumbnail: drawn as unreadable, never decoded
MARGIN, GAP, PAD = 16, 6, 6
PAPER, INK, MUTED = (255, 255, 255), (20, 20, 20), (90, 90, 90)
LETTERBOX, MISSING, WINNER = (236, 236, 236), (200, 200, 200), (240, 170, 0)
ELLIPSIS = "..."  # the default font has no "…" glyph


@dataclass(frozen=True)
class ContactSheet:
    png: bytes
    tiles: int  # cells drawn, with or without an image
    labels: tuple[str, ...]  # every header label drawn (page, then its columns, then its rows), in full


def contact_sheet(frame: pd.DataFrame, images: Mapping[int, bytes], meta: ReportMeta) -> ContactSheet:
    """Per page: its label, the column labels across the top, the row labels down the left and a tile per cell;
    a winner gets a gold border and tag, a cell without an image a grey tile with its status."""
    cells = cells_of(frame)
    grid = grid_of(cells)
    pages, rows, columns = (max(1, len(labels)) for labels in (grid.page_labels, grid.row_labels, grid.column_labels))
    if any(min(c.page, c.row, c.column) < 0 for c in cells):
        raise ValidationError("A cell has a negative place in the grid, so the contact sheet cannot be drawn.")
    tile = _tile_side(pages * rows, columns)
    header, small = _font(18 if tile >= 128 else 14), _font(16 if tile >= 128 else 12)
    title_font, page_font = _font(28), _font(22)
    line = _line_height(header)
    column_header = 2 * line + 2 * PAD if any(grid.column_labels) else 0
    gutter = min(220, max(120, tile)) if any(grid.row_labels) else 0
    page_header = _line_height(page_font) + 2 * PAD if any(grid.page_labels) else 0
    grid_width = columns * tile + (columns - 1) * GAP
    grid_height = rows * tile + (rows - 1) * GAP
    width = max(480, 2 * MARGIN + gutter + grid_width)
    top = MARGIN + _line_height(title_font) + _line_height(small) + 2 * PAD
    height = top + pages * (page_header + column_header + grid_height + MARGIN) + MARGIN
    if height > MAX_SIDE:
        raise ValidationError(f"This grid is too tall for one contact sheet ({pages * rows} rows of images).")

    sheet = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(sheet)
    draw.text((MARGIN, MARGIN), _ellipsize(meta.title, title_font, width - 2 * MARGIN), font=title_font, fill=INK)
    subtitle = _ellipsize(_subtitle(meta), small, width - 2 * MARGIN)
    draw.text((MARGIN, MARGIN + _line_height(title_font) + PAD), subtitle, font=small, fill=MUTED)
    by_place = {(c.page, c.row, c.column): c for c in cells}
    drawn: list[str] = []
    left = MARGIN + gutter
    y = top
    for page in range(pages):
        page_label = grid.page_labels[page] if page < len(grid.page_labels) else ""
        if page_label:
            drawn.append(page_label)
            text = _ellipsize(page_label, page_font, width - 2 * MARGIN)
            draw.text((MARGIN, y + PAD), text, font=page_font, fill=INK)
        y += page_header
        for column, label in enumerate(grid.column_labels):
            if label:
                drawn.append(label)
                box = (left + column * (tile + GAP), y, tile, column_header)
                _text_block(draw, label, header, box, max_lines=2)
        y += column_header
        for row in range(rows):
            row_top = y + row * (tile + GAP)
            label = grid.row_labels[row] if row < len(grid.row_labels) else ""
            if label:
                drawn.append(label)
                _text_block(draw, label, header, (MARGIN, row_top, gutter - PAD, tile), max_lines=max(1, tile // line))
            for column in range(columns):
                cell = by_place.get((page, row, column))
                if cell is not None:
                    origin = (left + column * (tile + GAP), row_top)
                    sheet.paste(_tile(cell, images.get(cell.cell_id), tile, small), origin)
                    if cell.winner:
                        _mark_winner(draw, origin, tile, small)
        y += grid_height + MARGIN

    out = io.BytesIO()
    sheet.save(out, format="PNG")
    return ContactSheet(png=out.getvalue(), tiles=len(cells), labels=tuple(drawn))


def _tile_side(rows: int, columns: int) -> int:
    """256 px when the grid fits the pixel budget, smaller for a bigger grid, refused below MIN_TILE."""
    side = min(TILE, math.isqrt(PIXEL_BUDGET // (rows * columns)), (MAX_SIDE - 2 * MARGIN - 220) // columns - GAP)
    if side < MIN_TILE:
        raise ValidationError(
            f"This grid has {rows * columns:,} places, too many for one contact sheet. Download the CSV or the "
            "HTML report instead, or split the experiment."
        )
    return side


def _tile(cell: Cell, data: bytes | None, side: int, font: Font) -> Image.Image:
    picture = _picture(data, side) if data else None
    if picture is None:
        tile = Image.new("RGB", (side, side), MISSING)
        word = "unreadable" if data else (cell.status if cell.status != "succeeded" else "no image")
        _text_block(ImageDraw.Draw(tile), word, font, (0, 0, side, side), max_lines=2)
        return tile
    tile = Image.new("RGB", (side, side), LETTERBOX)
    tile.paste(picture, ((side - picture.width) // 2, (side - picture.height) // 2), picture)
    return tile


def _picture(data: bytes, side: int) -> Image.Image | None:
    """The image fitted inside side × side with its aspect ratio kept, or None when it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_SOURCE_PIXELS:
                return None
            image.draft("RGB", (side, side))  # JPEG decodes at a fraction of its size: most of the work saved
            upright = ImageOps.exif_transpose(displayable(image))
            return ImageOps.contain(upright.convert("RGBA"), (side, side))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _mark_winner(draw: ImageDraw.ImageDraw, origin: tuple[int, int], side: int, font: Font) -> None:
    x, y = origin
    border = max(4, side // 32)
    draw.rectangle((x, y, x + side - 1, y + side - 1), outline=WINNER, width=border)
    tag_width = int(font.getlength("WINNER")) + 2 * PAD
    draw.rectangle((x, y, x + tag_width, y + _line_height(font) + PAD), fill=WINNER)
    draw.text((x + PAD, y + PAD // 2), "WINNER", font=font, fill=INK)


def _text_block(
    draw: ImageDraw.ImageDraw, text: str, font: Font, box: tuple[int, int, int, int], *, max_lines: int
) -> None:
    """Text wrapped to the box's width (at most max_lines, the last ellipsized) and centred in it."""
    x, y, width, height = box
    lines = _wrap(text, font, width - 2 * PAD, max_lines)
    line = _line_height(font)
    first = y + (height - line * len(lines)) // 2
    for i, text_line in enumerate(lines):
        draw.text((x + width / 2, first + i * line), text_line, font=font, fill=INK, anchor="ma")


def _wrap(text: str, font: Font, width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        return [*(_ellipsize(t, font, width) for t in kept[:-1]), _ellipsize(kept[-1], font, width, cut=True)]
    return [_ellipsize(t, font, width) for t in lines] or [""]


def _ellipsize(text: str, font: Font, width: float, *, cut: bool = False) -> str:
    """The text if it fits (and nothing after it was cut), else its longest prefix that fits with "..."."""
    text = " ".join(text.split())
    if not cut and font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def _subtitle(meta: ReportMeta) -> str:
    axes = [f"{a.place.capitalize()}: {a.label}" for a in meta.axes]
    credits = f"{meta.total_cost:,} credit" + ("" if meta.total_cost == 1 else "s")
    return " · ".join([meta.template, *axes, credits])


def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def _line_height(font: Font) -> int:
    left, top, right, bottom = font.getbbox("Ag")
    return int(bottom) + 4
