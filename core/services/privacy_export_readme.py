"""README.txt of the privacy centre's export of everything: what each file holds, where the data is stored,
under which policy, and the schema of the JSON, in words, for the person who asked."""

from __future__ import annotations

from datetime import datetime

from core.domain.export import iso_utc
from core.domain.privacy_export import SCHEMA, SCHEMA_FILE, TABLE_FILES
from core.services.privacy_export_files import Written
from core.text import plural

TEXT = """Atelier: everything we hold about you
=====================================

Exported {exported_at} (all times in this export are UTC).
Stored in: {region}. Privacy policy version: {policy}.
This export holds your data only: nothing of any other user is included.
{generations}, {images}{missing}.

What is in this ZIP
-------------------
README.txt            This file.
profile.json          Your account (email, display name, the name and picture your sign-in
                      provider gave, role, credit balance, when it was created and when you
                      last signed in), your preferences, your collections with the public ids
                      of their images, your plans, the storage region and the policy version.
generations.json      Every generation job: its prompt, model, settings, seed, cost and what
                      was charged, status, timings and input images; its images (public id,
                      file name in images/, size, dimensions, favourite, collections); and the
                      review status of any image the automated safety check withheld (never
                      the withheld image itself). Then your uploads ("uploads").
generations.csv       The same as one table: one row per image, the job's columns repeated;
                      a job without images (failed, canceled) has one row with empty image
                      columns; an upload has kind "upload" and empty job columns.
credits.csv           Your credit ledger, oldest first: {credits}.
orders.csv            Your orders (no card data: the payment provider keeps it):
                      {orders}.
consents.csv          Every change of your consent choices: {consents}.
policy_acknowledgements.csv
                      The policy changes you read and said OK to: {policy_acknowledgements}.
sign_ins.csv          Your sign-ins: {sign_ins}.
privacy_requests.csv  Every privacy request you made, this download included: {privacy_requests}.
emails.csv            Every email we sent you or are about to, with why (its purpose): {emails}.
shares.csv            Your public links to images, revoked ones included (revoked_at), with
                      the link's address after this app's: {shares}.
lab_templates.csv     Team members only: the prompt-lab template versions you saved:
                      {lab_templates}.
lab_experiments.csv   The prompt-lab experiments you ran: {lab_experiments}.
lab_cells.csv         Their cells (each one of your jobs): {lab_cells}.
lab_ratings.csv       Your ratings of lab cells: {lab_ratings}.
lab_presets.csv       The presets you promoted: {lab_presets}.
images/               The original of every image, named by the day it was made, its prompt and
                      its number (images/2026-12-01_lighthouse-at-dusk_123.jpg, the same names as
                      the gallery's download; generations.csv's "file" column names each one)
                      and dated when it was made.
masks/                The region you brushed for each "Vary region" job (white was painted
                      anew), named by the job's id, as generations.json's mask_file says.

The JSON files follow the JSON Schema "{schema}", committed with Atelier's source as
{schema_file}. The CSV files are UTF-8 with a byte-order mark, so spreadsheets show
accents correctly; a cell that would start with = + - @ or a tab begins with an apostrophe,
so that no spreadsheet runs it as a formula.
"""


def readme(issued_at: datetime, region: str, policy_version: str, written: Written) -> bytes:
    gone = f"; {plural(written.missing, 'original')} could not be found and {'is' if written.missing == 1 else 'are'}"
    columns = {name.removesuffix(".csv"): ", ".join(header) for name, header in TABLE_FILES.items()}
    return TEXT.format(
        exported_at=iso_utc(issued_at),
        region=region,
        policy=policy_version,
        generations=plural(written.generations, "generation job"),
        images=plural(written.images + written.missing, "image"),
        missing=gone + " not in images/" if written.missing else "",
        schema=SCHEMA,
        schema_file=SCHEMA_FILE,
        **columns,
    ).encode("utf-8")
