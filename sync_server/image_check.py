"""Is this upload a sane photo? Checked before a single byte is stored.

Refused: bytes that do not decode, formats other than JPEG/PNG/WebP, images larger than any phone
takes (decompression bombs: Pillow's bomb *warning* counts as an error too), truncated files.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000


class NotAnImage(ValueError):
    pass


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def check_image(data: bytes) -> ImageInfo:
    if not data:
        raise NotAnImage("empty body")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # DecompressionBombWarning and friends
            with Image.open(io.BytesIO(data)) as im:
                fmt, (w, h) = im.format, im.size
                if fmt not in ALLOWED_FORMATS:
                    raise NotAnImage(f"format {fmt} is not accepted")
                if w < 1 or h < 1 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
                    raise NotAnImage(f"implausible size {w}x{h}")
                im.verify()
            with Image.open(io.BytesIO(data)) as im:
                im.draft("RGB", (max(1, w // 8), max(1, h // 8)))  # cheap full decode of JPEGs
                im.load()
    except NotAnImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage("decompression bomb") from exc
    except Warning as exc:
        raise NotAnImage(f"suspicious image: {exc}") from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise NotAnImage(f"not a readable image: {type(exc).__name__}") from exc
    return ImageInfo(fmt, w, h)
