"""Benchmark: the image derivatives (768 px preview, 256 px thumbnail, ThumbHash) with Pillow against libvips
(pyvips with its binary wheel), on real-sized outputs in PNG, JPEG and WebP; then the Pillow settings of the
derivative step one by one against those of issue 5, with the size and fidelity of what they make."""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

import numpy as np  # noqa: E402
import pyvips  # noqa: E402
import thumbhash  # noqa: E402
from PIL import Image  # noqa: E402

from bench.common import median, print_table  # noqa: E402
from core.adapters.offline import composition  # noqa: E402
from core.image_previews import (  # noqa: E402
    PREVIEW_SIDE,
    THUMBHASH_SIDE,
    THUMBNAIL_SIDE,
    WEBP_METHOD,
    opaque_thumbhash,
    previews,
    thumbhash_of,
)

PROMPT = "a red sun over blue mountains"
SIZES = ((1024, 1024), (1536, 1024), (2048, 2048))
FORMATS = ("png", "jpeg", "webp")
TEXTURE = 0.1  # share of Gaussian noise blended into the render: a real model's output has grain, ours is flat
WEBP_QUALITY = 80
Timings = dict[str, list[float]]


def source(size: tuple[int, int], fmt: str, seed: int = 7) -> bytes:
    """An offline-engine picture at `size` with a little grain, encoded as an engine would send it: PNG, JPEG
    q92, or lossy WebP q90. A 1024² PNG comes out ~1.8 MB, as real 1-megapixel outputs do."""
    drawn = composition.draw(PROMPT, seed, "3:2" if size[0] != size[1] else "1:1").resize(size)
    noise = Image.merge("RGB", [Image.effect_noise(size, 40) for _ in range(3)])
    image = Image.blend(drawn, noise, TEXTURE)
    buffer = io.BytesIO()
    options = {"png": {"format": "PNG"}, "jpeg": {"format": "JPEG", "quality": 92}, "webp": {"format": "WEBP"}}
    image.save(buffer, **({"quality": 90} if fmt == "webp" else {}), **options[fmt])
    return buffer.getvalue()


def timed(figures: Timings, part: str, fn: Callable[[], object]) -> object:
    """Run fn; record its wall and CPU milliseconds (CPU counts every thread libvips starts)."""
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    result = fn()
    figures.setdefault(part, []).append((time.perf_counter_ns() - wall) / 1e6)
    figures.setdefault(f"{part} cpu", []).append((time.process_time_ns() - cpu) / 1e6)
    return result


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def pillow_round(data: bytes, figures: Timings) -> None:
    """The derivative step as core/image_previews.py runs it, in parts, then whole (decode, previews, ThumbHash)."""
    image = Image.open(io.BytesIO(data))
    timed(figures, "decode", image.load)
    shown = image.copy()

    def resize() -> Image.Image:
        shown.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), reducing_gap=1.0)
        preview = shown.copy()
        shown.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), reducing_gap=1.0)
        return preview

    preview = timed(figures, "resize 768 + 256", resize)
    assert isinstance(preview, Image.Image)
    timed(figures, "WebP encode 768 + 256", lambda: [pillow_webp(i) for i in (preview, shown)])
    timed(figures, "ThumbHash input (32 px RGBA)", lambda: shown.resize(fit(shown.size, THUMBHASH_SIDE)).tobytes())

    def whole() -> str:
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        *_, small = previews(decoded)
        return thumbhash_of(small)

    timed(figures, "whole step", whole)


def pillow_webp(image: Image.Image, method: int = WEBP_METHOD) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=method)
    return buffer.getvalue()


def vips_round(data: bytes, figures: Timings) -> None:
    """The same parts with libvips: decode to memory, resize those pixels, encode, the 32 px input; then the whole
    step as libvips would best do it, decoding straight to the preview's size (shrink-on-load for JPEG/WebP)."""
    image = timed(figures, "decode", lambda: pyvips.Image.new_from_buffer(data, "", fail=True).copy_memory())
    assert isinstance(image, pyvips.Image)
    pair = timed(figures, "resize 768 + 256", lambda: vips_pair(image))
    assert isinstance(pair, tuple)
    timed(figures, "WebP encode 768 + 256", lambda: [vips_webp(i) for i in pair])
    timed(figures, "ThumbHash input (32 px RGBA)", lambda: vips_hash_input(pair[1]))

    def whole() -> str:
        preview = pyvips.Image.thumbnail_buffer(data, PREVIEW_SIDE, option_string="fail=true").copy_memory()
        thumbnail = preview.thumbnail_image(THUMBNAIL_SIDE).copy_memory()
        vips_webp(preview), vips_webp(thumbnail)
        width, height, rgba = vips_hash_input(thumbnail)
        pixels = np.frombuffer(rgba, dtype=np.uint8).reshape(height, width, 4)[..., :3] / 255
        return opaque_thumbhash(pixels).hex()

    timed(figures, "whole step", whole)


