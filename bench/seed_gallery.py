"""Seed a migrated database with a gallery at scale: one user with 10,000 images among 100,000 generations.

The rows are the ones the app writes (GenerationService and JobRunner: a finished job, its images with their
aspect and ThumbHash), written in bulk with SQLAlchemy core. The full-text indexes are filled the way
production fills them: SQLite's triggers and PostgreSQL's generated column fire on each insert, then counted.
Prompts are composed from vocabularies with skewed weights, so search terms have realistic selectivity.

    .venv/bin/python bench/seed_gallery.py --data-dir /tmp/gallery [--database-url URL] [--with-files]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from bisect import bisect_right
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from sqlalchemy import Engine, func, insert, select, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bench.common import finish_seeding  # noqa: E402
from core.domain.gallery import nearest_aspect  # noqa: E402
from core.images import clean_engine_output  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.schema import migrate  # noqa: E402

SEEDED_EMAIL = "gallery@example.com"
END = datetime(2026, 11, 28, tzinfo=UTC)
START = END - timedelta(days=365)
BATCH = 10_000
# Pixels per named ratio (FLUX's sizes), and how often people ask for each.
SHAPES = {
    "21:9": (1568, 672),
    "16:9": (1344, 768),
    "4:3": (1152, 896),
    "3:2": (1216, 832),
    "1:1": (1024, 1024),
    "2:3": (832, 1216),
    "3:4": (896, 1152),
    "9:16": (768, 1344),
    "9:21": (672, 1568),
}
ASPECTS = {shape: nearest_aspect(w, h) for shape, (w, h) in SHAPES.items()}  # what the aspect filter matches
SHAPE_WEIGHTS = (0.04, 0.15, 0.08, 0.07, 0.35, 0.08, 0.08, 0.12, 0.03)
# (kind, model, credits per image, weight)
MODELS = (
    ("text_to_image", "kontext-pro", 4, 0.32),
    ("text_to_image", "flux2-pro", 3, 0.22),
    ("text_to_image", "kontext-max", 8, 0.12),
    ("text_to_image", "flux2-dev", 2, 0.09),
    ("text_to_image", "flux2-turbo", 1, 0.05),
    ("edit", "kontext-pro-edit", 4, 0.08),
    ("edit", "flux2-pro-edit", 3, 0.04),
    ("edit", "kontext-max-edit", 8, 0.03),
    ("multi_reference", "kontext-pro-multi", 4, 0.03),
    ("multi_reference", "flux2-pro-multi", 3, 0.02),
)
BATCH_SIZES, BATCH_WEIGHTS = (1, 2, 3, 4), (0.45, 0.2, 0.1, 0.25)
PICTURES_PER_SHAPE = 2

# --- prompts -------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(";"))


# Weights fall with the rank (Zipf-like), so a few subjects are everywhere and most are rare; the last ones
# are given tiny weights on purpose: a rare search term ("axolotl", "zeppelin") is in well under 1%.
SUBJECTS = _words(
    "a woman with freckles; an old fisherman; a red fox; a cyberpunk samurai; a cozy cabin; a cat; a lighthouse on"
    " a cliff; a dragon; a young wizard; a vintage car; a bowl of ramen; a robot; a mountain lake; an astronaut;"
    " a medieval castle; a sports car; a golden retriever; a knight; a steam locomotive; a ballerina; a treehouse;"
    " a koi pond; a city skyline; a wolf; an owl; a sailing ship; a street musician; a bonsai tree; a jellyfish;"
    " a hummingbird; a desert caravan; a cup of coffee; a chess player; a deer; a space station; a witch; a tiger;"
    " a bakery; a motorcycle; a greenhouse; a polar bear; an elephant; a mermaid; a viking warrior; a panda; a hot"
    " air balloon; a bookshop; a phoenix; a farmhouse; a jazz singer; a snail; a vending machine; a tram;"
    " a waterfall; a beekeeper; a cathedral; a pirate; an octopus; a ceramic vase; a paper boat; a lantern"
    " festival; a giraffe; a typewriter; a windmill"
)
RARE_SUBJECTS = (("an axolotl", 0.004), ("a zeppelin", 0.002), ("an origami crane", 0.007), ("a narwhal", 0.001))
ADJECTIVES = _words(
    "tiny; giant; weathered; glowing; ancient; futuristic; abandoned; elegant; mysterious; whimsical; majestic;"
    " rusty; crystal; neon; fluffy; ornate; lonely; cheerful"
)
ACTIONS = _words(
    "reading a book; standing in the rain; looking at the stars; drinking tea; running through a field; sleeping;"
    " playing the violin; dancing; waiting for a train; flying over the clouds; fishing; painting a portrait;"
    " walking a dog; holding an umbrella; gazing out of a window"
)
PLACES = _words(
    "in a misty forest; on a neon-lit street in Tokyo; in a snowy mountain village; on a quiet beach; in a bustling"
    " market; in a library; under the northern lights; in a sunflower field; on Mars; in an underwater city; in a"
    " Victorian parlour; on a rooftop at night; in a bamboo forest; in the desert; in a rainy alley; inside a glass"
    " dome; by a mountain lake; in a cherry blossom park; on a foggy harbour; in a candlelit cathedral; in a retro"
    " diner; on a floating island; in Paris; in a cluttered workshop; at the edge of a canyon"
)
LIGHTING = _words(
    "soft morning light; golden hour lighting; dramatic rim light; neon lights; volumetric light; studio lighting;"
    " warm window light; moody low-key lighting; harsh midday light; light rays; candlelight; moonlight; backlit;"
    " overcast soft light; bioluminescent glow; cinematic lighting"
)
LIGHTING_WEIGHTS = (8, 9, 6, 5, 6, 8, 5, 5, 3, 4, 2, 2, 2, 3, 1, 7)
STYLES = _words(
    "oil painting; watercolour; 35mm film photograph; 3d render; digital art; pencil sketch; anime style; pixel art;"
    " ukiyo-e woodblock print; charcoal drawing; claymation; art nouveau poster; low poly; photorealistic;"
    " isometric illustration; impressionist painting; polaroid photo; stained glass; gouache; concept art;"
    " vaporwave; double exposure; linocut print; tilt-shift photo"
)
# (modifier, how often it is added)
MODIFIERS = tuple(
    (m, float(p))
    for m, p in (
        pair.split("=")
        for pair in _words(
            "highly detailed=0.35; cinematic=0.3; 8k=0.18; sharp focus=0.15; shallow depth of field=0.12; bokeh=0.08;"
            " muted palette=0.07; vibrant colours=0.12; film grain=0.09; wide angle=0.07; award winning=0.05;"
            " symmetrical composition=0.03; pastel tones=0.05; trending on artstation=0.04; intricate textures=0.06;"
            " hdr=0.03"
        )
    )
)
CAMERA = _words("close-up; aerial view; wide shot; shot on a 50mm lens; macro; portrait orientation; top-down")
EDITS = _words(
    "make the sky stormy and add lightning; replace the background with {place}; turn it into {style}; add {subject}"
    " in the foreground; change the lighting to {lighting}; remove the people in the background; make it winter"
    " with falling snow; change the colour of the jacket to red; make it look like {style}; add a reflection in the"
    " water; extend the scene to the left; give it {lighting}"
)
MULTI = _words(
    "put {subject} from the first image {place} from the second, {style}; combine the two portraits into one scene"
    " {place}, {lighting}; dress {subject} in the outfit from the second image, {style}; place the product from the"
    " first image on the table from the second, {lighting}"
)


class PromptMaker:
    """Prompts composed from the vocabularies above: subject, optional adjective, action, place, lighting,
    style, modifiers, camera; edits and multi-reference jobs get instructions instead."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(SUBJECTS))]
        scale = (1 - sum(w for _, w in RARE_SUBJECTS)) / sum(weights)
        self.subjects = [*SUBJECTS, *(s for s, _ in RARE_SUBJECTS)]
        self.subject_weights = [w * scale for w in weights] + [w for _, w in RARE_SUBJECTS]

    def subject(self) -> str:
        return self.rng.choices(self.subjects, self.subject_weights)[0]

    def lighting(self) -> str:
        return self.rng.choices(LIGHTING, LIGHTING_WEIGHTS)[0]

    def text_to_image(self) -> str:
        r = self.rng
        subject = self.subject()
        if r.random() < 0.45:
            adjective, noun = r.choice(ADJECTIVES), subject.split(" ", 1)[1]
            subject = f"{'an' if adjective[0] in 'aeiou' else 'a'} {adjective} {noun}"
        parts = [f"portrait of {subject}" if r.random() < 0.12 else subject]
        if r.random() < 0.35:
            parts[0] += f" {r.choice(ACTIONS)}"
        if r.random() < 0.8:
            parts[0] += f" {r.choice(PLACES)}"
        if r.random() < 0.85:
            parts.append(self.lighting())
        if r.random() < 0.8:
            parts.append(r.choice(STYLES))
        parts += [m for m, p in MODIFIERS if r.random() < p]
        if r.random() < 0.3:
            parts.append(r.choice(CAMERA))
        return _sentence(", ".join(parts))

    def instruction(self, kind: str) -> str:
        r = self.rng
        template = r.choice(EDITS if kind == "edit" else MULTI)
        words = {"place": r.choice(PLACES), "style": r.choice(STYLES), "subject": self.subject()}
        return _sentence(template.format(lighting=self.lighting(), **words))


