"""Which basemap the app's maps draw, and what it covers (no flet here).

The sync server says what its basemap covers in ``GET /api/v1/tiles/tiles.json`` (TileJSON: zoom
range and bounds). The maps keep to that: they zoom no further out than the basemap's first
zoom, ask only for tiles inside its bounds and keep their centre inside them, so a user who
zooms out or pans away sees the city's edge instead of a world of missing tiles. The answer is
kept in the device store (maps also work offline) and asked again once a day.

Until the server has answered, the extent is a guess: the server's usual zoom range and the
box around the places the device knows. A custom tile service (``PATROL_TILE_URL`` or the
device setting ``tile_url``) covers whatever it covers: no bounds there.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterable

import patrol_wire as wire

Bounds = tuple[float, float, float, float]  # west, south, east, north (degrees), as in TileJSON

OVERZOOM = 4  # zoom levels past the basemap's last, its tiles scaled up: geofences need them
GUESS_ZOOM = (10, 14)  # what the server's demo basemap has, until it says
REFRESH_S = 24 * 3600
RETRY_S = 60.0  # after a failed ask (offline, an older server), not sooner
META_KEY = "basemap"
TILES_JSON = f"{wire.API_PREFIX}/tiles/tiles.json"


@dataclass(frozen=True)
class Basemap:
    url: str  # a {z}/{x}/{y} template
    native_min: int  # the zooms the tile service has; the map scales them beyond
    native_max: int
    min_zoom: float | None  # how far the map may zoom out and in
    max_zoom: float | None
    bounds: Bounds | None  # tiles are asked for and the centre kept inside these
    known: bool  # the server said so (False: a guess until it answers)

    def contains(self, lat: float, lon: float) -> bool:
        if self.bounds is None:
            return True
        w, s, e, n = self.bounds
        return s <= lat <= n and w <= lon <= e

    def clamp(self, lat: float, lon: float) -> tuple[float, float]:
        """The nearest point inside the bounds (the camera's centre stays within them)."""
        if self.bounds is None:
            return lat, lon
        w, s, e, n = self.bounds
        return min(max(lat, s), n), min(max(lon, w), e)


def custom_url(device) -> str | None:
    return os.environ.get("PATROL_TILE_URL") or device.store.get_meta("tile_url")


def current(device, places: Iterable[Any] = ()) -> Basemap | None:
    """The basemap for the device's maps; None before the device knows a server."""
    custom = custom_url(device)
    if custom:
        return Basemap(custom, 0, 19, None, 19, None, known=True)
    if not device.server_url:
        return None
    url = f"{device.server_url}{wire.API_PREFIX}/tiles/{{z}}/{{x}}/{{y}}.png"
    said = _stored(device)
    if said is not None:
        lo, hi, bounds = said["minzoom"], said["maxzoom"], said["bounds"]
        return Basemap(url, lo, hi, lo, hi + OVERZOOM, tuple(bounds) if bounds else None, known=True)
    lo, hi = GUESS_ZOOM
    return Basemap(url, lo, hi, lo, hi + OVERZOOM, box_around(places), known=False)


def box_around(places: Iterable[Any], margin: float = 0.1) -> Bounds | None:
    """The places' bounding box, widened by ``margin`` of its size (at least ~500 m)."""
    pts = [(p.lat, p.lon) for p in places]
    if not pts:
        return None
    lats, lons = [p[0] for p in pts], [p[1] for p in pts]
    dlat = max((max(lats) - min(lats)) * margin, 0.005)
    dlon = max((max(lons) - min(lons)) * margin, 0.008)
    return (max(min(lons) - dlon, -180.0), max(min(lats) - dlat, -85.0),
            min(max(lons) + dlon, 180.0), min(max(lats) + dlat, 85.0))


def due(device, now: float | None = None) -> bool:
    """Should the device ask the server (again)? Not with a custom tile service, not twice a
    minute after a failure, and once a day otherwise."""
    if custom_url(device) or not device.server_url:
        return False
    now = time.time() if now is None else now
    with _lock:
        if now - _tried.get(device.server_url, -RETRY_S) < RETRY_S:
            return False
    raw = _stored(device)
    return raw is None or now - raw.get("at", 0) > REFRESH_S


def refresh(device, now: float | None = None) -> bool:
    """Ask the server what its basemap covers and keep the answer; True when it changed.
    Blocking (network): call it from a worker thread. Failures keep what was known."""
    from .client import ClientError

    now = time.time() if now is None else now
    server = device.server_url
    with _lock:
        _tried[server] = now
    client = device.client()
    try:
        said = parse_tilejson(json.loads(client.get_bytes(TILES_JSON)))
    except (ClientError, ValueError, TypeError, KeyError):
        return False  # offline, no basemap on the server, or an answer we cannot read
    finally:
        client.close()
    before = _stored(device)
    device.store.set_meta(META_KEY, json.dumps({"server": server, "at": now, **said}))
    return before is None or {k: before.get(k) for k in said} != said


def parse_tilejson(doc: dict) -> dict:
    """``minzoom``, ``maxzoom`` and ``bounds`` (or None) from a TileJSON document, checked."""
    lo, hi = int(doc["minzoom"]), int(doc["maxzoom"])
    if not 0 <= lo <= hi <= 22:
        raise ValueError(f"zoom range {lo}-{hi}")
    bounds = doc.get("bounds")
    if bounds is not None:
        w, s, e, n = (float(v) for v in bounds)
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise ValueError(f"bounds {bounds}")
        bounds = [w, s, e, n]
    return {"minzoom": lo, "maxzoom": hi, "bounds": bounds}


_lock = threading.Lock()
_tried: dict[str, float] = {}  # server URL -> time of the last ask (this process)


def _stored(device) -> dict | None:
    raw = device.store.get_meta(META_KEY)
    if raw is None:
        return None
    try:
        said = json.loads(raw)
    except ValueError:
        return None
    return said if said.get("server") == device.server_url else None
