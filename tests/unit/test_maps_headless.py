"""The maps in a real Flet session without a browser (tests/support/flet_session.py) against the
real server app in-process: limits from the server's tiles.json, buttons, legend, markers that
open the place, the picture's map locked in its page, the report's geofence."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import flet as ft
import flet_map as fm
import pytest

import patrol_wire as wire

from patrol_app.core import basemap
from patrol_app.core.device import Device
from patrol_app.ui.app import PatrolApp
from patrol_app.ui.views import map_panel
from tests.support.flet_session import Harness
from tests.unit.test_views_headless import PW, anyio_backend, demo_server, loaded  # noqa: F401


class Phone:
    """Answers the map's client-side methods (zoom, move) and remembers them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, name: str, args: Any) -> tuple[Any, str | None]:
        self.calls.append((name, args))
        if name.startswith(("zoom_", "move_to", "center_on")):
            return None, None
        return None, f"{name} is not available in this test"


async def start(demo_server, tmp_path, username: str, phone: Phone) -> tuple[Harness, PatrolApp]:
    basemap._tried.clear()
    device = Device(tmp_path / username, "http://testserver", transport=demo_server._transport)
    device.login(username, PW)
    device.sync()
    h = Harness(phone)
    app = PatrolApp(h.page, device)
    await app.start()
    await h.settle()
    return h, app


def maps(h: Harness) -> list[fm.Map]:
    return [c for c in h.walk() if isinstance(c, fm.Map)]


def markers(the_map: fm.Map) -> list[fm.Marker]:
    return [m for layer in the_map.layers if isinstance(layer, fm.MarkerLayer) for m in layer.markers]


def tiles(the_map: fm.Map) -> fm.TileLayer:
    (layer,) = [la for la in the_map.layers if isinstance(la, fm.TileLayer)]
    return layer


def in_sheet(h: Harness) -> list[str]:
    sheets = [d for d in h.page._dialogs.controls if isinstance(d, ft.BottomSheet) and d.open]
    return [c.value for s in sheets for c in _walk(s) if isinstance(c, ft.Text)]


def _walk(c):
    yield c
    for name in ("content", "controls"):
        v = getattr(c, name, None)
        for child in (v if isinstance(v, list) else [v] if v is not None else []):
            if isinstance(child, ft.BaseControl):
                yield from _walk(child)


@pytest.mark.anyio
async def test_officer_map_is_bounded_to_the_basemap_and_a_place_starts_a_check(demo_server, tmp_path):
    phone = Phone()
    h, app = await start(demo_server, tmp_path, "polizei", phone)
    try:
        app.show_main(3)  # Karte
        await h.until(lambda: maps(h))
        (the_map,) = maps(h)
        # the server's tiles.json arrives in the background and bounds this very map (the device
        # knows it a moment before the map's tile layer is replaced: wait for the map, not the store)
        doc = demo_server.get("/api/v1/tiles/tiles.json").json()
        w, s, e, n = doc["bounds"]

        def corners():
            b = tiles(the_map).tile_bounds
            return b and {(b.corner_1.latitude, b.corner_1.longitude),
                          (b.corner_2.latitude, b.corner_2.longitude)}

        await h.until(lambda: corners() == {(n, w), (s, e)})
        assert basemap.current(app.device).known
        assert (the_map.min_zoom, the_map.max_zoom) == (doc["minzoom"], doc["maxzoom"] + basemap.OVERZOOM)
        assert (tiles(the_map).min_native_zoom, tiles(the_map).max_native_zoom) == (doc["minzoom"], doc["maxzoom"])
        assert the_map.interaction_configuration.flags == map_panel.ACTIVE  # a full-screen map: gestures on
        assert not the_map.interaction_configuration.flags & fm.InteractionFlag.ROTATE
        for ident in ("map-zoom-in", "map-zoom-out", "map-me", "map-legend"):
            assert h.has_id(ident), ident
        assert all(h.text_shown(w) for w in ("offen", "erledigt", "verspätet", "verpasst", "Ort", "Ich"))

        await h.click(h.by_id("map-zoom-out").content)
        await h.click(h.by_id("map-zoom-in").content)
        assert [c for c, _ in phone.calls if c.startswith("zoom_")] == ["zoom_out", "zoom_in"]

        # a pan that ends outside the basemap is brought back to its edge
        phone.calls.clear()
        await h.session.dispatch_event(the_map._i, "event", {
            "source": "dragEnd", "event_type": "moveEnd",
            "camera": {"center": {"latitude": 60.0, "longitude": 20.0}, "zoom": 12,
                       "min_zoom": 10, "max_zoom": 18, "rotation": 0}})
        await h.settle()
        ((name, args),) = phone.calls
        assert name == "move_to" and args["destination"] == fm.MapLatitudeLongitude(n, e)
        phone.calls.clear()
        await h.session.dispatch_event(the_map._i, "event", {
            "source": "dragEnd", "event_type": "moveEnd",
            "camera": {"center": {"latitude": (s + n) / 2, "longitude": (w + e) / 2}, "zoom": 12,
                       "min_zoom": 10, "max_zoom": 18, "rotation": 0}})
        await h.settle()
        assert phone.calls == []  # inside: left alone

        # a place's marker opens the place; "check here" starts the check
        westentor = app.device.store.place("westentor")
        (marker,) = [m for m in markers(the_map) if m.content.tooltip == westentor.name
                     and m.coordinates.latitude == westentor.lat]
        await h.click(marker.content)
        await h.until(lambda: westentor.name in in_sheet(h))
        assert app.t("t_" + westentor.type.value) in " ".join(in_sheet(h))  # its type in words
        await h.click(h.by_id("map-check-here"))
        await h.until(lambda: h.has_id("save-report"))
        assert h.text_shown(westentor.name)
    finally:
        h.close()


