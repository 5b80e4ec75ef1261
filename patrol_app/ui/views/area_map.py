"""An operation's area drawn on the map: each tap sets the next corner, the polygon closes by
itself, "Letzte Ecke entfernen" and "Fläche löschen" undo. The corners also stand in a text
field (one "lat, lon" per line) -- for a screen reader, for corners read off a plan, for the
last metre -- and the two stay the same: a tap writes the line, a typed line moves the corner.

The map is ``locked`` inside the scrolling form (the page scrolls past it); taps set corners
either way, "Karte bedienen" lets the user pan and pinch to the area first. ``AreaMap.shown``
is the read-only map of a saved area (the operation's detail)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import flet as ft
import flet_map as fm

from patrol_app.core.operations import format_corners, parse_corners

from .map_panel import MapPanel, tap_marker, tile_layer

if TYPE_CHECKING:
    from ..context import ViewContext

AREA_COLOUR = ft.Colors.DEEP_PURPLE_700


def area_layers(corners: Sequence[Sequence[float]]) -> list:
    """The polygon (from three corners on) and a numbered dot per corner."""
    layers: list = []
    if len(corners) >= 3:
        layers.append(fm.PolygonLayer(polygons=[fm.PolygonMarker(
            coordinates=[fm.MapLatitudeLongitude(lat, lon) for lat, lon in corners],
            color=ft.Colors.with_opacity(0.18, AREA_COLOUR), border_color=AREA_COLOUR,
            border_stroke_width=2.5)]))
    elif len(corners) == 2:
        layers.append(fm.PolylineLayer(polylines=[fm.PolylineMarker(
            coordinates=[fm.MapLatitudeLongitude(lat, lon) for lat, lon in corners],
            color=AREA_COLOUR, stroke_width=2.5)]))
    layers.append(fm.MarkerLayer(markers=[
        tap_marker(lat, lon, ft.Container(
            ft.Text(str(i), size=11, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
            width=22, height=22, border_radius=11, bgcolor=AREA_COLOUR,
            alignment=ft.Alignment.CENTER, border=ft.Border.all(1.5, ft.Colors.WHITE)),
            None, size=24)
        for i, (lat, lon) in enumerate(corners, 1)]))
    return layers


def _centre(corners: Sequence[Sequence[float]]) -> tuple[float, float] | None:
    if not corners:
        return None
    return (sum(c[0] for c in corners) / len(corners), sum(c[1] for c in corners) / len(corners))


class AreaMap:
    """The drawing map and its corner field for the operation form. ``field`` is the
    TextField the form reads (``parse_corners`` of its text is the polygon sent)."""

    def __init__(self, ctx: "ViewContext", polygon: list[list[float]] | None, places: Sequence,
                 field: ft.TextField) -> None:
        self.ctx = ctx
        self.field = field
        self.corners: list[list[float]] = [list(c) for c in polygon or []]
        self.field.on_change = self._typed
        self.count = ft.Text(self._count_text(), size=12, color=ft.Colors.ON_SURFACE_VARIANT)
        self.panel = MapPanel(
            ctx, area_layers(self.corners), identifier="op-area-map",
            # an area drawn before is shown whole; a new one starts over the city's places
            centre=_centre(self.corners) or _centre([(p.lat, p.lon) for p in places]), zoom=13,
            fit=self.corners if len(self.corners) > 1 else None,
            locked=True, height=300, label=ctx.t("operation_area_tap"),
            legend_entries=[(ft.Icon(ft.Icons.TOUCH_APP, size=16, color=AREA_COLOUR),
                             ctx.t("operation_area_tap"))])
        self.panel.map.on_tap = self._tapped
        self._dynamic_from = 1 if self.panel.tiles is not None else 0  # the tiles stay

    @property
    def control(self) -> ft.Control:
        t = self.ctx.t
        return ft.Column([
            self.panel.control,
            ft.Row([
                ft.Semantics(identifier="op-area-undo", content=ft.OutlinedButton(
                    t("operation_area_undo"), icon=ft.Icons.UNDO, height=48,
                    on_click=self._undo)),
                ft.Semantics(identifier="op-area-clear", content=ft.TextButton(
                    t("operation_area_clear"), icon=ft.Icons.DELETE_OUTLINE, height=48,
                    on_click=self._clear)),
            ], wrap=True, spacing=8),
            ft.Semantics(identifier="op-area-count", content=self.count),
        ], spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def _count_text(self) -> str:
        n = len(self.corners)
        if n == 0:
            return self.ctx.t("operation_area_none")
        return self.ctx.t("operation_area_corners", n=n) + (
            "" if n >= 3 else " · " + self.ctx.t("operation_area_more", n=3 - n))

    # ------------------------------------------------------------ changes

    def _tapped(self, e: fm.MapTapEvent) -> None:
        self.corners.append([round(e.coordinates.latitude, 6), round(e.coordinates.longitude, 6)])
        self.field.value = format_corners(self.corners)
        self.field.error = None
        self._redraw()

    def _undo(self, _=None) -> None:
        if self.corners:
            self.corners.pop()
            self.field.value = format_corners(self.corners)
            self._redraw()

    def _clear(self, _=None) -> None:
        self.corners = []
        self.field.value = ""
        self.field.error = None
        self._redraw()

    def _typed(self, _=None) -> None:
        """Typed corners move the drawing once the text reads as corners (a half-typed line
        leaves the drawing as it was; the form says what is wrong on Save)."""
        try:
            corners = parse_corners(self.field.value or "") or []
        except ValueError:
            return
        self.corners = corners
        self._redraw()

    def _redraw(self) -> None:
        layers = self.panel.map.layers
        del layers[self._dynamic_from:]
        layers.extend(area_layers(self.corners))
        self.count.value = self._count_text()
        self.ctx.update()


def shown(ctx: "ViewContext", polygon: list[list[float]], places: Sequence = ()) -> ft.Control:
    """A saved area on a map, read only (the page scrolls past it)."""
    return MapPanel(ctx, area_layers(polygon), identifier="operation-area-map",
                    fit=polygon, places=places, locked=True, height=220,
                    label=ctx.t("operation_area_polygon")).control
