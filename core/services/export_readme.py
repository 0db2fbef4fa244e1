"""README.txt of a history export: what the ZIP holds and how to read it, in words, for the person who asked."""

from __future__ import annotations

from datetime import datetime

from core.domain.export import CSV_COLUMNS, PARAM_NAMES, SCHEMA, iso_utc
from core.domain.gallery import GalleryFilter
from core.text import plural

TEXT = """Atelier: your image history
===========================

Exported {exported_at} (all times in this export are UTC), {scope}.
{count} in all{missing}.

What is in this ZIP
-------------------
README.txt    This file.
history.csv   One row per image, oldest first. UTF-8 with a byte-order mark, so spreadsheets
              show accents correctly. A cell that would start with = + - @ or a tab begins
              with an apostrophe, so that no spreadsheet runs it as a formula.
history.json  The same rows as JSON (schema "{schema}"): the model parameters as an object,
              the input images and the collections as lists, and "missing": true for an
              image whose original could not be found.
images/       The original of every image, named by the day it was made, its prompt and its
              number in your gallery (images/2026-12-01_lighthouse-at-dusk_123.jpg; uploads
              are "upload"), and dated when it was made (UTC). Stored as they are: they are
              compressed already. history.csv's "file" column names each one.

The columns of history.csv
--------------------------
{columns}

image_id         The image's number in your gallery.
file             Its name in this ZIP; empty when its original could not be found.
source, kind     generated or upload; text_to_image, edit, multi_reference or upload.
model, prompt    The model and the prompt (or edit instruction) of the job that made it.
param_*          The model's other settings as they were sent ({params});
                 empty when the model has no such setting.
aspect_ratio     The ratio the job asked for; for edits and uploads, the named ratio
                 nearest the image's shape.
seed             The image's own seed where the engine reported one, else the job's.
size_bytes       The size of the original.
cost_credits     This image's share of its job's charge: the job's charged credits divided
                 equally among the job's images that still exist, in whole credits, the
                 first ones in the job's order taking one more where it does not divide, so
                 the shares of a job's images add up to what the job was charged. 0 for uploads.
job_cost_credits What the whole job was charged.
status           The job's final state.
collections      The names of your collections that hold it, separated by "; ".
favourite        true or false.
parent_image_id  For an edit or a combination: the first image it started from. history.json
                 lists them all (input_image_ids).
generation_id    The job that made it: images of one job share it.
"""


def readme(issued_at: datetime, gallery_filter: GalleryFilter, count: int, missing: int) -> bytes:
    scope = "the images your gallery's filter showed" if gallery_filter != GalleryFilter() else "your whole history"
    gone = f"; {plural(missing, 'original')} could not be found and {'is' if missing == 1 else 'are'} not in images/"
    return TEXT.format(
        exported_at=iso_utc(issued_at),
        scope=scope,
        count=plural(count, "image"),
        missing=gone if missing else "",
        schema=SCHEMA,
        columns=", ".join(CSV_COLUMNS),
        params=", ".join(PARAM_NAMES),
    ).encode("utf-8")
