"""Camera-like test photos and an image-similarity measure, with Pillow alone.

No real photo ships with the repository, and a flat synthetic picture hides what a photo costs:
JPEG spends its bytes on fine texture and sensor noise. So a scene here is built like a photo
is: a few large shapes and lit surfaces (sky, facades, road, foliage), texture at every scale
(1/f "fractal" noise, as in natural images), small high-contrast detail (window grids, a sign
with text, the evidence that must stay legible), a touch of lens blur, then sensor noise
(luminance and chroma), stored as a 12 MP phone JPEG (quality 92, EXIF orientation). The
noise is seeded (``random.Random``), so the same seed gives the same bytes.

``ssim`` is the structural similarity index (Wang et al. 2004) on luma, computed over 8x8
blocks on two offset grids: Pillow cannot blur float images, so the 11x11 Gaussian sliding
window is replaced by block means (``resize(BOX)``) -- the same measure on both sides of every
comparison, 1.0 for identical pictures, lower as structure is lost.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageMath

SIZE = (4000, 3000)
SCENES = ("street", "park", "dusk", "sign")


def _noise(size: tuple[int, int], rng: random.Random, mode: str = "L") -> Image.Image:
    """Uniform 8-bit noise, seeded (``Image.effect_noise`` is not)."""
    bands = len(mode)
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * bands))


def _fractal(size: tuple[int, int], rng: random.Random, octaves: int = 7) -> Image.Image:
    """1/f texture: noise at doubling scales, each octave half as strong as the coarser one."""
    w, h = size
    out = Image.new("L", size, 128)
    weight, cell = 0.5, max(w, h) // 4
    for _ in range(octaves):
        small = (max(2, w // cell), max(2, h // cell))
        layer = _noise(small, rng).resize(size, Image.Resampling.BICUBIC)
        out = Image.blend(out, layer, weight)
        weight *= 0.62
        cell = max(1, cell // 2)
    return out


def _textured(size, colour, rng, strength: float) -> Image.Image:
    """A surface of this colour with its own texture (contrast ``strength``, 0..1)."""
    tex = _fractal(size, rng).point(lambda v: int(128 + (v - 128) * 4 * strength))
    base = Image.new("RGB", size, colour)
    return Image.composite(Image.new("RGB", size, tuple(min(255, c + 60) for c in colour)),
                           Image.new("RGB", size, tuple(max(0, c - 60) for c in colour)),
                           tex).resize(size) if strength else base


def scene(kind: str = "street", seed: int = 1, size: tuple[int, int] = SIZE) -> Image.Image:
    """The pixels of one camera-like scene (before sensor noise and JPEG)."""
    if kind not in SCENES:
        raise ValueError(f"unknown scene {kind!r}; one of {SCENES}")
    rng = random.Random(f"{kind}-{seed}")
    w, h = size
    sky_h = h * (2 if kind == "park" else 1) // 5
    dark = kind == "dusk"
    img = _textured(size, (70, 75, 80) if not dark else (35, 35, 45), rng, 0.35)  # road, pavement
    sky = Image.linear_gradient("L").resize((w, sky_h)).point(lambda v: 90 + v // 3)
    sky_rgb = Image.merge("RGB", (sky.point(lambda v: v - 40 if dark else v - 10), sky,
                                  sky.point(lambda v: min(255, v + 50))))
    img.paste(sky_rgb, (0, 0))
    draw = ImageDraw.Draw(img)
    x = 0
    while x < w:  # facades with window grids along the skyline
        bw = rng.randint(w // 10, w // 5)
        top = rng.randint(sky_h // 3, sky_h)
        bottom = h * 3 // 5
        colour = tuple(rng.randint(90, 200) // (2 if dark else 1) for _ in range(3))
        facade = _textured((bw, bottom - top), colour, rng, 0.2)
        img.paste(facade, (x, top))
        for wy in range(top + 40, bottom - 80, 110):
            for wx in range(x + 30, x + bw - 60, 90):
                lit = dark and rng.random() < 0.4
                draw.rectangle([wx, wy, wx + 45, wy + 65],
                               fill=(230, 200, 120) if lit else (30, 40, 55), outline=(20, 20, 20))
        x += bw
    if kind in ("park", "street"):  # foliage: the costliest texture a camera sees
        for _ in range(14 if kind == "park" else 5):
            cx, cy, r = rng.randint(0, w), rng.randint(sky_h, h * 4 // 5), rng.randint(150, 450)
            leaves = _textured((2 * r, 2 * r), (50, 110, 40), rng, 0.9)
            mask = Image.new("L", (2 * r, 2 * r), 0)
            ImageDraw.Draw(mask).ellipse([0, 0, 2 * r - 1, 2 * r - 1], fill=255)
            img.paste(leaves, (cx - r, cy - r), mask)
    for i in range(0, w, w // 12):  # road markings in perspective
        draw.polygon([(w // 2 + (i - w // 2) // 8, h * 3 // 5), (i, h), (i + 40, h),
                      (w // 2 + (i - w // 2) // 8 + 6, h * 3 // 5)], fill=(200, 200, 190))
    sign_w = w // 3 if kind == "sign" else w // 7  # text that must stay readable
    sx, sy = w // 2 - sign_w // 2, h * 13 // 20
    draw.rectangle([sx, sy, sx + sign_w, sy + sign_w // 3], fill=(240, 240, 235), outline=(0, 0, 0), width=8)
    font_px = sign_w // 17
    for line in range(3):
        draw.text((sx + 30, sy + 20 + line * int(font_px * 1.3)), f"HAMM-KOD {seed:02d}{line} WESTENTOR",
                  fill=(10, 10, 10), font_size=font_px)
    return img.filter(ImageFilter.GaussianBlur(0.8))  # lens and demosaicing soften a little


def sensor_noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    """Luminance noise at ``sigma`` and a third of it per colour channel (triangular, ~Gaussian)."""
    size = img.size
    lum = ImageMath.lambda_eval(lambda a: (a["a"] + a["b"] - 255) * (sigma / 73.6),
                                a=_noise(size, rng), b=_noise(size, rng))
    chroma = [ImageMath.lambda_eval(lambda a: (a["a"] - 128) * (sigma / 3 / 73.6),
                                    a=_noise(size, rng)) for _ in range(3)]
    return Image.merge("RGB", [
        ImageMath.lambda_eval(lambda a: a["c"] + a["n"] + a["k"], c=band.convert("F"), n=lum,
                              k=chroma[i]).convert("L")
        for i, band in enumerate(img.split())])


def camera_jpeg(kind: str = "street", seed: int = 1, size: tuple[int, int] = SIZE,
                orientation: int = 6, noise: float = 6.0) -> bytes:
    """A phone camera's file: the scene, sensor noise, quality 92 with an EXIF orientation."""
    img = sensor_noise(scene(kind, seed, size), random.Random(f"noise-{kind}-{seed}"),
                       noise * (1.6 if kind == "dusk" else 1.0))  # dim light: more gain
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def _luma(im: Image.Image) -> Image.Image:
    return im.convert("L").convert("F")


