"""Photo pipeline: phone camera picture -> small, metadata-free JPEG named by its sha256.

Why each step:
- ``draft()`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale (DCT scaling), so a 12 MP photo is
  never fully decoded -- several times faster and lighter than decode-then-resize on a phone.
- Orientation is applied to the pixels, because the EXIF block that carried it is dropped.
- Every metadata block is dropped (EXIF with GPS above all, XMP, ICC, comments): photos of
  people and places must not leak where and when beyond what the report says.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_SIDE = 1600
JPEG_QUALITY = 80
MAX_BYTES = 300 * 1024
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


def process_photo(raw: bytes) -> ProcessedPhoto:
    """Decode, orient, shrink to MAX_SIDE, re-encode as JPEG without metadata, hash."""
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
    data = _encode(im, JPEG_QUALITY)
    if len(data) > MAX_BYTES:  # a very detailed scene: trade a little quality for mobile uploads
        data = _encode(im, JPEG_QUALITY - 15)
    return ProcessedPhoto(data, hashlib.sha256(data).hexdigest(), im.width, im.height)


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
