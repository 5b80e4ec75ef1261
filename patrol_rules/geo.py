"""Distances and geofences on WGS84, for the presence verdict and for "nearest places".

Distances are geodesic on WGS84. geopy's geodesic costs ~130 us a call here, which the server
cannot afford at ingest rates of tens of thousands of reports per second; for points within a few
kilometres of each other a tangent plane with the ellipsoid's radii of curvature agrees with it
to under a millimetre (pinned by a test), so that is used there and geopy beyond.

Ranking places by distance ("nearest places", on every Places and Today screen) needs no
millimetres: ``near_distance_m`` keeps the tangent plane out to half a degree (~55 km), where it
stays within 1 m of the geodesic (pinned by a test), so a city's 262 playgrounds are ranked in
under a millisecond instead of ~60 ms of geopy calls for the ones beyond 5 km.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from geopy.distance import geodesic

from patrol_wire import Place

_A = 6378137.0  # WGS84 semi-major axis (m)
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_PLANE_LIMIT_DEG = 0.05  # ~5 km: beyond this, geopy's geodesic
_NEAR_LIMIT_DEG = 0.5  # ~55 km: within 1 m of the geodesic, enough to rank and to show "12,3 km"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres between two WGS84 points (to a millimetre: presence)."""
    return _distance(lat1, lon1, lat2, lon2, _PLANE_LIMIT_DEG)


def near_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres to within 1 m (up to ~55 km; exact beyond): for ranking and showing."""
    return _distance(lat1, lon1, lat2, lon2, _NEAR_LIMIT_DEG)


def _distance(lat1: float, lon1: float, lat2: float, lon2: float, plane_limit: float) -> float:
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    if abs(dlat) < plane_limit and abs(dlon) < plane_limit:
        phi = math.radians((lat1 + lat2) / 2)
        s = math.sin(phi)
        w = 1 - _E2 * s * s
        n = _A / math.sqrt(w)  # prime vertical radius of curvature
        m = _A * (1 - _E2) / (w * math.sqrt(w))  # meridional radius of curvature
        return math.hypot(math.radians(dlon) * n * math.cos(phi), math.radians(dlat) * m)
    return geodesic((lat1, lon1), (lat2, lon2)).meters


def _local_xy(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """Metres east/north of (lat0, lon0) on the local tangent plane."""
    phi = math.radians(lat0)
    s = math.sin(phi)
    w = 1 - _E2 * s * s
    n = _A / math.sqrt(w)
    m = _A * (1 - _E2) / (w * math.sqrt(w))
    return math.radians(lon - lon0) * n * math.cos(phi), math.radians(lat - lat0) * m


def distance_to_polygon_m(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> float:
    """0 inside the polygon, else metres to its nearest edge. ``ring`` is [[lon, lat], ...]."""
    pts = [_local_xy(lat, lon, p[1], p[0]) for p in ring]
    if len(pts) >= 2 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) < 3:
        raise ValueError("a polygon needs at least three corners")
    inside = False
    best = math.inf
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        if (y1 > 0) != (y2 > 0) and 0 < (x2 - x1) * (0 - y1) / (y2 - y1) + x1:
            inside = not inside
        dx, dy = x2 - x1, y2 - y1
        seg = dx * dx + dy * dy
        t = 0.0 if seg == 0 else max(0.0, min(1.0, -(x1 * dx + y1 * dy) / seg))
        best = min(best, math.hypot(x1 + t * dx, y1 + t * dy))
    return 0.0 if inside else best


def fence_distance_m(lat: float, lon: float, place: Place, *, centre_m: float | None = None) -> float:
    """Metres from a point to the place's geofence (radius circle or polygon); 0 inside.
    ``centre_m``, the distance to the centre when the caller has it, saves computing it twice."""
    if place.polygon:
        return distance_to_polygon_m(lat, lon, place.polygon)
    if centre_m is None:
        centre_m = distance_m(lat, lon, place.lat, place.lon)
    return max(0.0, centre_m - place.radius_m)


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial compass bearing from point 1 to point 2, 0-360 degrees (0 = north)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def nearest_places(
    lat: float, lon: float, places: Iterable[Place], *, limit: int | None = None
) -> list[tuple[Place, float]]:
    """Places sorted by distance from (lat, lon), each with that distance in metres (to 1 m)."""
    ranked = sorted(
        ((p, near_distance_m(lat, lon, p.lat, p.lon)) for p in places), key=lambda pair: pair[1]
    )
    return ranked if limit is None else ranked[:limit]
