"""The check form's photos: a tile for each picked photo from the moment it is picked (its
bytes on their way, then processed in a worker thread), thumbnails once attached.

Save waits on :attr:`PhotoStrip.idle`, so a photo still on its way is never left out of the
report (and the UI never waits for one).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Callable

import flet as ft

from patrol_app.core.checks import CheckDraft, PendingPhoto
from patrol_app.core.photos import PhotoError, make_thumbnail, process_photo
from patrol_app.platform.camera import Camera, CameraUnavailable
from patrol_app.platform.picker import PickError

if TYPE_CHECKING:
    from ..context import ViewContext

log = logging.getLogger(__name__)
THUMB = 96


class PhotoStrip:
    def __init__(self, ctx: "ViewContext", draft: CheckDraft, on_change: Callable[[], None],
                 alive: Callable[[], bool], key: str | None = None) -> None:
        """``on_change``: the count or the waiting photos changed (the form redraws its words);
        ``alive``: the form is still shown (no redraws of a screen that is gone)."""
        self.ctx = ctx
        self.draft = draft
        self.on_change = on_change
        self.alive = alive
        self.row = ft.Row(wrap=True, spacing=8, run_spacing=8, key=ft.ScrollKey(key) if key else None)
        self.idle = asyncio.Event()  # set while no picked photo is on its way
        self.idle.set()
        self.failures = 0  # picked photos that could not be read (a waiting Save stops)
        self._placeholders: dict[int, ft.Control] = {}
        for p in draft.photos:  # prefilled photos show as if just attached
            self.row.controls.append(self._thumb(p.sha256, make_thumbnail(p.data)))

    def words(self) -> str:
        """"2 Fotos angehängt · Fotos werden verarbeitet … (1)"."""
        t = self.ctx.t
        n, waiting = len(self.draft.photos), len(self.draft.pending)
        text = t("photos_attached", n=n)
        if waiting:
            text = (text + " · " if n else "") + t("photos_processing", n=waiting)
        return text

    async def add_photo(self, _=None) -> None:
        """Each picked file shows a tile at once; its bytes arrive and are processed in the
        background."""
        try:
            picked = await self.ctx.picker.pick_photos()
        except Exception as exc:  # noqa: BLE001 -- the picker failed in the browser: say so
            log.exception("picking failed")
            self.ctx.toast(f"{self.ctx.t('photo_upload_failed')} ({exc})", error=True)
            return
        for p in picked:
            pending = self._pending(p.name, p.size)
            self.ctx.run_task(self._receive, pending, p.read)
        self.ctx.update()

    def _pending(self, name: str, size: int | None) -> PendingPhoto:
        pending = self.draft.photo_picked(name, size)
        self.idle.clear()
        ring = ft.ProgressRing(width=32, height=32, stroke_width=3)
        tile = ft.Semantics(identifier="photo-pending", content=ft.Container(
            ft.Column([ring, ft.Text(self.ctx.t("photo_processing"), size=11,
                                     text_align=ft.TextAlign.CENTER)],
                      alignment=ft.MainAxisAlignment.CENTER,
                      horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=6),
            width=THUMB, height=THUMB, border_radius=8, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST))
        tile.data = ring
        self._placeholders[pending.token] = tile
        self.row.controls.append(tile)
        self.on_change()
        return pending

    async def _receive(self, pending: PendingPhoto, read) -> None:
        def progress(fraction: float) -> None:
            pending.progress = fraction
            tile = self._placeholders.get(pending.token)
            if tile is not None and self.alive():
                tile.data.value = fraction  # the ring fills as the bytes arrive
                tile.data.update()

        try:
            data = await read(progress)
        except PickError as exc:
            log.warning("photo never arrived: %s", exc)
            self._finish(pending, None, None, f"{pending.name}: {self.ctx.t('photo_upload_failed')}")
            return
        await self.process(pending, data)

    async def process(self, pending: PendingPhoto, data: bytes) -> None:
        try:
            photo = await asyncio.to_thread(process_photo, data)
            thumb = await asyncio.to_thread(make_thumbnail, photo.data)
        except PhotoError:
            self._finish(pending, None, None, f"{pending.name}: {self.ctx.t('photo_unreadable')}")
            return
        self._finish(pending, photo, thumb, None)

    def _finish(self, pending: PendingPhoto, photo, thumb, problem: str | None) -> None:
        """The photo's tile becomes its thumbnail (or goes, with the problem in words)."""
        tile = self._placeholders.pop(pending.token, None)
        attached = self.draft.photo_done(pending, photo)
        controls = self.row.controls
        index = controls.index(tile) if tile in controls else len(controls)
        if tile in controls:
            controls.remove(tile)
        if attached:
            controls.insert(index, self._thumb(photo.sha256, thumb))
        if problem:
            self.failures += 1
            self.ctx.toast(problem, error=True)
        if not self.draft.pending:
            self.idle.set()
        self.on_change()
        if self.alive():
            self.ctx.update()

    async def take_photo(self, _=None) -> None:
        """Live camera in a dialog; when there is none (or no permission) say why in words and
        leave the picker, which works everywhere."""
        t = self.ctx.t
        cam = Camera()
        status = ft.Text(t("camera_starting"))

        async def shoot(_):
            try:
                data = await cam.shoot()
            except CameraUnavailable as exc:
                status.value = t(exc.key)
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            pending = self._pending("camera.jpg", len(data))
            self.ctx.update()
            await self.process(pending, data)

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("take_photo")),
            content=ft.Container(ft.Column([ft.Container(cam.control, height=320, width=320), status],
                                           tight=True), width=340),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.Semantics(identifier="shutter", content=ft.FilledButton(
                         t("shutter"), icon=ft.Icons.CAMERA, on_click=shoot))]))
        try:
            await cam.start()
            status.value = ""
        except CameraUnavailable as exc:
            status.value = t(exc.key) + (f" ({exc.reason})" if exc.reason and exc.key == "camera_failed" else "")
        self.ctx.update()

    def _thumb(self, sha: str, thumb: bytes) -> ft.Control:
        holder = ft.Stack(width=THUMB, height=THUMB)
        wrapped = ft.Semantics(identifier="photo-thumb", content=holder)

        def remove(_):
            self.draft.remove_photo(sha)
            self.row.controls.remove(wrapped)
            self.on_change()
            self.ctx.update()

        holder.controls = [
            ft.Image(src=thumb, width=THUMB, height=THUMB, fit=ft.BoxFit.COVER, border_radius=8),
            ft.Container(ft.IconButton(ft.Icons.CLOSE, on_click=remove, tooltip=self.ctx.t("remove"),
                                       icon_color=ft.Colors.WHITE,
                                       bgcolor=ft.Colors.with_opacity(0.55, ft.Colors.BLACK)),
                         right=0, top=0),
        ]
        return wrapped
