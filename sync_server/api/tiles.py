"""GET /api/v1/tiles/{z}/{x}/{y}.png: the basemap from an MBTiles file, for the app's map.

Public (no token): a basemap holds nothing about reports, and map widgets fetch tiles without
our headers. Any origin may read them (tiles are drawn on a canvas, which needs CORS).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

import patrol_wire as wire
from patrol_wire import ErrorCode

from ..storage.mbtiles import MBTiles
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/tiles", tags=["tiles"])


@router.get("/{z}/{x}/{y}.png", openapi_extra={"security": []},
            responses={200: {"description": "PNG tile", "content": {"image/png": {}}},
                       404: {"description": "no such tile"}})
def tile(z: int, x: int, y: int, request: Request) -> Response:
    """Plain ``def``: the file lookup and the MBTiles query run in a worker thread."""
    if not (0 <= z <= 22 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such tile")
    path = request.app.state.settings.tiles_file
    if path is None or not path.exists():
        raise ApiError(404, ErrorCode.NOT_FOUND, "no basemap installed (patrol-server seed-demo "
                                                 "writes one; PATROL_TILES names another)")
    data = MBTiles(path).tile(z, x, y)
    if data is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such tile", headers={"Access-Control-Allow-Origin": "*"})
    return Response(data, media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400",
                             "Access-Control-Allow-Origin": "*"})