def vips_pair(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image]:
    preview = image.thumbnail_image(PREVIEW_SIDE).copy_memory()
    return preview, preview.thumbnail_image(THUMBNAIL_SIDE).copy_memory()


def vips_webp(image: pyvips.Image) -> bytes:
    data: bytes = image.webpsave_buffer(Q=WEBP_QUALITY, effort=WEBP_METHOD, keep="none")
    return data


def vips_hash_input(image: pyvips.Image) -> tuple[int, int, bytes]:
    small = image.resize(THUMBHASH_SIDE / max(image.width, image.height), kernel="linear")
    small = small.bandjoin_const([255]) if small.bands == 3 else small
    return small.width, small.height, small.write_to_memory()


def compare(rounds: int) -> dict[str, list[float]]:
    """Pillow and libvips on each input, interleaved round by round (the order alternates); returns the whole
    step's vips ÷ Pillow ratio per input."""
    rows: list[tuple[str, ...]] = []
    ratios: dict[str, list[float]] = {}
    for size in SIZES:
        for fmt in FORMATS:
            data = source(size, fmt)
            sides: dict[str, Timings] = {"Pillow": {}, "vips": {}}
            for n in range(rounds + 1):  # round 0 warms codecs and caches and is dropped
                for side, run in (("Pillow", pillow_round), ("vips", vips_round))[:: 1 if n % 2 else -1]:
                    run(data, sides[side] if n else {})
            label = f"{size[0]}×{size[1]} {fmt.upper()} ({len(data) / 1e6:.2f} MB)"
            for part in (p for p in sides["Pillow"] if not p.endswith(" cpu")):
                pil, vip = (median(sides[s][part]) for s in ("Pillow", "vips"))
                pil_cpu, vip_cpu = (median(sides[s][f"{part} cpu"]) for s in ("Pillow", "vips"))
                rows.append(
                    (label, part, f"{pil:.1f}", f"{vip:.1f}", f"{vip / pil:.2f}", f"{pil_cpu:.1f}", f"{vip_cpu:.1f}")
                )
                label = ""
            for suffix in ("", " cpu"):
                whole = [median(sides[side][f"whole step{suffix}"]) for side in ("vips", "Pillow")]
                ratios.setdefault(suffix or " wall", []).append(whole[0] / whole[1])
    print_table(("input", "part", "Pillow ms", "vips ms", "vips ÷ Pillow", "Pillow CPU ms", "vips CPU ms"), rows)
    return ratios


# The derivative step's settings, one change at a time from those of issue 5 (the first row).
VARIANTS: dict[str, dict[str, object]] = {
    "issue 5: bicubic, WebP method 4, thumbhash-py": {},
    "WebP method 2": {"method": 2},
    "bilinear resize": {"resample": Image.Resampling.BILINEAR},
    "ThumbHash in NumPy (core)": {"fast_hash": True},
    "thumbnail from the original, not the preview": {"from_preview": False},
    "JPEG: decode again with draft() for the preview": {"draft": True},
    "chosen: core/image_previews.py as it is now": {"core": True},
}


def derive(data: bytes, image: Image.Image, options: dict[str, object]) -> tuple[bytes, bytes, str]:
    """The preview, the thumbnail and the ThumbHash of the decoded `image`, with issue 5's settings but `options`."""
    if options.get("core"):
        preview, thumbnail, small = previews(image.copy())
        return preview, thumbnail, thumbhash_of(small)
    method = int(str(options.get("method", 4)))
    resample = options.get("resample", Image.Resampling.BICUBIC)
    assert isinstance(resample, Image.Resampling)
    source_image = image
    if options.get("draft") and image.format == "JPEG":
        source_image = Image.open(io.BytesIO(data))
        source_image.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
    preview = source_image.resize(fit(source_image.size, PREVIEW_SIDE), resample, reducing_gap=1.0)
    start = preview if options.get("from_preview", True) else image
    small = start.resize(fit(image.size, THUMBNAIL_SIDE), resample, reducing_gap=1.0)
    if options.get("fast_hash"):
        hashed = thumbhash_of(small)
    else:
        tiny = small.resize(fit(small.size, THUMBHASH_SIDE), Image.Resampling.BOX).convert("RGBA")
        hashed = bytes(thumbhash.rgba_to_thumb_hash(tiny.width, tiny.height, list(tiny.tobytes()))).hex()
    return pillow_webp(preview, method), pillow_webp(small, method), hashed


