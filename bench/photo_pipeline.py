"""Photo pipeline on a 12-megapixel camera JPEG: ours (DCT-scaled draft decode) against the naive
pipeline (full decode + LANCZOS resize) in the same run.

Target: median <= 100 ms, >= 2x faster than naive, output <= 300 KB.
Run: .venv/bin/python bench/photo_pipeline.py [--runs 15] [--smoke]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from patrol_app.core.photos import JPEG_QUALITY, MAX_SIDE, process_photo  # noqa: E402


def camera_photo() -> bytes:
    """4000x3000 with sensor-like noise over gradients and shapes, EXIF rotation 6 (synthetic:
    no real photo ships with the repository)."""
    noise = Image.effect_noise((4000, 3000), 18).convert("RGB")
    base = Image.blend(Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), noise, 0.5)
    draw = ImageDraw.Draw(base)
    for i in range(0, 4000, 250):
        draw.rectangle([i, (i * 7) % 3000, i + 180, (i * 7) % 3000 + 400], fill=(i % 255, 120, 200 - i % 200))
    base = base.filter(ImageFilter.GaussianBlur(1))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    base.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def naive(raw: bytes) -> bytes:
    im = Image.open(io.BytesIO(raw))
    im.load()
    im = ImageOps.exif_transpose(im)
    scale = MAX_SIDE / max(im.size)
    im = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def timed(fn, raw: bytes, runs: int) -> tuple[float, bytes]:
    times, result = [], b""
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(raw)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    args = p.parse_args()
    runs = 1 if args.smoke else args.runs  # the same 12 MP photo: its size is the code path
    raw = camera_photo()
    process_photo(raw), naive(raw)  # warm up
    ours_ms, ours = timed(lambda r: process_photo(r).data, raw, runs)
    naive_ms, _ = timed(naive, raw, runs)
    print(f"input: 4000x3000 JPEG, {len(raw) / 1024:.0f} KB")
    print(f"ours (draft + BILINEAR): median {ours_ms:.1f} ms, output {len(ours) / 1024:.0f} KB")
    print(f"naive (full decode + LANCZOS): median {naive_ms:.1f} ms")
    print(f"speed-up: {naive_ms / ours_ms:.2f}x")
    ok = ours_ms <= 100 and naive_ms / ours_ms >= 2 and len(ours) <= 300 * 1024
    print("targets (<=100 ms, >=2x, <=300 KB):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
