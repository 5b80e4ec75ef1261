"""A small generated basemap as MBTiles: the city outline, district outlines and their names.

So that the map works offline out of the box in the demo. The outlines are synthetic like the
rest of the demo geography: the city is an ellipse of the city's area around the district
centres, and each district is the part of it nearest to its centre (a Voronoi cell), so
neighbouring districts share straight borders. A deployment points the app at its own tiles
(``PATROL_TILES`` for another MBTiles file, or any tile URL in the app).

The file format is in ``storage/mbtiles.py``.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path
from typing import Iterable

from PIL import Image, ImageDraw, ImageFont

from .storage.mbtiles import write_mbtiles

TILE = 256
MIN_ZOOM, MAX_ZOOM = 10, 14
BACKGROUND = (238, 240, 236)
OUTSIDE = (226, 229, 224)
FILLS = [(214, 229, 245), (228, 240, 214), (250, 236, 214), (236, 222, 240), (220, 238, 236),
         (244, 224, 224), (240, 240, 210)]
BORDER = (96, 110, 128)
TEXT = (40, 48, 60)


def _xy(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates at ``zoom``."""
    n = TILE * 2 ** zoom
    x = (lon + 180.0) / 360.0 * n
    lat_r = math.radians(lat)
    y = (1.0 - math.log(math.tan(lat_r) + 1.0 / math.cos(lat_r)) / math.pi) / 2.0 * n
    return x, y


def city_outline(districts: list[dict], points: int = 72) -> list[tuple[float, float]]:
    """(lat, lon) ring: an ellipse (east-west 4:3) of the summed district areas."""
    lat0 = sum(d["lat"] for d in districts) / len(districts)
    lon0 = sum(d["lon"] for d in districts) / len(districts)
    area_m2 = sum(d["area_km2"] for d in districts) * 1e6
    b = math.sqrt(area_m2 / (math.pi * 4 / 3))
    a = b * 4 / 3
    k = 111_320 * math.cos(math.radians(lat0))
    return [(lat0 + b * math.sin(t) / 111_320, lon0 + a * math.cos(t) / k)
            for t in (2 * math.pi * i / points for i in range(points))]


def _clip(poly: list[tuple[float, float]], keep) -> list[tuple[float, float]]:
    """Sutherland-Hodgman against a half-plane ``keep(p) <= 0`` (linear in p)."""
    out: list[tuple[float, float]] = []
    for i, cur in enumerate(poly):
        prev = poly[i - 1]
        vc, vp = keep(cur), keep(prev)
        if vc <= 0:
            if vp > 0:
                t = vp / (vp - vc)
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            out.append(cur)
        elif vp <= 0:
            t = vp / (vp - vc)
            out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
    return out


def district_outlines(districts: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """Each district's (lat, lon) ring: the city's cells nearest to each centre."""
    city = city_outline(districts)
    k = math.cos(math.radians(city[0][0]))  # treat lon degrees as k times as long locally
    out = {}
    for d in districts:
        poly = list(city)
        ci = (d["lat"], d["lon"] * k)
        for other in districts:
            if other is d:
                continue
            cj = (other["lat"], other["lon"] * k)
            mid = ((ci[0] + cj[0]) / 2, (ci[1] + cj[1]) / 2)
            dirv = (cj[0] - ci[0], cj[1] - ci[1])
            poly = _clip(poly, lambda p, mid=mid, dirv=dirv:
                         (p[0] - mid[0]) * dirv[0] + (p[1] * k - mid[1]) * dirv[1])
        out[d["id"]] = poly
    return out


def render_tile(z: int, x: int, y: int, rings: "ProjectedRings") -> bytes:
    """One tile; ``rings`` are the outlines already in pixels at zoom ``z``."""
    im = Image.new("RGB", (TILE, TILE), OUTSIDE)
    draw = ImageDraw.Draw(im)
    ox, oy = x * TILE, y * TILE

    def shift(ring):
        return [(px - ox, py - oy) for px, py in ring]

    city = shift(rings.city)
    draw.polygon(city, fill=BACKGROUND)
    for i, ring in enumerate(rings.districts):
        if len(ring) >= 3:
            draw.polygon(shift(ring), fill=FILLS[i % len(FILLS)], outline=BORDER)
    draw.line(city + city[:1], fill=BORDER, width=3 if z >= 12 else 2)
    if z >= 11:
        font = _font(12 + 2 * (z - 11))
        for name, (cx, cy) in rings.labels:
            if not (ox - 200 < cx < ox + TILE + 200 and oy - 40 < cy < oy + TILE + 40):
                continue  # a name this far off cannot reach into the tile
            draw.text((cx - ox, cy - oy), name, fill=TEXT, font=font, anchor="mm",
                      stroke_width=2, stroke_fill=(255, 255, 255))
    out = io.BytesIO()
    im.quantize(64, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
    return out.getvalue()


class ProjectedRings:
    """City, districts and label points in pixels at one zoom: projected once per zoom, not
    once per tile."""

    def __init__(self, z: int, city, outlines, districts) -> None:
        def project(ring):
            return [_xy(lat, lon, z) for lat, lon in ring]
        self.city = project(city)
        self.districts = [project(outlines[d["id"]]) for d in districts]
        self.labels = [(d["name"], _xy(d["lat"], d["lon"], z)) for d in districts]


_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
          "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"]


@functools.lru_cache(maxsize=None)  # loaded once per size, not once per tile
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A system sans with umlauts when there is one; Pillow's own font otherwise."""
    for candidate in _FONTS:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def tiles_for(city: list[tuple[float, float]], zoom: int) -> Iterable[tuple[int, int]]:
    xs = [_xy(lat, lon, zoom)[0] for lat, lon in city]
    ys = [_xy(lat, lon, zoom)[1] for lat, lon in city]
    for x in range(int(min(xs)) // TILE - 1, int(max(xs)) // TILE + 2):
        for y in range(int(min(ys)) // TILE - 1, int(max(ys)) // TILE + 2):
            yield x, y


def build_mbtiles(path: Path, districts: list[dict], name: str = "basemap") -> int:
    """Write the basemap to ``path`` (replacing it); returns the number of tiles."""
    city = city_outline(districts)
    outlines = district_outlines(districts)
    lats = [p[0] for p in city]
    lons = [p[1] for p in city]
    meta = {"name": name, "format": "png", "type": "baselayer", "version": "1",
            "minzoom": str(MIN_ZOOM), "maxzoom": str(MAX_ZOOM),
            "bounds": f"{min(lons):.5f},{min(lats):.5f},{max(lons):.5f},{max(lats):.5f}",
            "description": "Synthetic demo basemap: city and district outlines, names"}
    rings = {z: ProjectedRings(z, city, outlines, districts) for z in range(MIN_ZOOM, MAX_ZOOM + 1)}
    tiles = ((z, x, y, render_tile(z, x, y, rings[z]))
             for z in range(MIN_ZOOM, MAX_ZOOM + 1) for x, y in tiles_for(city, z))
    return write_mbtiles(path, meta, tiles)
