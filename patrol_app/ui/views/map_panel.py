"""The reusable map panel every screen builds its map with (the officer's tab is ``map_view``).

The panel (``MapPanel``) gives each map what map users expect: zoom buttons, a legend, markers
that open what they stand for, and limits -- it zooms no further out than the basemap's tiles,
asks only for tiles inside the basemap and keeps its centre there (``patrol_app.core.basemap``).
A map inside a scrolling page starts ``locked``: wheel and drags scroll the page, and the map
takes gestures only after a tap on "Karte bedienen" (the zoom buttons work either way).

Tiles come from the sync server's basemap endpoint, or a configurable URL template
(``PATROL_TILE_URL`` or the device setting ``tile_url``). Without tiles (offline, before the
browser cached them) the map still shows every marker on a plain background.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Sequence

import flet as ft
import flet_map as fm

import patrol_wire as wire
from patrol_app.core import basemap

if TYPE_CHECKING:
    from ..context import ViewContext


STOP_COLOURS = {wire.StopStatus.OPEN: ft.Colors.BLUE_700, wire.StopStatus.DONE: ft.Colors.GREEN_700,
                wire.StopStatus.LATE: ft.Colors.ORANGE_800, wire.StopStatus.MISSED: ft.Colors.RED_700}


PLACE_COLOUR = ft.Colors.BLUE_GREY_400


REPORT_COLOUR = ft.Colors.ORANGE_800


ME_COLOUR = ft.Colors.RED_700


GEOFENCE_COLOUR = ft.Colors.BLUE_700


DEFAULT_CENTRE = (51.68, 7.82)


# gestures when the map is "in use": everything but rotating (a turned map confuses on foot)
ACTIVE = fm.InteractionFlag.ALL & ~fm.InteractionFlag.ROTATE


_SETTLED = {fm.MapEventType.MOVE_END, fm.MapEventType.FLING_ANIMATION_END,
            fm.MapEventType.DOUBLE_TAP_ZOOM_END, fm.MapEventType.SCROLL_WHEEL_ZOOM}


_NO_KEYS = fm.KeyboardConfiguration(autofocus=False, enable_arrow_keys_panning=False,
                                    enable_qe_rotating=False, enable_rf_zooming=False,
                                    enable_wasd_panning=False)


def tile_layer(device, places: Sequence = ()) -> list:
    """The basemap layer, limited to the basemap's zooms and bounds (see core/basemap.py);
    empty when the device is not set up yet."""
    bm = basemap.current(device, places)
    return [] if bm is None else [_tiles(bm)]


def _tiles(bm: basemap.Basemap) -> fm.TileLayer:
    return fm.TileLayer(key=f"tiles-{bm.native_min}-{bm.native_max}-{bm.bounds}",
                        url_template=bm.url, min_native_zoom=bm.native_min,
                        max_native_zoom=bm.native_max, tile_bounds=_bounds(bm.bounds),
                        evict_error_tile_strategy=fm.TileLayerEvictErrorTileStrategy.DISPOSE)


def _bounds(b: basemap.Bounds | None) -> fm.MapLatitudeLongitudeBounds | None:
    if b is None:
        return None
    w, s, e, n = b
    return fm.MapLatitudeLongitudeBounds(fm.MapLatitudeLongitude(n, w), fm.MapLatitudeLongitude(s, e))


def dot(colour: str, size: float = 14, *, border: str = ft.Colors.WHITE) -> ft.Control:
    return ft.Container(width=size, height=size, border_radius=size / 2, bgcolor=colour,
                        border=ft.Border.all(1.5, border))


def legend(entries: Sequence[tuple[ft.Control, str]], identifier: str) -> ft.Control:
    """Symbols and their words, wrapping onto as many lines as the width needs."""
    return ft.Semantics(identifier=identifier, content=ft.Row(
        [ft.Row([symbol, ft.Text(text, size=12)], spacing=4, tight=True) for symbol, text in entries],
        wrap=True, spacing=12, run_spacing=4))


def tap_marker(lat: float, lon: float, content: ft.Control, on_tap: Callable | None,
               *, size: float = 36, tooltip: str | None = None) -> fm.Marker:
    """A marker with a touch area around its symbol (the symbol itself may be small)."""
    return fm.Marker(coordinates=fm.MapLatitudeLongitude(lat, lon), width=size, height=size,
                     content=ft.Container(content, alignment=ft.Alignment.CENTER, width=size,
                                          height=size, on_click=on_tap, tooltip=tooltip,
                                          ink=False))


def circle_box(lat: float, lon: float, radius_m: float) -> list[tuple[float, float]]:
    """Two corners of the box around a circle, so a camera fit shows all of it."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return [(lat - dlat, lon - dlon), (lat + dlat, lon + dlon)]


