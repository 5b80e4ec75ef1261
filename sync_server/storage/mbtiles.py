"""MBTiles 1.3 files: SQLite with ``metadata`` and ``tiles(zoom_level, tile_column, tile_row,
tile_data)``, rows in TMS order (y counted from the south, hence the flips below)."""

from __future__ import annotations

import sqlite3
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
