"""Photo picking through Flet's FilePicker (works on web, desktop and phones)."""

from __future__ import annotations

from pathlib import Path

import flet as ft


class PhotoPicker:
    def __init__(self, page: ft.Page) -> None:
        self._picker = ft.FilePicker()
        page.services.append(self._picker)

    async def pick(self) -> list[tuple[str, bytes]]:
        files = await self._picker.pick_files(file_type=ft.FilePickerFileType.IMAGE,
                                              allow_multiple=True, with_data=True)
        return _read(files)

    def saver(self) -> ft.FilePicker:
        """For ``save_file(file_name=..., src_bytes=...)``: a download in the browser, a save
        dialog on desktop and phones."""
        return self._picker

    async def pick_any(self, extensions: list[str]) -> list[tuple[str, bytes]]:
        """One file with one of these extensions (e.g. a CSV or GeoJSON to import)."""
        files = await self._picker.pick_files(file_type=ft.FilePickerFileType.CUSTOM,
                                              allowed_extensions=extensions, with_data=True)
        return _read(files)


def _read(files) -> list[tuple[str, bytes]]:
    out = []
    for f in files or []:
        data = f.bytes if f.bytes is not None else (Path(f.path).read_bytes() if f.path else None)
        if data:
            out.append((f.name, bytes(data)))
    return out