@pytest.mark.anyio
async def test_picture_map_is_locked_in_its_page_until_the_user_means_it(demo_server, tmp_path):
    phone = Phone()
    h, app = await start(demo_server, tmp_path, "lagebild", phone)
    try:
        app.show_main(1)  # Lagebild
        await h.until(lambda: loaded(h) and h.has_id("pic-map"))
        the_map, _complaints = maps(h)  # the hotspot map, then complaints and fear spaces
        assert the_map.interaction_configuration.flags == fm.InteractionFlag.NONE  # the page scrolls
        assert not the_map.interaction_configuration.keyboard_configuration.autofocus
        unlock = h.by_id("pic-map-unlock")
        assert unlock.content == "Karte bedienen"
        await h.click(unlock)
        assert the_map.interaction_configuration.flags == map_panel.ACTIVE
        assert unlock.content == "Fertig"
        await h.click(unlock)
        assert the_map.interaction_configuration.flags == fm.InteractionFlag.NONE

        legend = " ".join(h.texts())
        for words in ("unter Stadtwert", "um den Stadtwert", "deutlich darüber", "Größe = Zahl der Kontrollen"):
            assert words in legend, words

        # a place's circle shows its figures
        assert markers(the_map)
        spot = markers(the_map)[-1]  # the highest score is drawn last (on top)
        await h.click(spot.content)
        await h.until(lambda: h.has_id("place-figures"))
        shown = " ".join(in_sheet(h))
        assert spot.content.tooltip in shown and "Kontrollen" in shown and "Vorheriger Zeitraum" in shown
    finally:
        h.close()


@pytest.mark.anyio
async def test_picture_complaint_layer_is_the_apis_and_a_place_opens_its_figures(demo_server, tmp_path):
    phone = Phone()
    h, app = await start(demo_server, tmp_path, "lagebild", phone)
    try:
        app.show_main(1)  # Lagebild, 7 days
        await h.until(lambda: loaded(h) and h.has_id("complaint-map"))
        _hotspots, the_map = maps(h)
        assert the_map.interaction_configuration.flags == fm.InteractionFlag.NONE  # locked too
        until = datetime.now(timezone.utc)
        office = app.device.office()
        pic = office.complaints(since=wire.format_timestamp(until - timedelta(days=7)),
                                until=wire.format_timestamp(until))
        office.close()
        points, places, _fear = (layer.markers for layer in the_map.layers
                                 if isinstance(layer, fm.MarkerLayer))
        assert pic.complaints > 0 and pic.points_total == pic.complaints
        assert len(points) == min(pic.points_total, 400) and len(places) == min(len(pic.places), 60)
        assert h.text_shown(f"{pic.complaints} Beschwerden, davon {pic.placed} an Orten")
        legend = " ".join(h.texts())
        for words in ("Beschwerde", "viele Beschwerden, wenige Kontrollen", "Angstraum"):
            assert words in legend, words
        top = places[-1]  # the strongest evidence is drawn last (on top)
        await h.click(top.content)
        await h.until(lambda: h.has_id("complaint-figures"))
        shown = " ".join(in_sheet(h))
        assert top.content.tooltip in shown and "Beschwerden je Kontrolle" in shown
        assert any(x.startswith("Dialogveranstaltung: ") for x in h.texts())  # meetings counted
    finally:
        h.close()


