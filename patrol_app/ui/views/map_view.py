"""Map: my route (numbered stops, line in order), places, my reports and my position.

Tiles come from the sync server's basemap endpoint, or a configurable URL template
(``PATROL_TILE_URL`` or the device setting ``tile_url``). Without tiles (offline, before the
browser cached them) the map still shows every marker on a plain background.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import flet as ft
import flet_map as fm

import patrol_wire as wire
from patrol_rules import geo

if TYPE_CHECKING:
    from ..app import PatrolApp

MAX_PLACES = 150  # nearest places drawn; hundreds of markers make a phone sluggish
_STOP_COLOURS = {wire.StopStatus.DONE: ft.Colors.GREEN_700, wire.StopStatus.OPEN: ft.Colors.BLUE_700,
                 wire.StopStatus.LATE: ft.Colors.ORANGE_800, wire.StopStatus.MISSED: ft.Colors.RED_700}


def tile_layer(device) -> list:
    """The basemap layer: ``PATROL_TILE_URL`` or the device setting ``tile_url`` when set (any
    ``{z}/{x}/{y}`` service), else the sync server's own tiles (its MBTiles basemap, up to
    zoom 14 and scaled beyond). Empty when the device is not set up yet."""
    custom = os.environ.get("PATROL_TILE_URL") or device.store.get_meta("tile_url")
    if custom:
        return [fm.TileLayer(url_template=custom)]
    if not device.server_url:
        return []
    return [fm.TileLayer(url_template=f"{device.server_url}/api/v1/tiles/{{z}}/{{x}}/{{y}}.png",
                         max_native_zoom=14, min_native_zoom=10)]


class MapView:
    def __init__(self, app: "PatrolApp") -> None:
        self.app = app

    def build(self) -> ft.Control:
        store = self.app.device.store
        places = self.app.device.current_places()
        fix = self.app.fix
        if fix is not None:
            centre = (fix.lat, fix.lon)
            near = [p for p, _ in geo.nearest_places(fix.lat, fix.lon, places, limit=MAX_PLACES)]
        elif places:
            centre = (sum(p.lat for p in places) / len(places), sum(p.lon for p in places) / len(places))
            near = places[:MAX_PLACES]
        else:
            centre, near = (51.68, 7.82), []

        layers: list[fm.MapLayer] = [*tile_layer(self.app.device)]
        layers.append(fm.CircleLayer(circles=[
            fm.CircleMarker(radius=5, coordinates=fm.MapLatitudeLongitude(p.lat, p.lon),
                            color=ft.Colors.with_opacity(0.7, ft.Colors.BLUE_GREY_400),
                            border_color=ft.Colors.WHITE, border_stroke_width=1)
            for p in near]))
        markers: list[fm.Marker] = []
        today = self.app.device.route_today()
        if today is not None:
            states = [s for s in today[1] if s.place]
            layers.append(fm.PolylineLayer(polylines=[fm.PolylineMarker(
                coordinates=[fm.MapLatitudeLongitude(s.place.lat, s.place.lon) for s in states],
                color=ft.Colors.BLUE_700, stroke_width=3)]))
            markers += [fm.Marker(
                coordinates=fm.MapLatitudeLongitude(s.place.lat, s.place.lon), width=30, height=30,
                content=ft.Container(ft.Text(str(s.stop.seq), color=ft.Colors.WHITE,
                                             weight=ft.FontWeight.BOLD),
                                     bgcolor=_STOP_COLOURS[s.status], border_radius=15,
                                     alignment=ft.Alignment.CENTER))
                for s in states]
        for body, _state in store.history(limit=200):
            if body.get("fix"):
                markers.append(fm.Marker(
                    coordinates=fm.MapLatitudeLongitude(body["fix"]["lat"], body["fix"]["lon"]),
                    width=22, height=22, content=ft.Icon(ft.Icons.FACT_CHECK, color=ft.Colors.ORANGE_800,
                                                         size=20)))
        if fix is not None:
            markers.append(fm.Marker(coordinates=fm.MapLatitudeLongitude(fix.lat, fix.lon),
                                     width=28, height=28,
                                     content=ft.Icon(ft.Icons.MY_LOCATION, color=ft.Colors.RED_700)))
        layers.append(fm.MarkerLayer(markers=markers))
        the_map = fm.Map(expand=True, initial_center=fm.MapLatitudeLongitude(*centre),
                         initial_zoom=15 if fix else 13, layers=layers, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST)
        return ft.Semantics(identifier="map", content=ft.Container(the_map, expand=True), expand=True)
