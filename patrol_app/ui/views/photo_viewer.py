"""Photos as evidence: thumbnails that open a full-screen viewer with zoom, and swipes or
arrows between the photos of a report. Used by the supervisor's report detail and the
officer's history alike; the caller hands over the photos' bytes (from the server or from the
device's own store)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import flet as ft

from patrol_app.core.photos import make_thumbnail

if TYPE_CHECKING:
    from ..context import ViewContext

log = logging.getLogger("patrol_app")

TOUCH = 56  # the viewer's buttons: above the 48 dp minimum, on a dark picture
THUMB = 150


def previews(photos: list[bytes | None], size: int = THUMB) -> list[bytes | None]:
    """The thumbnails' bytes (sharp on a 2x screen): Pillow work of ~10-40 ms per photo, for
    a worker thread when the photos come from the server."""
    return [None if p is None else make_thumbnail(p, side=2 * size) for p in photos]


def loading_cells(n: int, *, size: int = THUMB) -> ft.Control:
    """Where ``n`` photos will appear, the size they will have: the page does not jump."""
    return ft.Row([ft.Container(ft.ProgressRing(width=24, height=24, stroke_width=3),
                                width=size, height=size, border_radius=8,
                                alignment=ft.Alignment.CENTER,
                                bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST) for _ in range(n)],
                  wrap=True, spacing=8, run_spacing=8)


def thumbnails(ctx: "ViewContext", photos: list[bytes | None], *, size: int = THUMB,
               missing_key: str = "photo_missing",
               small: list[bytes | None] | None = None) -> ft.Control:
    """A wrapping row of square previews; a tap opens the viewer at that photo. ``None``
    stands for a photo that cannot be shown (not uploaded yet, no longer on the device).
    ``small``: the previews, made beforehand (``previews``), else made here."""
    t = ctx.t
    small = previews(photos, size) if small is None else small
    shown = [p for p in photos if p is not None]
    cells: list[ft.Control] = []
    n = 0  # index among the photos that can be shown
    for p, thumb in zip(photos, small):
        if p is None:
            cells.append(ft.Container(ft.Text(t(missing_key), size=12, text_align=ft.TextAlign.CENTER),
                                      width=size, height=size, border_radius=8, padding=8,
                                      alignment=ft.Alignment.CENTER,
                                      bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST))
            continue
        cells.append(ft.Semantics(identifier=f"photo-{n + 1}", button=True, content=ft.Container(
            ft.Image(src=thumb, width=size, height=size,
                     fit=ft.BoxFit.COVER, border_radius=8),
            width=size, height=size, border_radius=8, tooltip=t("photo_open"),
            on_click=lambda e, n=n: PhotoViewer(ctx, shown, n).open())))
        n += 1
    return ft.Row(cells, wrap=True, spacing=8, run_spacing=8)


class PhotoViewer:
    """Full screen, black, one photo at a time: pinch or wheel to zoom, drag to pan, swipe or
    the arrows to move on; the close button and the arrows stay clear of the photo's edge."""

    def __init__(self, ctx: "ViewContext", photos: list[bytes], index: int = 0) -> None:
        self.ctx = ctx
        self.photos = photos
        self.index = min(max(index, 0), len(photos) - 1)
        t = ctx.t
        self.zoomers = [ft.InteractiveViewer(
            ft.Image(src=p, fit=ft.BoxFit.CONTAIN), min_scale=1, max_scale=8,
            boundary_margin=ft.Margin.all(0), expand=True) for p in photos]
        self.pages = ft.PageView(self.zoomers, selected_index=self.index, expand=True,
                                 on_change=self._swiped)
        self.caption = ft.Text("", color=ft.Colors.WHITE, size=16, weight=ft.FontWeight.W_600)
        self.prev = self._button(ft.Icons.CHEVRON_LEFT, t("previous_photo"), "photo-prev",
                                 lambda e: self.go(-1))
        self.next = self._button(ft.Icons.CHEVRON_RIGHT, t("next_photo"), "photo-next",
                                 lambda e: self.go(1))
        bar = ft.Container(ft.Row([
            self._button(ft.Icons.CLOSE, t("close"), "photo-close", lambda e: self.close()),
            ft.Container(ft.Semantics(identifier="photo-caption", content=self.caption),
                         expand=True, alignment=ft.Alignment.CENTER),
            self._button(ft.Icons.ZOOM_OUT, t("zoom_out"), "photo-zoom-out",
                         lambda e: self.ctx.run_task(self.zoom, 0.5)),
            self._button(ft.Icons.ZOOM_IN, t("zoom_in"), "photo-zoom-in",
                         lambda e: self.ctx.run_task(self.zoom, 2.0)),
        ], spacing=4), padding=8, bgcolor=ft.Colors.with_opacity(0.6, ft.Colors.BLACK),
            left=0, right=0, top=0)
        arrows = ft.Container(ft.Row([self.prev, self.next],
                                     alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
                              left=8, right=8, bottom=24)
        width, height = ctx.page_size()
        # A dialog without insets, as big as the page: a bottom sheet stops at 640 px wide
        self.sheet = ft.AlertDialog(
            content=ft.Semantics(identifier="photo-viewer", content=ft.Container(
                ft.Stack([ft.Container(self.pages, left=0, right=0, top=0, bottom=0), bar, arrows]),
                width=width, height=height, bgcolor=ft.Colors.BLACK)),
            inset_padding=0, content_padding=0, bgcolor=ft.Colors.BLACK,
            shape=ft.RoundedRectangleBorder(radius=0))
        self._label()

    @staticmethod
    def _button(icon: str, tooltip: str, identifier: str, on_click) -> ft.Control:
        return ft.Semantics(identifier=identifier, content=ft.IconButton(
            icon, tooltip=tooltip, on_click=on_click, icon_color=ft.Colors.WHITE, icon_size=30,
            width=TOUCH, height=TOUCH, bgcolor=ft.Colors.with_opacity(0.45, ft.Colors.BLACK)))

    def _label(self) -> None:
        many = len(self.photos) > 1
        self.caption.value = self.ctx.t("photo_n_of", n=self.index + 1, total=len(self.photos))
        for button, off in ((self.prev, self.index == 0),
                            (self.next, self.index == len(self.photos) - 1)):
            button.visible = many
            button.content.disabled = off  # at either end: dimmed, not gone (no jumping layout)
            button.content.icon_color = ft.Colors.with_opacity(0.3 if off else 1, ft.Colors.WHITE)

    def open(self) -> None:
        self.ctx.show_dialog(self.sheet)

    def close(self) -> None:
        self.ctx.pop_dialog()

    def _swiped(self, e) -> None:
        self.index = self.pages.selected_index = int(e.data if e.data is not None
                                                     else e.control.selected_index)
        self._label()
        self.ctx.update()

    def go(self, step: int) -> None:
        target = min(max(self.index + step, 0), len(self.photos) - 1)
        if target == self.index:
            return
        self.index = self.pages.selected_index = target
        self._label()
        self.ctx.update()

    async def zoom(self, factor: float) -> None:
        try:
            await self.zoomers[self.index].zoom(factor)
        except Exception:  # noqa: BLE001  (pinch and wheel still work)
            log.debug("zoom unavailable", exc_info=True)
