"""Is this upload a sane photo? Checked before a single byte is stored.

Refused: bytes that do not decode, formats other than JPEG/PNG/WebP, images larger than any phone
takes (decompression bombs: Pillow's bomb *warning* counts as an error too), truncated files.

Decoding is what costs memory: a 40-megapixel PNG is 160 MB of pixels once decoded (a JPEG is
decoded at 1/8 scale, about 10 MB), and 16 of them at once took the server to 1.9 GB. So the
check reads the header first (cheap, any number at once), and decodes one image at a time:
memory stays flat whatever arrives.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from PIL import Image
from starlette.concurrency import run_in_threadpool

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
# libwebp decodes into a canvas of its own beside Pillow's copy: ~16 bytes a pixel, measured
# (a 40 MP WebP of 38 bytes took 620 MB); no phone camera writes WebP of this size anyway
MAX_WEBP_PIXELS = 12_000_000
JPEG_DRAFT = 8  # JPEGs decode at 1/8 scale: enough to prove the whole file decodes

# what the photos table's format serves as
MEDIA_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

Source = bytes | Path


class NotAnImage(ValueError):
    pass


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def _open(source: Source) -> Image.Image:
    return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)


@contextmanager
def _as_not_an_image() -> Iterator[None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # DecompressionBombWarning and friends
            yield
    except NotAnImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage("decompression bomb") from exc
    except Warning as exc:
        raise NotAnImage(f"suspicious image: {exc}") from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise NotAnImage(f"not a readable image: {type(exc).__name__}") from exc


def probe(source: Source) -> ImageInfo:
    """Format and size from the header, and the file's structure verified (PNG: every chunk's
    checksum) -- without decoding pixels."""
    if not source or (isinstance(source, Path) and source.stat().st_size == 0):
        raise NotAnImage("empty body")
    with _as_not_an_image(), _open(source) as im:
        fmt, (w, h) = im.format, im.size
        if fmt not in ALLOWED_FORMATS:
            raise NotAnImage(f"format {fmt} is not accepted")
        limit = MAX_WEBP_PIXELS if fmt == "WEBP" else MAX_PIXELS
        if w < 1 or h < 1 or w > MAX_SIDE or h > MAX_SIDE or w * h > limit:
            raise NotAnImage(f"implausible size {w}x{h}")
        im.verify()
    return ImageInfo(fmt, w, h)


def decode(source: Source, info: ImageInfo) -> None:
    """Decode every pixel once (JPEGs at 1/8 scale): a truncated or corrupt file fails here."""
    with _as_not_an_image(), _open(source) as im:
        im.draft("RGB", (max(1, info.width // JPEG_DRAFT), max(1, info.height // JPEG_DRAFT)))
        im.load()


def check_image(source: Source) -> ImageInfo:
    """The whole check in the calling thread: for scripts and tests (the server uses
    :func:`checked`)."""
    info = probe(source)
    decode(source, info)
    return info


# One decode at a time per process, on a thread of its own. A semaphore over the shared worker
# threads was not enough: glibc gives each thread its own malloc arena and keeps what a decode
# freed there, so 32 uploads across many threads still reached 450 MB; in one thread the next
# decode reuses the same memory (measured: 262 MB peak, bench/photo_memory.py).
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="photo-decode")


async def checked(source: Source) -> ImageInfo:
    """:func:`check_image` for the server: the header in a worker thread, the decode queued
    for the decoding thread (waiting in the event loop, first come first served, holding no
    worker thread that other requests need)."""
    info = await run_in_threadpool(probe, source)
    await asyncio.get_running_loop().run_in_executor(_DECODER, decode, source, info)
    return info
