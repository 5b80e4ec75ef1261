"""The server's tile answers: what the basemap covers (tiles.json), its tiles, an empty tile for
a hole inside its zoom range, 404 outside it -- and the app's side: the extent it keeps."""

from __future__ import annotations

import io
import json
import math

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from patrol_app.core import basemap
from sync_server.app import create_app
from sync_server.basemap import MIN_ZOOM, MAX_ZOOM, _xy, build_mbtiles
from sync_server.storage.mbtiles import MBTiles, write_mbtiles

DISTRICTS = [{"id": "mitte", "name": "Mitte", "lat": 51.68, "lon": 7.82, "area_km2": 20.0},
             {"id": "nord", "name": "Nord", "lat": 51.71, "lon": 7.84, "area_km2": 20.0}]


@pytest.fixture
def served(settings, storage):
    build_mbtiles(settings.tiles_file, DISTRICTS, name="Testing")
    with TestClient(create_app(settings, storage)) as c:
        yield c


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    x, y = _xy(lat, lon, z)
    return int(x // 256), int(y // 256)


def test_tiles_json_says_what_the_basemap_covers(served, settings):
    r = served.get("/api/v1/tiles/tiles.json")  # public, like the tiles
    assert r.status_code == 200
    doc = r.json()
    assert doc["tilejson"] == "3.0.0" and doc["name"] == "Testing"
    assert (doc["minzoom"], doc["maxzoom"]) == (MIN_ZOOM, MAX_ZOOM)
    assert doc["tiles"] == ["http://testserver/api/v1/tiles/{z}/{x}/{y}.png"]
    w, s, e, n = doc["bounds"]
    assert w < 7.82 < e and s < 51.68 < n and s < 51.71 < n
    assert r.headers["access-control-allow-origin"] == "*"


def test_every_tile_a_map_bound_to_tiles_json_can_ask_for_is_stored(served, settings):
    """The app asks only for tiles that touch the bounds, in the zoom range: all are there."""
    doc = served.get("/api/v1/tiles/tiles.json").json()
    w, s, e, n = doc["bounds"]
    mb = MBTiles(settings.tiles_file)
    asked = 0
    for z in range(doc["minzoom"], doc["maxzoom"] + 1):
        x0, y0 = tile_of(n, w, z)
        x1, y1 = tile_of(s, e, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                assert mb.tile(z, x, y) is not None, (z, x, y)
                asked += 1
    assert asked > 20


def test_a_stored_tile_is_served_as_stored(served, settings):
    x, y = tile_of(51.68, 7.82, 12)
    r = served.get(f"/api/v1/tiles/12/{x}/{y}.png")
    assert r.status_code == 200 and r.content == MBTiles(settings.tiles_file).tile(12, x, y)
    assert r.headers["content-type"] == "image/png"
    assert "max-age=86400" in r.headers["cache-control"]


def test_a_hole_inside_the_zoom_range_is_an_empty_cacheable_tile(served, settings):
    x, y = tile_of(40.0, -3.7, 11)  # Madrid: far outside the basemap, inside its zoom range
    assert MBTiles(settings.tiles_file).tile(11, x, y) is None
    r = served.get(f"/api/v1/tiles/11/{x}/{y}.png")
    assert r.status_code == 200
    assert "public" in r.headers["cache-control"] and "max-age=86400" in r.headers["cache-control"]
    assert r.headers["access-control-allow-origin"] == "*"
    im = Image.open(io.BytesIO(r.content))
    assert im.size == (256, 256)
    assert im.convert("RGBA").getextrema()[3] == (0, 0)  # fully transparent
    assert len(r.content) < 1_000


def test_outside_the_zoom_range_or_the_world_is_404_in_the_error_shape(served):
    for z in (MIN_ZOOM - 1, MAX_ZOOM + 1, 3):
        x, y = tile_of(51.68, 7.82, z)
        r = served.get(f"/api/v1/tiles/{z}/{x}/{y}.png")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
        assert r.json()["error"]["details"] == {"min_zoom": MIN_ZOOM, "max_zoom": MAX_ZOOM}
        assert r.headers["access-control-allow-origin"] == "*"
    for bad in ("12/4096/0", "12/0/4096", "23/0/0"):
        r = served.get(f"/api/v1/tiles/{bad}.png")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_without_a_basemap_both_answers_say_so(settings, storage):
    with TestClient(create_app(settings, storage)) as c:
        for url in ("/api/v1/tiles/tiles.json", "/api/v1/tiles/12/2137/1360.png"):
            r = c.get(url)
            assert r.status_code == 404
            assert "no basemap installed" in r.json()["error"]["message"]


def test_a_replaced_basemap_is_read_afresh(served, settings):
    assert served.get("/api/v1/tiles/tiles.json").json()["maxzoom"] == MAX_ZOOM
    meta = {"name": "Other", "format": "png", "minzoom": "12", "maxzoom": "13"}
    write_mbtiles(settings.tiles_file, meta, [(12, 0, 0, b"x"), (13, 0, 0, b"y")])
    doc = served.get("/api/v1/tiles/tiles.json").json()
    assert (doc["name"], doc["minzoom"], doc["maxzoom"]) == ("Other", 12, 13)
    assert "bounds" not in doc  # this file has none


def test_extent_falls_back_to_the_tiles_table(tmp_path):
    path = tmp_path / "bare.mbtiles"
    write_mbtiles(path, {"name": "bare", "bounds": "nonsense"}, [(9, 0, 0, b"a"), (11, 1, 1, b"b")])
    ext = MBTiles(path).extent()
    assert (ext.min_zoom, ext.max_zoom, ext.bounds) == (9, 11, None)
    empty = tmp_path / "empty.mbtiles"
    write_mbtiles(empty, {"name": "empty"}, [])
    assert MBTiles(empty).extent() is None


# ------------------------------------------------------------ the app's side


def device_on(tmp_path, server: TestClient | None, url: str = "http://testserver"):
    from patrol_app.core.device import Device

    return Device(tmp_path / "device", url, transport=server._transport if server else None)


def test_the_app_keeps_the_servers_extent_and_bounds_its_maps_to_it(served, monkeypatch, tmp_path):
    monkeypatch.delenv("PATROL_TILE_URL", raising=False)
    basemap._tried.clear()
    device = device_on(tmp_path, served)
    guess = basemap.current(device, [type("P", (), {"lat": 51.68, "lon": 7.82})()])
    assert not guess.known and guess.bounds is not None and guess.min_zoom == MIN_ZOOM
    assert basemap.due(device)
    assert basemap.refresh(device) is True
    assert not basemap.due(device)  # asked once a day, not on every map
    bm = basemap.current(device)
    doc = served.get("/api/v1/tiles/tiles.json").json()
    assert bm.known and bm.bounds == tuple(doc["bounds"])
    assert (bm.native_min, bm.native_max) == (MIN_ZOOM, MAX_ZOOM)
    assert (bm.min_zoom, bm.max_zoom) == (MIN_ZOOM, MAX_ZOOM + basemap.OVERZOOM)
    assert bm.url == "http://testserver/api/v1/tiles/{z}/{x}/{y}.png"
    w, s, e, n = bm.bounds
    assert bm.clamp(60.0, 20.0) == (n, e) and bm.clamp(51.7, 7.83) == (51.7, 7.83)
    assert basemap.refresh(device) is False  # the same answer again: nothing changed
    device.server_url = "http://elsewhere"  # another server: what this one said does not apply
    assert not basemap.current(device).known


def test_an_unreachable_server_keeps_the_guess_and_is_not_asked_again_at_once(monkeypatch, tmp_path):
    from tests.support.servers import free_port

    monkeypatch.delenv("PATROL_TILE_URL", raising=False)
    basemap._tried.clear()
    device = device_on(tmp_path, None, f"http://127.0.0.1:{free_port()}")  # nobody listens
    assert basemap.refresh(device, now=1000.0) is False
    assert not basemap.current(device).known
    assert not basemap.due(device, now=1030.0) and basemap.due(device, now=1061.0)


def test_a_custom_tile_service_is_not_bounded(monkeypatch, tmp_path):
    monkeypatch.setenv("PATROL_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    device = device_on(tmp_path, None)
    bm = basemap.current(device)
    assert bm.url.startswith("https://tiles.example/") and bm.bounds is None and bm.min_zoom is None
    assert not basemap.due(device)


@pytest.mark.parametrize("doc", [{"minzoom": 5, "maxzoom": 3}, {"minzoom": 1},
                                 {"minzoom": 1, "maxzoom": 2, "bounds": [10, 0, 5, 1]},
                                 {"minzoom": 1, "maxzoom": 2, "bounds": [0, 0, 1]}])
def test_a_tilejson_that_makes_no_sense_is_refused(doc):
    with pytest.raises((ValueError, KeyError)):
        basemap.parse_tilejson(doc)


def test_box_around_places_has_a_margin():
    P = type("P", (), {})
    a, b = P(), P()
    a.lat, a.lon, b.lat, b.lon = 51.6, 7.7, 51.8, 7.9
    w, s, e, n = basemap.box_around([a, b])
    assert math.isclose(w, 7.68) and math.isclose(n, 51.82)
    assert basemap.box_around([]) is None
    json.dumps(basemap.box_around([a]))  # a single place: a small box, not a point