def ssim(a: Image.Image | bytes, b: Image.Image | bytes, block: int = 8) -> float:
    """Structural similarity of two pictures of the same size, on luma (1.0: identical)."""
    a = Image.open(io.BytesIO(a)) if isinstance(a, bytes) else a
    b = Image.open(io.BytesIO(b)) if isinstance(b, bytes) else b
    if a.size != b.size:
        raise ValueError(f"sizes differ: {a.size} vs {b.size}")
    x, y = _luma(a), _luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for off in (0, block // 2):  # two grids, half a block apart: closer to a sliding window
        box = (off, off, off + (x.width - off) // block * block, off + (x.height - off) // block * block)
        xs, ys = x.crop(box), y.crop(box)
        small = (xs.width // block, xs.height // block)

        def mean(im: Image.Image) -> Image.Image:
            return im.resize(small, Image.Resampling.BOX)

        mx, my = mean(xs), mean(ys)
        mxx = mean(ImageMath.lambda_eval(lambda m: m["x"] * m["x"], x=xs))
        myy = mean(ImageMath.lambda_eval(lambda m: m["y"] * m["y"], y=ys))
        mxy = mean(ImageMath.lambda_eval(lambda m: m["x"] * m["y"], x=xs, y=ys))
        smap = ImageMath.lambda_eval(
            lambda m: ((2 * m["mx"] * m["my"] + c1) * (2 * (m["mxy"] - m["mx"] * m["my"]) + c2))
            / ((m["mx"] * m["mx"] + m["my"] * m["my"] + c1)
               * ((m["mxx"] - m["mx"] * m["mx"]) + (m["myy"] - m["my"] * m["my"]) + c2)),
            mx=mx, my=my, mxx=mxx, myy=myy, mxy=mxy)
        scores.append(smap.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)))
    return sum(scores) / len(scores)
