"""Is this upload a sane photo? Checked before a single byte is stored.

Refused: bytes that do not decode, formats other than JPEG/PNG/WebP, images larger than any phone
takes (decompression bombs: Pillow's bomb *warning* counts as an error too), truncated files.

Decoding is what costs memory: a 40-megapixel PNG is 160 MB of pixels once decoded (a JPEG is
decoded at 1/8 scale, a few MB), and 16 of them at once took the server to 1.9 GB. So the
check reads the header first (cheap), then decodes only while a per-process
:class:`DecodeBudget` has room for that image's pixels: small photos decode side by side, big
ones one after another, and memory stays flat whatever arrives.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from collections import deque
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Iterator

from PIL import Image
from starlette.concurrency import run_in_threadpool

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
JPEG_DRAFT = 8  # JPEGs decode at 1/8 scale: enough to prove the whole file decodes
DECODE_BUDGET_BYTES = 192 * 1024 * 1024  # one 40 MP image (160 MB) at a time, or many small

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

    @property
    def decode_bytes(self) -> int:
        """Memory the pixels take while decoded: Pillow keeps 4 bytes per pixel (RGB is
        padded to RGBX); WebP's decoder holds its own RGBA copy beside them."""
        if self.format in ("JPEG", "MPO"):
            return (self.width // JPEG_DRAFT + 1) * (self.height // JPEG_DRAFT + 1) * 4
        return self.width * self.height * (8 if self.format == "WEBP" else 4)


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
        if w < 1 or h < 1 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
            raise NotAnImage(f"implausible size {w}x{h}")
        im.verify()
    return ImageInfo(fmt, w, h)


def decode(source: Source, info: ImageInfo) -> None:
    """Decode every pixel once (JPEGs at 1/8 scale): a truncated or corrupt file fails here."""
    with _as_not_an_image(), _open(source) as im:
        im.draft("RGB", (max(1, info.width // JPEG_DRAFT), max(1, info.height // JPEG_DRAFT)))
        im.load()


def check_image(source: Source) -> ImageInfo:
    """The whole check in the calling thread (no budget): for scripts and tests."""
    info = probe(source)
    decode(source, info)
    return info


class DecodeBudget:
    """Decoded pixels in flight, bounded per process: a decode waits (first come, first served)
    until its image fits. An image larger than the whole budget waits until it runs alone.
    The waiting happens in the event loop, so queued uploads hold no worker thread that other
    requests need."""

    def __init__(self, capacity: int = DECODE_BUDGET_BYTES) -> None:
        self.capacity = capacity
        self.in_use = 0
        self._queue: deque[tuple[asyncio.Future, int]] = deque()

    @asynccontextmanager
    async def hold(self, nbytes: int) -> AsyncIterator[None]:
        need = min(nbytes, self.capacity)
        if self._queue or self.in_use + need > self.capacity:
            turn = asyncio.get_running_loop().create_future()
            self._queue.append((turn, need))
            try:
                await turn
            except BaseException:
                if turn.done() and not turn.cancelled():  # granted just as we were cancelled
                    self._release(need)
                else:
                    turn.cancel()
                    with suppress(ValueError):
                        self._queue.remove((turn, need))
                    self._wake()
                raise
        else:
            self.in_use += need
        try:
            yield
        finally:
            self._release(need)

    def _release(self, need: int) -> None:
        self.in_use -= need
        self._wake()

    def _wake(self) -> None:
        while self._queue:
            turn, need = self._queue[0]
            if self.in_use + need > self.capacity:
                return
            self._queue.popleft()
            if not turn.done():
                self.in_use += need
                turn.set_result(None)

    async def check(self, source: Source) -> ImageInfo:
        """:func:`check_image` off the event loop, decoding within the budget."""
        info = await run_in_threadpool(probe, source)
        async with self.hold(info.decode_bytes):
            await run_in_threadpool(decode, source, info)
        return info