@pytest.mark.anyio
async def test_report_map_shows_the_geofence_and_where_the_report_was_made(demo_server, tmp_path):
    from patrol_app.ui.views.report_detail import ReportDetailView

    phone = Phone()
    h, app = await start(demo_server, tmp_path, "lagebild", phone)
    try:
        office = app.device.office()
        items = office.reports(limit=50)["items"]
        office.close()
        (item, place) = next((i, app.device.store.place(i["report"]["place_id"])) for i in items
                             if i["report"].get("fix") and i["report"].get("place_id"))
        app.show_sub(ReportDetailView(app, item["report"]["id"]))
        await h.until(lambda: loaded(h) and h.has_id("report-map"))
        (the_map,) = maps(h)
        assert the_map.interaction_configuration.flags == fm.InteractionFlag.NONE  # in a scrolling detail
        fences = [la for la in the_map.layers if isinstance(la, (fm.PolygonLayer, fm.CircleLayer))]
        assert len(fences) == 1
        if isinstance(fences[0], fm.CircleLayer):
            (circle,) = fences[0].circles
            assert circle.use_radius_in_meter and circle.radius == place.radius_m
            assert (circle.coordinates.latitude, circle.coordinates.longitude) == (place.lat, place.lon)
        else:
            assert len(fences[0].polygons[0].coordinates) == len(place.polygon)
        fix = item["report"]["fix"]
        fit = {(c.latitude, c.longitude) for c in the_map.initial_camera_fit.coordinates}
        assert (fix["lat"], fix["lon"]) in fit  # the fix and the whole fence in view
        assert h.text_shown("Bereich des Orts") and h.text_shown("Standort beim Bericht")
    finally:
        h.close()


@pytest.mark.anyio
async def test_picture_fear_spaces_arrive_after_the_rest_as_list_and_layer(demo_server, tmp_path):
    phone = Phone()
    h, app = await start(demo_server, tmp_path, "lagebild", phone)
    try:
        app.show_main(1)
        await h.until(lambda: loaded(h) and h.has_id("fear-list"))
        until = datetime.now(timezone.utc)
        office = app.device.office()
        fear = office.fear_spaces(since=wire.format_timestamp(until - timedelta(days=7)),
                                  until=wire.format_timestamp(until))
        office.close()
        assert fear, "the demo's checks note poor lighting somewhere"
        _hotspots, the_map = maps(h)
        layer = [x for x in the_map.layers if isinstance(x, fm.MarkerLayer)][2]
        assert [m.content.tooltip for m in layer.markers] == [f["name"] for f in fear[:60]]
        assert h.text_shown(fear[0]["name"]) and h.has_id("fear-1")
        await h.click(h.by_id("fear-1"))
        await h.until(lambda: h.has_id("fear-figures"))
        assert fear[0]["name"] in " ".join(in_sheet(h))
    finally:
        h.close()


class Saver:
    """The browser's download (the platform's save dialog): keeps what the app hands it."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def save_file(self, *, file_name: str, src_bytes: bytes) -> None:
        self.files[file_name] = src_bytes


@pytest.mark.anyio
async def test_every_export_button_saves_the_servers_file_under_its_name(demo_server, tmp_path):
    from patrol_app.ui.views.picture import EXPORTS

    phone = Phone()
    h, app = await start(demo_server, tmp_path, "lagebild", phone)
    saver = Saver()
    try:
        app.show_main(1)
        await h.until(lambda: loaded(h) and h.has_id(f"export-{len(EXPORTS) - 1}"))
        app.picker.saver = lambda: saver
        for i in range(len(EXPORTS)):
            await h.click(h.by_id(f"export-{i}"))
            await h.until(lambda: len(saver.files) == i + 1)
        files = {re.sub(r"-\d{8}", "", name): data for name, data in saver.files.items()}
        assert len(files) == len(EXPORTS)
        for name, data in files.items():
            if "-excel" in name:  # German spreadsheets: BOM, German headers, semicolons
                head = data.decode("utf-8").splitlines()[0]
                assert head.startswith("\ufeff") and ";" in head and "_" not in head, (name, head)
            else:
                assert data.strip(), name
        gaps = files["lagebild-complaint-gaps.geojson"].decode("utf-8")
        assert '"FeatureCollection"' in gaps and '"stands_out"' in gaps
    finally:
        h.close()