class MapPanel:
    """One map with its buttons, legend and limits. ``control`` goes into the page.

    ``locked``: for a map inside a scrolling page -- it takes no gestures (the page scrolls
    past it) until the user taps "Karte bedienen", and gives them back on "Fertig".
    ``on_locate``: an async callable returning (lat, lon) or None; shows "centre on me".
    ``label``: what the map is for, for screen readers.
    """

    def __init__(self, ctx: "ViewContext", layers: list, *, identifier: str,
                 centre: tuple[float, float] | None = None, zoom: float = 13,
                 fit: Sequence[tuple[float, float]] | None = None, places: Sequence = (),
                 locked: bool = False, legend_entries: Sequence[tuple[ft.Control, str]] = (),
                 on_locate: Callable | None = None, height: float | None = None,
                 label: str | None = None) -> None:
        self.ctx = ctx
        self.label = label  # what the map is for, read out (and a map without markers is
        # otherwise no node of the accessibility tree at all)
        self.identifier = identifier
        self.locked = locked
        self.on_locate = on_locate
        self.basemap = basemap.current(ctx.device, places)
        self.tiles = None if self.basemap is None else _tiles(self.basemap)
        bm = self.basemap
        lat, lon = centre or DEFAULT_CENTRE
        if bm is not None:
            lat, lon = bm.clamp(lat, lon)
            if bm.min_zoom is not None:
                zoom = max(zoom, bm.min_zoom)
            if bm.max_zoom is not None:
                zoom = min(zoom, bm.max_zoom)
        camera_fit = None
        if fit and len(fit) > 1:
            camera_fit = fm.CameraFit(
                coordinates=[fm.MapLatitudeLongitude(a, b) for a, b in fit],
                padding=ft.Padding.all(40), max_zoom=17,
                min_zoom=bm.min_zoom if bm and bm.min_zoom is not None else 0)
        self.map = fm.Map(
            layers=([self.tiles] if self.tiles else []) + list(layers),
            initial_center=fm.MapLatitudeLongitude(lat, lon), initial_zoom=zoom,
            initial_camera_fit=camera_fit,
            min_zoom=bm.min_zoom if bm else None, max_zoom=bm.max_zoom if bm else None,
            interaction_configuration=self._interaction(),
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST, expand=True,
            on_event=self._settled if bm is not None and bm.bounds is not None else None)
        self.unlock_button = ft.FilledTonalButton(
            content=self._unlock_text(), icon=self._unlock_icon(), height=48,
            on_click=self._toggle)
        self.legend_entries = list(legend_entries)
        self._height = height
        if bm is not None and basemap.due(ctx.device):
            ctx.run_task(self._learn_basemap)

    # ------------------------------------------------------------ the control

    @property
    def control(self) -> ft.Control:
        t = self.ctx.t
        buttons: list[ft.Control] = []
        if self.on_locate is not None:
            buttons.append(self._round(ft.Icons.MY_LOCATION, t("map_centre_on_me"), self._locate,
                                       f"{self.identifier}-me"))
        buttons += [self._round(ft.Icons.ADD, t("zoom_in"), self._zoom_in, f"{self.identifier}-zoom-in"),
                    self._round(ft.Icons.REMOVE, t("zoom_out"), self._zoom_out,
                                f"{self.identifier}-zoom-out")]
        stack: list[ft.Control] = [  # the map fills the stack; the buttons float on it
            ft.Container(ft.Semantics(identifier=self.identifier, container=True, label=self.label,
                                      content=self.map),
                         left=0, top=0, right=0, bottom=0, border_radius=8,
                         clip_behavior=ft.ClipBehavior.HARD_EDGE),
            ft.Column(buttons, spacing=8, right=8, bottom=8, tight=True)]
        if self.locked:
            stack.append(ft.Container(ft.Semantics(identifier=f"{self.identifier}-unlock",
                                                   content=self.unlock_button), top=8, right=8))
        body = ft.Stack(stack, expand=self._height is None, height=self._height)
        if not self.legend_entries:
            return body
        return ft.Column([body, legend(self.legend_entries, f"{self.identifier}-legend")],
                         spacing=6, expand=self._height is None,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def _round(self, icon: str, tooltip: str, on_click, identifier: str) -> ft.Control:
        return ft.Semantics(identifier=identifier, content=ft.Container(
            ft.IconButton(icon, tooltip=tooltip, on_click=on_click, width=48, height=48,
                          icon_color=ft.Colors.ON_SURFACE),
            bgcolor=ft.Colors.SURFACE, border_radius=24, width=48, height=48,
            shadow=ft.BoxShadow(blur_radius=4, color=ft.Colors.with_opacity(0.3, ft.Colors.BLACK))))

    def _interaction(self) -> fm.InteractionConfiguration:
        return fm.InteractionConfiguration(
            flags=fm.InteractionFlag.NONE if self.locked else ACTIVE,
            keyboard_configuration=_NO_KEYS)

    def _unlock_text(self) -> str:
        return self.ctx.t("map_use") if self.locked else self.ctx.t("map_done")

    def _unlock_icon(self) -> str:
        return ft.Icons.PAN_TOOL_OUTLINED if self.locked else ft.Icons.CHECK

    # ------------------------------------------------------------ actions

    def _toggle(self, _=None) -> None:
        """"Karte bedienen": the map takes drags, pinches and the wheel; "Fertig": the page
        scrolls past it again."""
        self.locked = not self.locked
        self.map.interaction_configuration = self._interaction()
        self.unlock_button.content = self._unlock_text()
        self.unlock_button.icon = self._unlock_icon()
        self.ctx.update()

    async def _zoom_in(self, _=None) -> None:
        await self.map.zoom_in(cancel_ongoing_animations=True)

    async def _zoom_out(self, _=None) -> None:
        await self.map.zoom_out(cancel_ongoing_animations=True)

    async def _locate(self, _=None) -> None:
        where = await self.on_locate()
        if where is None:
            return
        try:
            await self.map.move_to(destination=fm.MapLatitudeLongitude(*where), zoom=16,
                                   cancel_ongoing_animations=True)
        except (AssertionError, RuntimeError):
            pass  # the GPS answered after the user left the map: nothing to move

    async def _settled(self, e: fm.MapEvent) -> None:
        """Keep the centre inside the basemap: a pan or zoom that ended outside it is brought
        back to the nearest point inside (the camera constraint flet-map does not expose)."""
        if e.event_type not in _SETTLED:
            return
        lat, lon = e.camera.center.latitude, e.camera.center.longitude
        if self.basemap.contains(lat, lon):
            return
        await self.map.move_to(destination=fm.MapLatitudeLongitude(*self.basemap.clamp(lat, lon)),
                               cancel_ongoing_animations=True)

    async def _learn_basemap(self) -> None:
        """Ask the server what its basemap covers (once a day); apply it to this map at once."""
        import asyncio

        if not await asyncio.to_thread(basemap.refresh, self.ctx.device):
            return
        bm = basemap.current(self.ctx.device)
        if bm is None or self.tiles is None:
            return
        self.basemap = bm
        # a new tile layer (its own key) in place of the old one: a tile layer whose bounds
        # change on screen stayed blank in Chromium (tiles fetched, none drawn -- the first
        # map after a login, which learns the basemap, when it had guessed bounds before)
        at = self.map.layers.index(self.tiles)
        self.tiles = self.map.layers[at] = _tiles(bm)
        self.map.min_zoom, self.map.max_zoom = bm.min_zoom, bm.max_zoom
        if bm.bounds is not None and self.map.on_event is None:
            self.map.on_event = self._settled
        try:
            self.map.update()
        except (AssertionError, RuntimeError):
            pass  # the map left the screen meanwhile; the next one is built with it
