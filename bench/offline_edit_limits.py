"""Benchmark: what the offline editor's limits let through, against one plain decode + encode of the same picture."""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from PIL import Image  # noqa: E402

from bench.common import median, print_table, spread, time_ms  # noqa: E402
from core.adapters.offline import OfflineImageEngine, edits, encoding, plan  # noqa: E402
from core.domain import EngineRequest, GenerationKind  # noqa: E402
from core.errors import EngineInputError  # noqa: E402

CAPTION = "x" * edits.MAX_CAPTION_CHARS  # one unbreakable word: the most wrapping work a caption can ask for
NINE_TURNS = ", ".join(["rotate 45 degrees"] * 9)
# Instructions that use up the whole work allowance on a picture of the largest size: the worst accepted ones.
WORST = {
    "2 slow + 3 quick": f'blur, sharpen, sepia, more contrast, caption "{CAPTION}"',
    "10 quick": f'more contrast, warmer, sepia, less contrast, cooler, brighter, darker, invert, pixelate, caption "{CAPTION}"',
    "turn 1° + blur + 1 quick": "rotate 1 degree, blur, more contrast",  # on a source just small enough
}


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float  # the measuring process's peak resident memory, interpreter included


def photo(width: int, height: int, mode: str) -> Image.Image:
    """Smooth gradients with soft noise: compresses and filters like a photograph, not like flat colour."""
    ramp = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 50).resize((width, height))
    bands = [ramp, noise, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT), ramp][: len(mode)]
    return Image.merge(mode, bands)


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt.upper())
    return buffer.getvalue()


def request(prompt: str, source: bytes, fmt: str) -> EngineRequest:
    return EngineRequest(GenerationKind.EDIT, "offline-edit", prompt, "1:1", 0, 1, fmt, input_images=(source,))


def measured(path: str, prompt: str | None, fmt: str) -> Run:
    """In a fresh process: decode, edit (unless prompt is None: the reference), encode; as result() does."""
    data = Path(path).read_bytes()
    start = time.perf_counter()
    image: Image.Image = Image.open(io.BytesIO(data))
    image.load()
    if prompt is not None:
        image = edits.apply_operations(image, edits.parse_instruction(prompt))
    encoding.encode(image, fmt)
    seconds = time.perf_counter() - start
    return Run(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_fresh(path: Path, prompt: str | None, fmt: str) -> Run:
    # One process per run, so each peak memory figure belongs to that run alone.
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), max_tasks_per_child=1) as pool:
        return pool.submit(measured, str(path), prompt, fmt).result()


def refusal_ms(engine: OfflineImageEngine, prompt: str, source: bytes, repeats: int) -> list[float]:
    def check() -> None:
        try:
            engine.check(request(prompt, source, "png"))
        except EngineInputError:
            return
        raise SystemExit(f"not refused: {prompt[:60]}")

    return [time_ms(check) for _ in range(repeats)]


def plain_ms(source: bytes, fmt: str, repeats: int) -> list[float]:
    def decode_encode() -> None:
        image = Image.open(io.BytesIO(source))
        image.load()
        encoding.encode(image, fmt)

    return [time_ms(decode_encode) for _ in range(repeats)]


def edit_ms(prompt: str, source: bytes, fmt: str, repeats: int) -> list[float]:
    def edit() -> None:
        image = Image.open(io.BytesIO(source))
        image.load()
        encoding.encode(edits.apply_operations(image, edits.parse_instruction(prompt)), fmt)

    return [time_ms(edit) for _ in range(repeats)]


def refusals(engine: OfflineImageEngine, repeats: int) -> None:
    print("\nRefused before any work: OfflineImageEngine.check(), against one decode + PNG encode of the same source")
    rows = []
    for label, prompt, size in (
        ("9 × rotate 45° (1024×1024)", NINE_TURNS, (1024, 1024)),
        ("280-letter caption (12×3000)", f'caption "{CAPTION}"', (12, 3000)),
        ("11 steps (1024×1024)", ", ".join(["invert"] * 11), (1024, 1024)),
    ):
        source = encoded(photo(*size, "RGB"), "png")
        checks, plain = refusal_ms(engine, prompt, source, repeats * 20), plain_ms(source, "png", repeats)
        rows.append((label, spread(checks, 3), spread(plain, 1), f"{median(checks) / median(plain):.4f}"))
    print_table(("instruction", "check ms", "decode+encode ms", "check ÷ decode+encode"), rows)