def psnr(webp: bytes, reference: Image.Image) -> float:
    """Fidelity of a WebP preview to a Lanczos resize of the full pixels (not encoded): higher is closer."""
    shown = np.asarray(Image.open(io.BytesIO(webp)).convert("RGB"), dtype=np.float64)
    diff = shown - np.asarray(reference.resize((shown.shape[1], shown.shape[0]), Image.Resampling.LANCZOS))
    return float(10 * np.log10(255**2 / np.mean(diff * diff)))


def speedups(rounds: int) -> dict[str, float]:
    """Each variant on the typical outputs (1024² PNG and JPEG) and a large JPEG, after the decode both need."""
    rows, totals = [], {name: 0.0 for name in VARIANTS}
    for size, fmt in (((1024, 1024), "png"), ((1024, 1024), "jpeg"), ((2048, 2048), "jpeg")):
        data = source(size, fmt)
        image = Image.open(io.BytesIO(data))
        image.load()
        figures: Timings = {}
        made = {name: derive(data, image, options) for name, options in VARIANTS.items()}  # warm-up
        for n in range(rounds):
            for name, options in list(VARIANTS.items())[:: 1 if n % 2 else -1]:
                timed(figures, name, lambda d=data, i=image, o=options: derive(d, i, o))
        base = median(figures[f"{next(iter(VARIANTS))} cpu"])
        label = f"{size[0]}×{size[1]} {fmt.upper()}"
        for name in VARIANTS:
            ms = median(figures[f"{name} cpu"])
            totals[name] += ms
            preview, thumbnail, _ = made[name]
            rows.append(
                (
                    label,
                    name,
                    f"{ms:.1f}",
                    f"{base / ms:.2f}×",
                    f"{len(preview) / 1000:.1f}",
                    f"{len(thumbnail) / 1000:.1f}",
                    f"{psnr(preview, image):.2f}",
                )
            )
            label = ""
    print_table(("input", "derivative step", "CPU ms", "speed-up", "preview KB", "thumb KB", "preview PSNR dB"), rows)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per input (default 7)")
    args = parser.parse_args()
    print(
        f"Image derivatives: the 768 px preview and 256 px thumbnail (WebP q80, method {WEBP_METHOD}) and the ThumbHash"
    )
    print(f"input, from an offline-engine render with {TEXTURE:.0%} grain (PNG, JPEG q92, WebP q90).")
    print(f"Pillow {Image.__version__}; libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)} (pyvips")
    print(
        f"{pyvips.__version__}, {pyvips.concurrency_get()} threads). ms = median wall of {args.rounds} interleaved rounds;"
    )
    print("CPU ms counts every thread. vips' whole step decodes straight to 768 px (shrink-on-load); Pillow's is")
    print("decode + core's previews() + thumbhash_of. Both hash with core's NumPy ThumbHash.\n")
    ratios = compare(args.rounds)
    print("\nThe Pillow derivative step, one change at a time (after the decode, which the clean copy needs anyway).")
    print("CPU ms (Pillow runs these in one thread, so on a quiet machine wall ≈ CPU; CPU time is steadier on a busy")
    print("one). PSNR: the preview WebP against a Lanczos resize of the full pixels.\n")
    totals = speedups(args.rounds)
    first, chosen = next(iter(totals.values())), totals[list(VARIANTS)[-1]]
    print()
    for kind, values in ratios.items():
        print(
            f"Headline ({kind.strip()}): libvips takes {median(values):.2f}× Pillow's time for the whole derivative step"
            f" (median over the {len(values)} inputs, range {min(values):.2f}–{max(values):.2f}×; below 1: libvips is faster)."
        )
    print(
        f"Headline: core's Pillow derivative step now takes {chosen:.1f} CPU ms for the three inputs against"
        f" {first:.1f} ms with issue 5's settings: {first / chosen:.2f}× faster."
    )


if __name__ == "__main__":
    main()
