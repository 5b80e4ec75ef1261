"""Photo picking through Flet's FilePicker (works on web, desktop and phones).

In the web app a picked file's bytes must travel from the browser to the app; with
``with_data=True`` that trip (~2.5 s for 6 MB) happens before the app even learns a file was
picked, so nothing could show that work is going on. :meth:`PhotoPicker.pick_photos` therefore
returns at once with each file's name and size, and each :class:`PickedPhoto` fetches its
bytes on demand: in the web app through Flet's own upload endpoint (same origin, signed URL)
with progress, on a phone or desktop from the local file.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable

import flet as ft

log = logging.getLogger(__name__)

Progress = Callable[[float], None]  # 0..1 of the bytes' trip
UPLOAD_URL_SECONDS = 15 * 60
UPLOAD_MIN_TIMEOUT_S = 60.0  # the browser says nothing more of a stalled upload
UPLOAD_MIN_RATE = 50_000  # bytes/s a phone's upload to its own app can be trusted to beat


class PickError(Exception):
    """A picked file's bytes never arrived (the upload failed or stalled)."""


@dataclass
class PickedPhoto:
    """A file the officer picked; ``read`` brings its bytes (reporting progress)."""

    name: str
    size: int | None
    read: Callable[[Progress], Awaitable[bytes]] = field(repr=False)


@dataclass
class _Upload:
    name: str
    target: Path
    done: asyncio.Future
    progress: Progress | None = None


class PhotoPicker:
    def __init__(self, page: ft.Page, upload_dir: Path | None = None) -> None:
        """``upload_dir``: where the web app's upload endpoint writes (``ft.run(upload_dir=)``);
        None where there is none (phones, tests): files are read from their path or with the
        pick."""
        self._page = page
        self._picker = ft.FilePicker(on_upload=self._on_upload)
        page.services.append(self._picker)
        self._upload_dir = upload_dir if page.web else None
        self._uploads: list[_Upload] = []  # in flight, in the order the browser sends them

    async def pick_photos(self) -> list[PickedPhoto]:
        """Open the picker; returns as soon as the officer has chosen, before any bytes."""
        if self._upload_dir is not None:
            files = await self._picker.pick_files(file_type=ft.FilePickerFileType.IMAGE,
                                                  allow_multiple=True)
            picked = [PickedPhoto(f.name, f.size, self._reader(f)) for f in files or []]
            if picked:  # one upload call: the browser sends the files one after another
                self._page.run_task(self._picker.upload, [
                    ft.FilePickerUploadFile(upload_url=self._page.get_upload_url(
                        u.target.name, UPLOAD_URL_SECONDS), id=f.id, name=f.name)
                    for f, u in zip(files, self._uploads[-len(picked):])])
            return picked
        files = await self._picker.pick_files(file_type=ft.FilePickerFileType.IMAGE,
                                              allow_multiple=True, with_data=True)
        return [PickedPhoto(name, len(data), _ready(data)) for name, data in _read(files)]

    def _reader(self, f: ft.FilePickerFile) -> Callable[[Progress], Awaitable[bytes]]:
        """Note the file's upload (started by pick_photos) and give a reader that waits for
        it: a second file's bytes are on their way while the first is processed."""
        loop = asyncio.get_running_loop()
        target = self._upload_dir / f"{uuid.uuid4().hex}.upload"
        upload = _Upload(f.name, target, loop.create_future())
        self._uploads.append(upload)
        timeout = max(UPLOAD_MIN_TIMEOUT_S, (f.size or 0) / UPLOAD_MIN_RATE)

        async def read(progress: Progress) -> bytes:
            upload.progress = progress
            try:
                await asyncio.wait_for(asyncio.shield(upload.done), timeout)
            except TimeoutError as exc:
                raise PickError(f"{f.name}: no bytes after {timeout:.0f} s") from exc
            finally:
                if upload in self._uploads:
                    self._uploads.remove(upload)
            try:
                data = await asyncio.to_thread(_take, target)
            except OSError as exc:
                raise PickError(f"{f.name}: {exc}") from exc
            if f.size and len(data) != f.size:  # said to be done, but not all there
                raise PickError(f"{f.name}: {len(data)} of {f.size} bytes arrived")
            return data

        return read

    def _on_upload(self, e: ft.FilePickerUploadEvent) -> None:
        """Progress of the upload this event names (the picked file's name; the first of that
        name still in flight: the browser sends them in order)."""
        upload = next((u for u in self._uploads if u.name == e.file_name and not u.done.done()), None)
        if upload is None:
            return
        if e.error:
            upload.done.set_exception(PickError(f"{e.file_name}: {e.error}"))
        elif e.progress is not None and e.progress >= 1.0:
            upload.done.set_result(None)
        elif upload.progress is not None and e.progress is not None:
            upload.progress(e.progress)

    def saver(self) -> ft.FilePicker:
        """For ``save_file(file_name=..., src_bytes=...)``: a download in the browser, a save
        dialog on desktop and phones."""
        return self._picker

    async def pick_any(self, extensions: list[str]) -> list[tuple[str, bytes]]:
        """One file with one of these extensions (e.g. a CSV or GeoJSON to import)."""
        files = await self._picker.pick_files(file_type=ft.FilePickerFileType.CUSTOM,
                                              allowed_extensions=extensions, with_data=True)
        return _read(files)


def _ready(data: bytes) -> Callable[[Progress], Awaitable[bytes]]:
    async def read(progress: Progress) -> bytes:
        return data
    return read


def _take(path: Path) -> bytes:
    """Read an uploaded file and delete it: the evidence lives on in the device's store."""
    try:
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def clean_uploads(upload_dir: Path, older_than_s: float = 60.0) -> int:
    """Remove uploads a killed app left behind (a minute old: none is still arriving)."""
    removed = 0
    cutoff = time.time() - older_than_s
    for p in upload_dir.glob("*.upload"):
        try:
            if p.stat().st_mtime < cutoff:
                p.unlink()
                removed += 1
        except OSError as exc:
            log.warning("could not remove %s: %s", p, exc)
    return removed


def _read(files) -> list[tuple[str, bytes]]:
    out = []
    for f in files or []:
        data = f.bytes if f.bytes is not None else (Path(f.path).read_bytes() if f.path else None)
        if data:
            out.append((f.name, bytes(data)))
    return out