def _sentence(prompt: str) -> str:
    return prompt[:1].upper() + prompt[1:]


# --- rows ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """One of a handful of drawn pictures, cleaned as ingest cleans an engine's output."""

    shape: str
    thumbnail: bytes
    preview: bytes
    thumbhash: str


@dataclass
class SeedResult:
    database_url: str
    user_id: int
    email: str
    users: int = 0
    generations: int = 0
    images: int = 0
    user_generations: int = 0
    user_images: int = 0
    indexed_prompts: int = 0
    files: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def report(self) -> str:
        steps = ", ".join(f"{name} {s:.1f} s" for name, s in self.seconds.items())
        return (
            f"seeded {self.generations:,} generations and {self.images:,} images of {self.users} users"
            f" ({self.email}, id {self.user_id}: {self.user_generations:,} generations, {self.user_images:,} images;"
            f" full-text index holds {self.indexed_prompts:,} prompts{f'; {self.files:,} files' if self.files else ''})"
            f" in {sum(self.seconds.values()):.1f} s: {steps}"
        )


def draw_pictures(rng: random.Random) -> list[Picture]:
    """A few pictures per shape (gradients, soft blobs, shapes, light grain), through clean_engine_output."""
    pictures = []
    for shape, (width, height) in SHAPES.items():
        for _ in range(PICTURES_PER_SHAPE):
            scale = 800 / max(width, height)  # ingest keeps at most 768 px: a little more is enough
            w, h = round(width * scale), round(height * scale)
            base = Image.merge(
                "RGB", [Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize((w, h)) for _ in "RGB"]
            )
            blobs = Image.new("RGB", (w, h), tuple(rng.randrange(256) for _ in range(3)))
            draw = ImageDraw.Draw(blobs)
            for _ in range(8):
                x, y, r = rng.randrange(w), rng.randrange(h), rng.randrange(30, 160)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
            picture = Image.blend(base, blobs.filter(ImageFilter.GaussianBlur(25)), 0.6)
            draw = ImageDraw.Draw(picture)
            for _ in range(4):
                x, y = rng.randrange(w), rng.randrange(h)
                draw.rectangle((x, y, x + rng.randrange(20, 150), y + rng.randrange(20, 150)), fill=(30, 30, 30))
            # Enough texture that a 768 px preview weighs what a real one does (~40–60 KB), not a flat 10 KB.
            grain = Image.frombytes("RGB", (w // 2, h // 2), rng.randbytes((w // 2) * (h // 2) * 3))
            picture = Image.blend(picture, grain.resize((w, h), Image.Resampling.BICUBIC), 0.15)
            buffer = io.BytesIO()
            picture.save(buffer, "PNG", compress_level=1)
            clean = clean_engine_output(buffer.getvalue())
            pictures.append(Picture(shape, clean.thumbnail, clean.preview, clean.thumbhash))
    return pictures


@dataclass
class Rows:
    users: list[dict[str, Any]] = field(default_factory=list)
    generations: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    pictures: dict[str, Picture] = field(default_factory=dict)  # the seeded user's image public id → its picture


@dataclass
class _Job:
    owner: int
    created: datetime
    finish: datetime
    kind: str
    model: str
    price: int
    n: int
    shape: str
    fmt: str
    gid: str


def build_rows(users: int, user_images: int, generations: int, pictures: Sequence[Picture], rng: random.Random) -> Rows:
    """Every user's jobs on one year's timeline: user 1 (the seeded user) has jobs until exactly `user_images`
    images; `users` others share the rest of the `generations` unevenly (a few heavy users, many light ones)."""
    rows = Rows(users=[_user(u, SEEDED_EMAIL if u == 1 else f"user{u}@example.com") for u in range(1, users + 2)])
    counts: list[int] = []  # the seeded user's jobs' batch sizes; the last one is cut to land on user_images
    left = user_images
    while left > 0:
        counts.append(min(rng.choices(BATCH_SIZES, BATCH_WEIGHTS)[0], left))
        left -= counts[-1]
    activity = [rng.lognormvariate(0, 1) for _ in range(users)]  # a few heavy users, many light ones
    owners = [1] * len(counts) + rng.choices(range(2, users + 2), activity, k=max(0, generations - len(counts)))
    rng.shuffle(owners)
    own_counts = iter(counts)
    span = (END - START).total_seconds()
    jobs = []
    for owner, moment in zip(owners, sorted(rng.uniform(0, span) for _ in owners), strict=True):
        kind, model, price, _ = rng.choices(MODELS, [m[3] for m in MODELS])[0]
        created = START + timedelta(seconds=moment)
        jobs.append(
            _Job(
                owner=owner,
                created=created,
                finish=created + timedelta(seconds=rng.uniform(6, 40)),
                kind=kind,
                model=model,
                price=price,
                n=next(own_counts) if owner == 1 else rng.choices(BATCH_SIZES, BATCH_WEIGHTS)[0],
                shape=rng.choices(list(SHAPES), SHAPE_WEIGHTS)[0],
                fmt="jpeg" if rng.random() < 0.7 else "png",
                gid=f"{rng.getrandbits(128):032x}",
            )
        )
    by_shape: dict[str, list[Picture]] = {}
    for picture in pictures:
        by_shape.setdefault(picture.shape, []).append(picture)
    stored: dict[int, tuple[list[datetime], list[int]]] = {}  # user → when each of their images was stored, its id
    for job in sorted(jobs, key=lambda j: j.finish):  # images are stored as their job finishes: ids follow that
        for position in range(job.n):
            image = _image(len(rows.images) + 1, job, position, rng)
            rows.images.append(image)
            times, ids = stored.setdefault(job.owner, ([], []))
            times.append(job.finish)
            ids.append(image["id"])
            if by_shape:
                picture = rng.choice(by_shape[image["aspect"]])
                image["thumbhash"] = picture.thumbhash
                if job.owner == 1:
                    rows.pictures[image["public_id"]] = picture
    prompts = PromptMaker(rng)
    for job in jobs:
        times, ids = stored.get(job.owner, ([], []))
        earlier = ids[max(0, bisect_right(times, job.created) - 50) : bisect_right(times, job.created)]
        if job.kind != "text_to_image" and not earlier:
            job.kind, job.model, job.price = "text_to_image", "kontext-pro", 4  # nothing to edit yet
        sources = [] if job.kind == "text_to_image" else rng.sample(earlier, min(len(earlier), _inputs(job, rng)))
        rows.generations.append(_generation(job, prompts, sources, rng))
        rows.inputs += [{"generation_id": job.gid, "position": p, "image_id": i} for p, i in enumerate(sources)]
    return rows


def _inputs(job: _Job, rng: random.Random) -> int:
    return 1 if job.kind == "edit" else rng.randint(2, 3)


def _user(user_id: int, email: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "issuer": "local",  # what the development sign-in looks up, so a browser can sign in as this user
        "subject": email,
        "email": email,
        "email_verified": True,
        "display_name": "",
        "role": "user",
        "balance": 1_000,
        "session_version": 0,
        "created_at": START - timedelta(days=1),
    }


def _generation(job: _Job, prompts: PromptMaker, sources: list[int], rng: random.Random) -> dict[str, Any]:
    return {
        "id": job.gid,
        "user_id": job.owner,
        "kind": job.kind,
        "status": "succeeded",
        "prompt": prompts.text_to_image() if job.kind == "text_to_image" else prompts.instruction(job.kind),
        "model": job.model,
        "aspect_ratio": job.shape if job.kind == "text_to_image" else "",
        "seed": rng.randrange(2**31),
        "num_images": job.n,
        "output_format": job.fmt,
        "parent_image_id": sources[0] if job.kind == "edit" and sources else None,
        "options": {"guidance_scale": 3.5, "safety_tolerance": "2"},
        "cost": job.price * job.n,
        "charged": job.price * job.n,
        "blocked": 0,
        "provider_request_id": f"req-{job.gid[:16]}",
        "send_attempts": 1,
        "send_failures": 0,
        "engine_errors": 0,
        "progress": 1.0,
        "status_message": "",
        "created_at": job.created,
        "updated_at": job.finish,
        "finished_at": job.finish,
    }


def _image(image_id: int, job: _Job, position: int, rng: random.Random) -> dict[str, Any]:
    width, height = SHAPES[job.shape]
    public_id = f"{rng.getrandbits(128):032x}"
    stem = f"u{job.owner}/{public_id}"
    ext = "jpg" if job.fmt == "jpeg" else "png"
    return {
        "id": image_id,
        "public_id": public_id,
        "user_id": job.owner,
        "generation_id": job.gid,
        "position": position,
        "source": "generated",
        "blob_key": f"{stem}.{ext}",
        "thumb_key": f"{stem}.thumb.webp",
        "preview_key": f"{stem}.preview.webp",
        "seed": rng.randrange(2**31),
        "content_type": f"image/{job.fmt}",
        "width": width,
        "height": height,
        "size_bytes": rng.randint(300_000, 2_500_000) if ext == "jpg" else rng.randint(1_200_000, 4_000_000),
        "aspect": ASPECTS[job.shape],
        "thumbhash": "",
        "favourite": rng.random() < (0.06 if job.owner == 1 else 0.03),
        "created_at": job.finish,
    }


# --- writing -------------------------------------------------------------------------------------------


def insert_all(engine: Engine, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """executemany in batches of BATCH rows, a transaction each. PostgreSQL gets two connections taking turns
    by batch (its work is per row on the server: indexes, foreign keys, the tsvector), which is 2-3x faster on
    two cores; SQLite has one writer, so one."""
    batches = [rows[first : first + BATCH] for first in range(0, len(rows), BATCH)]
    workers = 2 if engine.dialect.name == "postgresql" else 1

    def write(turn: int) -> None:
        for batch in batches[turn::workers]:
            with engine.begin() as conn:
                conn.execute(insert(SQLModel.metadata.tables[table]), batch)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(write, range(workers)))


def indexed_prompts(engine: Engine) -> int:
    """How many prompts the full-text index holds: the FTS5 table's rows, or the non-empty tsvectors."""
    postgres = engine.dialect.name == "postgresql"
    sql = (
        "SELECT count(*) FROM generations WHERE length(search) > 0"
        if postgres
        else "SELECT count(*) FROM generation_search"
    )
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def write_files(data_dir: Path, rows: Rows) -> int:
    """The seeded user's thumbnails and previews under the local blob store's root (DATA_DIR/media)."""
    root = data_dir / "media"
    written = 0
    for image in rows.images:
        picture = rows.pictures.get(image["public_id"])
        if picture is None:
            continue
        for key, data in ((image["thumb_key"], picture.thumbnail), (image["preview_key"], picture.preview)):
            path = root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written += 1
    return written


def seed_gallery(
    database_url: str,
    data_dir: Path | None = None,
    *,
    users: int = 100,
    images: int = 10_000,
    generations: int = 100_000,
    with_files: bool = False,
    rng_seed: int = 20261128,
) -> SeedResult:
    """Seed an empty database migrated to head; with_files writes the seeded user's thumbnails and previews
    under data_dir's blob root. Returns the counts (checked against the database) and each step's time."""
    if with_files and data_dir is None:
        raise ValueError("with_files needs a data_dir")
    rng = random.Random(rng_seed)
    result = SeedResult(database_url, 1, SEEDED_EMAIL)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(SQLModel.metadata.tables["users"])).scalar_one():
                raise SystemExit("the database already has users: seed an empty, migrated database")
        t = time.perf_counter()
        pictures = draw_pictures(rng)
        rows = build_rows(users, images, generations, pictures, rng)
        result.seconds["build rows"] = time.perf_counter() - t
        for table, found in (
            ("users", rows.users),
            ("generations", rows.generations),
            ("images", rows.images),
            ("generation_inputs", rows.inputs),
        ):
            t = time.perf_counter()
            insert_all(engine, table, found)
            result.seconds[f"insert {table}"] = time.perf_counter() - t
        t = time.perf_counter()
        finish_seeding(engine)
        result.seconds["analyze"] = time.perf_counter() - t
        if with_files and data_dir is not None:
            t = time.perf_counter()
            result.files = write_files(data_dir, rows)
            result.seconds["files"] = time.perf_counter() - t
        result.users, result.generations, result.images = len(rows.users), len(rows.generations), len(rows.images)
        result.user_generations = sum(1 for g in rows.generations if g["user_id"] == 1)
        result.user_images = sum(1 for i in rows.images if i["user_id"] == 1)
        result.indexed_prompts = indexed_prompts(engine)
        if result.indexed_prompts != result.generations:
            raise SystemExit(f"the full-text index holds {result.indexed_prompts:,} of {result.generations:,} prompts")
    finally:
        engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="the app's DATA_DIR (blob root: DATA_DIR/media)")
    parser.add_argument("--database-url", help="default: sqlite:///DATA_DIR/atelier.db; migrated to head first")
    parser.add_argument("--users", type=int, default=100, help="other users besides the seeded one (default 100)")
    parser.add_argument("--images", type=int, default=10_000, help="the seeded user's images (default 10,000)")
    parser.add_argument("--generations", type=int, default=100_000, help="all users' jobs (default 100,000)")
    parser.add_argument("--with-files", action="store_true", help="write the seeded user's thumbnails and previews")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{args.data_dir.resolve() / 'atelier.db'}"
    t = time.perf_counter()
    migrate(url)
    print(f"migrated to head in {time.perf_counter() - t:.1f} s")
    result = seed_gallery(
        url,
        args.data_dir,
        users=args.users,
        images=args.images,
        generations=args.generations,
        with_files=args.with_files,
    )
    print(result.report())
    print(f"sign in as {result.email} (local sign-in) to see the gallery")


if __name__ == "__main__":
    main()
