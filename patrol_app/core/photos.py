"""Photo pipeline: phone camera picture -> small, metadata-free JPEG named by its sha256.

Why each step:
- ``draft()`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale (DCT scaling), so a 12 MP photo is
  never fully decoded -- several times faster and lighter than decode-then-resize on a phone.
- Orientation is applied to the pixels, because the EXIF block that carried it is dropped.
- Every metadata block is dropped (EXIF with GPS above all, XMP, ICC, comments): photos of
  people and places must not leak where and when beyond what the report says.
- Each photo has a byte budget (BUDGET_BYTES): a shift's backlog goes up over mobile data, and
  the photos are nearly all of its bytes. Quality 80 when the picture fits; otherwise the highest
  quality of a short ladder that fits, found by binary search (at most 5 encodes, ~15 ms each
  at 1600 px). JPEG, not WebP: Flet's mobile Pillow is a JPEG and PNG build (flet-dev/mobile-forge,
  recipes/pillow), so a phone could not encode WebP; measured in bench/photo_pipeline.py
  (camera-like scenes: 254 -> 144 KB on average; SSIM against the noise-free scene as high as
  quality 80's, since what goes first is sensor noise).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_SIDE = 1600
JPEG_QUALITY = 80  # what a photo gets when it fits the budget
BUDGET_BYTES = 150 * 1024
# the floor: 11 px sign text read alike at 80, 55 and 40 (looked at, 2x crops); at 25 ringing
# around it showed. A photo that does not fit even at 40 keeps 40 and goes over the budget:
# legible evidence before bytes
QUALITY_LADDER = (40, 45, 50, 55, 60, 65, 70, 75)
MAX_INPUT_PIXELS = 64_000_000  # above any phone camera; larger is refused as a likely bomb


class PhotoError(ValueError):
    """The file is not a usable photo; the message is fit to show a person."""


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    data: bytes
    sha256: str
    width: int
    height: int


def _draft_target(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """The smallest decode size that still yields MAX_SIDE on the longest side after rotation."""
    w, h = size
    if orientation in (5, 6, 7, 8):  # rotated by 90 degrees: width and height swap later
        w, h = h, w
    scale = MAX_SIDE / max(w, h)
    if scale >= 1:
        return size
    tw, th = max(1, int(w * scale)), max(1, int(h * scale))
    return (th, tw) if orientation in (5, 6, 7, 8) else (tw, th)


def process_photo(raw: bytes, budget: int = BUDGET_BYTES) -> ProcessedPhoto:
    """Decode, orient, shrink to MAX_SIDE, re-encode as JPEG without metadata within ``budget``
    bytes, hash."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(raw))
            if im.width * im.height > MAX_INPUT_PIXELS:
                raise PhotoError("Das Bild ist zu groß.")
            orientation = im.getexif().get(0x0112) if im.format in ("JPEG", "MPO") else None
            if im.format in ("JPEG", "MPO"):
                im.draft("RGB", _draft_target(im.size, orientation))
            im.load()
    except PhotoError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise PhotoError("Die Datei ist kein lesbares Bild.") from exc

    if max(im.size) > MAX_SIDE:
        # resize before rotating: turning the small image is cheaper than turning the big one
        scale = MAX_SIDE / max(im.size)
        target = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        # after draft() the factor is >= 0.5: bilinear (antialiased in Pillow) is as good as
        # bicubic for such a mild shrink and a third cheaper (43 -> 29 ms here)
        im = im.resize(target, Image.Resampling.BILINEAR)
    im = ImageOps.exif_transpose(im) or im
    if im.mode not in ("RGB", "L"):
        background = Image.new("RGB", im.size, (255, 255, 255))
        rgba = im.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        im = background
    im.info = {}  # Pillow would otherwise carry comments/XMP/ICC over into the new file
    data = encode_within_budget(im, budget)
    return ProcessedPhoto(data, hashlib.sha256(data).hexdigest(), im.width, im.height)


def encode_within_budget(im: Image.Image, budget: int = BUDGET_BYTES) -> bytes:
    """JPEG_QUALITY if that fits the budget, else the highest ladder quality that does (binary
    search: 1 + ceil(log2(len(QUALITY_LADDER) + 1)) = 5 encodes at most), else the floor."""
    data = _encode(im, JPEG_QUALITY)
    if len(data) <= budget:
        return data
    lo, hi = 0, len(QUALITY_LADDER) - 1
    best = None  # the highest quality found to fit so far
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = _encode(im, QUALITY_LADDER[mid])
        if len(candidate) <= budget:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    if best is None:  # not even the floor fits: keep the floor (bisection ended on it)
        return candidate
    return best


def _encode(im: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=True, exif=b"", icc_profile=None)
    return out.getvalue()


def make_thumbnail(jpeg: bytes, side: int = 160) -> bytes:
    """A small JPEG preview for lists and the check form."""
    im = Image.open(io.BytesIO(jpeg))
    im.draft("RGB", (side, side))
    im.thumbnail((side, side))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=70)
    return out.getvalue()
