"""The basemap from an MBTiles file, for the app's map.

``GET /api/v1/tiles/tiles.json`` says what the basemap covers (TileJSON 3.0: zoom range and
bounds), so the app bounds its maps to it; ``GET /api/v1/tiles/{z}/{x}/{y}.png`` serves a tile.
Inside the basemap's zoom range a tile the file lacks (the sea around the city, so to speak)
is an empty transparent tile that may be cached like any other: a map that shows a little
beyond the city's edge gets no errors and asks for each of those tiles once. Outside the range
the answer is 404; a map bound to the range never asks.

Public (no token): a basemap holds nothing about reports, and map widgets fetch tiles without
our headers. Any origin may read them (tiles are drawn on a canvas, which needs CORS).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

import patrol_wire as wire
from patrol_wire import ErrorCode

from ..storage.mbtiles import MBTiles, Extent
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/tiles", tags=["tiles"])

CACHE = "public, max-age=86400"
CORS = {"Access-Control-Allow-Origin": "*"}


@functools.lru_cache(maxsize=1)
def empty_tile() -> bytes:
    """A 256 px fully transparent PNG (a few hundred bytes), made once."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("LA", (256, 256), (0, 0)).save(out, "PNG", optimize=True)
    return out.getvalue()


@functools.lru_cache(maxsize=8)
def _extent(path: Path, mtime_ns: int) -> Extent | None:
    """Read once per file version: a replaced basemap (new mtime) is read afresh."""
    return MBTiles(path).extent()


def _basemap(request: Request) -> tuple[Path, Extent]:
    path = request.app.state.settings.tiles_file
    try:
        extent = _extent(path, path.stat().st_mtime_ns) if path is not None else None
    except FileNotFoundError:
        extent = None
    if extent is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "no basemap installed (patrol-server seed-demo "
                                                 "writes one; PATROL_TILES names another)",
                       headers=CORS)
    return path, extent


@router.get("/tiles.json", openapi_extra={"security": []},
            responses={200: {"description": "TileJSON 3.0.0: the basemap's zoom range and bounds"},
                       404: {"description": "no basemap installed"}})
def tilejson(request: Request) -> JSONResponse:
    """Plain ``def``: reading the basemap's extent runs in a worker thread."""
    _, extent = _basemap(request)
    base = str(request.base_url).rstrip("/")
    body = {"tilejson": "3.0.0", "name": extent.name, "scheme": "xyz",
            "tiles": [f"{base}{wire.API_PREFIX}/tiles/{{z}}/{{x}}/{{y}}.png"],
            "minzoom": extent.min_zoom, "maxzoom": extent.max_zoom}
    if extent.bounds is not None:
        body["bounds"] = list(extent.bounds)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=3600", **CORS})


@router.get("/{z}/{x}/{y}.png", openapi_extra={"security": []},
            responses={200: {"description": "PNG tile (transparent where the basemap has none)",
                             "content": {"image/png": {}}},
                       404: {"description": "no such tile: outside the zoom range or the world"}})
def tile(z: int, x: int, y: int, request: Request) -> Response:
    """Plain ``def``: the file lookup and the MBTiles query run in a worker thread."""
    if not (0 <= z <= 22 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such tile", headers=CORS)
    path, extent = _basemap(request)
    if not extent.min_zoom <= z <= extent.max_zoom:
        raise ApiError(404, ErrorCode.NOT_FOUND,
                       f"no such tile: the basemap has zoom {extent.min_zoom}-{extent.max_zoom}",
                       {"min_zoom": extent.min_zoom, "max_zoom": extent.max_zoom}, headers=CORS)
    data = MBTiles(path).tile(z, x, y)
    return Response(empty_tile() if data is None else data, media_type="image/png",
                    headers={"Cache-Control": CACHE, **CORS})
