"""Photo pipeline on 12-megapixel camera-like JPEGs (tests/support/camera.py: textured scenes,
small print, sensor noise): bytes, time and picture quality, before and after the byte budget.

Per scene, in the same run:
- before: quality 80 as the app encoded until now (``process_photo(raw, budget=300 KB)``: every
  scene here fits 300 KB at quality 80, so this is byte for byte the old output);
- after: ``process_photo(raw)``, quality searched to fit BUDGET_BYTES;
- SSIM (luma, 8x8 blocks, tests/support/camera.py) of after against before, and of each against
  the noise-free scene at the same size (the scene is the evidence; the sensor noise is not);
- ms per photo (median), and the naive pipeline (full decode + LANCZOS) for the speed-up.

Targets: every photo <= BUDGET_BYTES; against the scene, after scores no lower than before
(within 0.005: what the photo shows is kept -- what a lower quality drops first is sensor noise,
which is why after-vs-before is lower than either score against the scene); the quality search
costs <= 60 ms a photo (median, this machine).
Run: .venv/bin/python bench/photo_pipeline.py [--runs 9] [--smoke]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from patrol_app.core.photos import (BUDGET_BYTES, JPEG_QUALITY, MAX_SIDE,  # noqa: E402
                                    process_photo)
from tests.support.camera import SCENES, camera_jpeg, scene, ssim  # noqa: E402

BEFORE_BUDGET = 300 * 1024  # the old limit: quality 80 up to it


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


def quality_of(jpeg: bytes) -> int:
    """The libjpeg quality whose luma table this file carries (Pillow writes standard tables)."""
    table = Image.open(io.BytesIO(jpeg)).quantization[0]
    for q in range(100, 0, -1):
        probe = io.BytesIO()
        Image.new("L", (8, 8)).save(probe, "JPEG", quality=q)
        if Image.open(probe).quantization[0] == table:
            return q
    return -1


def clean_reference(kind: str, size: tuple[int, int]) -> Image.Image:
    """The scene without sensor noise or JPEG, turned as the camera's EXIF says (6: 270 deg)
    and scaled to the output's size: what the photo is of."""
    return scene(kind, 1).transpose(Image.Transpose.ROTATE_270).resize(size, Image.Resampling.BOX)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    args = p.parse_args()
    runs = 1 if args.smoke else args.runs  # the same 12 MP photos: their size is the code path
    scenes = SCENES[:1] if args.smoke else SCENES
    print(f"byte budget {BUDGET_BYTES // 1024} KB at {MAX_SIDE} px; before: quality {JPEG_QUALITY}")
    print(f"{'scene':6} {'input':>7} {'before':>7} {'after':>6} {'q':>3}  {'SSIM after/before':>17}"
          f"  {'SSIM to scene before/after':>26}  {'ms before':>9} {'ms after':>8} {'naive':>6}")
    rows = []
    for kind in scenes:
        raw = camera_jpeg(kind, 1)
        process_photo(raw), naive(raw)  # warm up
        before_ms, before = timed(lambda r: process_photo(r, budget=BEFORE_BUDGET).data, raw, runs)
        after_ms, after = timed(lambda r: process_photo(r).data, raw, runs)
        naive_ms, _ = timed(naive, raw, runs)
        b_im, a_im = Image.open(io.BytesIO(before)), Image.open(io.BytesIO(after))
        ref = clean_reference(kind, a_im.size)
        row = dict(kind=kind, before=len(before), after=len(after), q=quality_of(after),
                   q_before=quality_of(before), s_ab=ssim(a_im, b_im), s_b=ssim(ref, b_im),
                   s_a=ssim(ref, a_im), before_ms=before_ms, after_ms=after_ms, naive_ms=naive_ms)
        rows.append(row)
        print(f"{kind:6} {len(raw) / 1024:6.0f}K {row['before'] / 1024:6.0f}K {row['after'] / 1024:5.0f}K "
              f"{row['q']:3}  {row['s_ab']:17.4f}  {row['s_b']:12.4f} / {row['s_a']:.4f}     "
              f"{before_ms:9.0f} {after_ms:8.0f} {naive_ms:6.0f}")
    kb_b = statistics.mean(r["before"] for r in rows) / 1024
    kb_a = statistics.mean(r["after"] for r in rows) / 1024
    ms = statistics.median(r["after_ms"] for r in rows)
    ms_before = statistics.median(r["before_ms"] for r in rows)
    loss = max(r["s_b"] - r["s_a"] for r in rows)
    print(f"mean photo: {kb_b:.0f} KB -> {kb_a:.0f} KB ({kb_a / kb_b:.0%}); SSIM after/before "
          f"worst {min(r['s_ab'] for r in rows):.4f}; SSIM to the scene, largest loss {loss:+.4f}; "
          f"{ms:.0f} ms a photo (before {ms_before:.0f} ms, naive "
          f"{statistics.median(r['naive_ms'] for r in rows):.0f} ms)")
    assert all(r["q_before"] == JPEG_QUALITY for r in rows), "before is not the old output"
    ok = all(r["after"] <= BUDGET_BYTES for r in rows) and loss <= 0.005 and ms - ms_before <= 60
    print(f"targets (<= {BUDGET_BYTES // 1024} KB each, no SSIM loss to the scene, search <= 60 ms):",
          "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
