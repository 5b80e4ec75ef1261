"""The officer's map tab: the nearest places, today's route stops in their state, my reports and
my position, full screen (its gestures are on from the start)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft
import flet_map as fm

import patrol_wire as wire
from patrol_rules import geo

from ..theme import big_button
from .map_panel import (
    DEFAULT_CENTRE,
    ME_COLOUR,
    PLACE_COLOUR,
    REPORT_COLOUR,
    STOP_COLOURS,
    MapPanel,
    dot,
    tap_marker,
)

if TYPE_CHECKING:
    from ..context import ViewContext


MAX_PLACES = 150  # nearest places drawn; hundreds of markers make a phone sluggish


class MapView:
    """My route (numbered stops, line in order), places, my reports and my position. A tap
    on a place or a stop opens it with "check here"."""

    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx
        self.me = fm.Marker(coordinates=fm.MapLatitudeLongitude(*DEFAULT_CENTRE), width=28, height=28,
                            content=ft.Icon(ft.Icons.MY_LOCATION, color=ME_COLOUR), visible=False)

    def build(self) -> ft.Control:
        t = self.ctx.t
        store = self.ctx.store
        places = self.ctx.device.current_places()
        fix = self.ctx.fix
        if fix is not None:
            centre = (fix.lat, fix.lon)
            near = [p for p, _ in geo.nearest_places(fix.lat, fix.lon, places, limit=MAX_PLACES)]
        elif places:
            centre = (sum(p.lat for p in places) / len(places), sum(p.lon for p in places) / len(places))
            near = places[:MAX_PLACES]
        else:
            centre, near = DEFAULT_CENTRE, []

        layers: list[fm.MapLayer] = []
        markers: list[fm.Marker] = [
            tap_marker(p.lat, p.lon, dot(ft.Colors.with_opacity(0.85, PLACE_COLOUR), 12),
                       lambda e, p=p: self.open_place(p), size=32, tooltip=p.name)
            for p in near]
        today = self.ctx.device.route_today()
        if today is not None:
            states = [s for s in today[1] if s.place]
            layers.append(fm.PolylineLayer(polylines=[fm.PolylineMarker(
                coordinates=[fm.MapLatitudeLongitude(s.place.lat, s.place.lon) for s in states],
                color=ft.Colors.BLUE_700, stroke_width=3)]))
            markers += [tap_marker(s.place.lat, s.place.lon, ft.Container(
                ft.Text(str(s.stop.seq), color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
                bgcolor=STOP_COLOURS[s.status], border_radius=15, width=30, height=30,
                border=ft.Border.all(1.5, ft.Colors.WHITE), alignment=ft.Alignment.CENTER),
                lambda e, s=s: self.open_place(s.place, s), size=40, tooltip=s.place.name)
                for s in states]
        for body, _state in store.history(limit=200):
            if body.get("fix"):
                markers.append(fm.Marker(
                    coordinates=fm.MapLatitudeLongitude(body["fix"]["lat"], body["fix"]["lon"]),
                    width=22, height=22, content=ft.Icon(ft.Icons.FACT_CHECK, color=REPORT_COLOUR,
                                                         size=20)))
        if fix is not None:
            self.me.coordinates = fm.MapLatitudeLongitude(fix.lat, fix.lon)
            self.me.visible = True
        markers.append(self.me)
        layers.append(fm.MarkerLayer(markers=markers))
        entries = [(dot(STOP_COLOURS[s]), t("stop_" + s.value)) for s in STOP_COLOURS]
        entries += [(dot(PLACE_COLOUR, 12), t("map_place")),
                    (ft.Icon(ft.Icons.FACT_CHECK, color=REPORT_COLOUR, size=16), t("map_my_report")),
                    (ft.Icon(ft.Icons.MY_LOCATION, color=ME_COLOUR, size=16), t("map_me"))]
        panel = MapPanel(self.ctx, layers, identifier="map", centre=centre,
                         zoom=15 if fix else 13, places=places, legend_entries=entries,
                         on_locate=self.locate)
        return ft.Container(panel.control, expand=True, padding=ft.Padding.only(left=8, right=8, bottom=6))

    async def locate(self) -> tuple[float, float] | None:
        """A fresh GPS fix: the "me" marker moves there and the map follows."""
        problem = await self.ctx.update_fix()
        if problem:
            self.ctx.toast(problem, error=True)
            return None
        fix = self.ctx.fix
        self.me.coordinates = fm.MapLatitudeLongitude(fix.lat, fix.lon)
        self.me.visible = True
        self.ctx.update()
        return fix.lat, fix.lon

    def open_place(self, place: wire.Place, stop=None) -> None:
        """The place in a sheet: what it is, how far, the stop's window, and "check here"."""
        from .today import stop_label

        t = self.ctx.t
        lines = [t("t_" + place.type.value) + (f" {place.category}" if place.category else "")]
        if place.address:
            lines.append(place.address)
        fix = self.ctx.fix
        if fix is not None:
            lines.append(t.distance(geo.distance_m(fix.lat, fix.lon, place.lat, place.lon)))
        if stop is not None:
            lines.append(t("map_stop_line", n=stop.stop.seq,
                           state=stop_label(t, stop.status, stop.checked_at)))

        def start(_=None) -> None:
            self.ctx.pop_dialog()
            self.ctx.show_check(place)

        self.ctx.show_dialog(ft.BottomSheet(ft.Container(ft.Column([
            ft.Text(place.name, size=18, weight=ft.FontWeight.BOLD),
            *[ft.Text(line, size=14) for line in lines],
            big_button(t("check_here"), start, icon=ft.Icons.FACT_CHECK, identifier="map-check-here"),
        ], tight=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=16), show_drag_handle=True))