def captions(repeats: int) -> None:
    print("\nCaption drawing (apply_operations on its own, even where check() refuses) against decode + PNG encode")
    rows = []
    for size in ((12, 3000), (64, 3000), (1000, 1000)):
        source = encoded(photo(*size, "RGB"), "png")
        drawn, plain = edit_ms(f'caption "{CAPTION}"', source, "png", repeats), plain_ms(source, "png", repeats)
        label = f"280-letter word on {size[0]}×{size[1]}"
        rows.append((label, spread(drawn, 1), spread(plain, 1), f"{median(drawn) / median(plain):.2f}"))
    print_table(("caption", "edit ms", "decode+encode ms", "edit ÷ decode+encode"), rows)


def worst_accepted(engine: OfflineImageEngine, max_pixels: int, repeats: int, tmp: Path) -> None:
    side = int(plan.pixel_limit(max_pixels) ** 0.5)
    print(
        f"\nWorst accepted instructions on a picture of the largest size ({side}×{side}), each run in a fresh process,"
    )
    print("against one decode + encode of the same source in the same output format (memory includes the interpreter)")
    rows = []
    for mode, fmt in (("RGB", "jpeg"), ("RGBA", "png")):
        plain_runs: dict[int, list[Run]] = {}
        for label, prompt in WORST.items():
            width = side if "turn" not in label else int(side / 1.02)  # a 1° turn grows each side by ~1.8%
            path = tmp / f"{mode}-{fmt}-{width}"
            if width not in plain_runs:
                path.write_bytes(encoded(photo(width, width, mode), "png" if mode == "RGBA" else fmt))
                plain_runs[width] = [run_fresh(path, None, fmt) for _ in range(repeats)]
            try:
                engine.check(request(prompt, path.read_bytes(), fmt))
            except EngineInputError as refused:
                raise SystemExit(f"{label} was refused: {refused}") from None
            plain, edit = plain_runs[width], [run_fresh(path, prompt, fmt) for _ in range(repeats)]
            edit_s, plain_s = [r.seconds for r in edit], [r.seconds for r in plain]
            edit_mb, plain_mb = [r.peak_mb for r in edit], [r.peak_mb for r in plain]
            rows.append(
                (
                    f"{mode} → {fmt}, {label} ({width}²)",
                    spread(edit_s, 2),
                    spread(plain_s, 2),
                    f"{median(edit_s) / median(plain_s):.2f}",
                    f"{median(edit_mb):.0f}",
                    f"{median(plain_mb):.0f}",
                    f"{median(edit_mb) / median(plain_mb):.2f}",
                )
            )
    print_table(("instruction", "edit s", "plain s", "time ×", "edit MB", "plain MB", "memory ×"), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-pixels", type=int, default=40_000_000, help="the engine's limit (default 40,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each case (default 3)")
    parser.add_argument("--skip-largest", action="store_true", help="skip the slow worst-case runs at full size")
    args = parser.parse_args()
    print("Offline editor limits. Figures are median [min–max] over --repeats runs; each ratio is against the same")
    print(f"source decoded and encoded with no edit, timed in the same run. Limit {args.max_pixels:,} pixels,")
    print(f"{plan.MAX_OPERATIONS} steps, {edits.MAX_CAPTION_CHARS} caption characters, work {plan.WORK_BUDGET} passes.")
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
        engine = OfflineImageEngine(Path(name), delay_seconds=0, max_pixels=args.max_pixels)
        refusals(engine, args.repeats)
        captions(args.repeats)
        if not args.skip_largest:
            worst_accepted(engine, args.max_pixels, args.repeats, Path(name))


if __name__ == "__main__":
    main()
