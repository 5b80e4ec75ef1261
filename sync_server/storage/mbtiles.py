"""MBTiles 1.3 files: SQLite with ``metadata`` and ``tiles(zoom_level, tile_column, tile_row,
tile_data)``, rows in TMS order (y counted from the south, hence the flips below)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


def write_mbtiles(path: Path, meta: dict[str, str],
                  tiles: Iterable[tuple[int, int, int, bytes]]) -> int:
    """Write (z, x, y-from-north, png) tiles to a new file that replaces ``path`` whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    n = 0
    try:
        conn.executescript("""
            CREATE TABLE metadata (name TEXT, value TEXT);
            CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                                tile_data BLOB);
            CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
        """)
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        for z, x, y, data in tiles:
            conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", [z, x, (2 ** z - 1) - y, data])
            n += 1
        conn.commit()
    finally:
        conn.close()
    tmp.replace(path)
    return n


@dataclass(frozen=True)
class Extent:
    """What a basemap covers: its zoom range and its (west, south, east, north) bounds."""

    name: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None


class MBTiles:
    """Read-only tile access, a short connection per call (served from a thread pool)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._uri = f"file:{path}?mode=ro"

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        conn = sqlite3.connect(self._uri, uri=True)
        try:
            row = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ?"
                               " AND tile_row = ?", [z, x, (2 ** z - 1) - y]).fetchone()
        finally:
            conn.close()
        return None if row is None else row[0]

    def extent(self) -> Extent | None:
        """Zoom range and bounds from ``metadata``; what the metadata lacks is read off the
        tiles table (MBTiles makes ``minzoom``/``maxzoom``/``bounds`` optional). None for a
        file without tiles."""
        conn = sqlite3.connect(self._uri, uri=True)
        try:
            meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
            lo, hi = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        finally:
            conn.close()
        if lo is None:
            return None
        return Extent(name=meta.get("name", ""), min_zoom=_int(meta.get("minzoom"), lo),
                      max_zoom=_int(meta.get("maxzoom"), hi), bounds=_bounds(meta.get("bounds")))


def _int(text: str | None, default: int) -> int:
    try:
        return int(float(text)) if text is not None else default
    except ValueError:
        return default


def _bounds(text: str | None) -> tuple[float, float, float, float] | None:
    """``"west,south,east,north"`` in degrees; None when absent or not four sane numbers."""
    try:
        w, s, e, n = (float(v) for v in (text or "").split(","))
    except ValueError:
        return None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        return None
    return w, s, e, n
