"""Photos in the database (``photo_blobs``, bytea on PostgreSQL): every server instance reaches
every photo, and the database's backups carry them. Same interface as :class:`PhotoFiles`:
an upload spools to a local temporary file, is checked there, and is stored once it is good.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from starlette.responses import Response

from .engine import Engine


class PhotoBlobs:
    def __init__(self, engine: Engine, spool: Path) -> None:
        self.db = engine
        self.spool = Path(spool)
        self.spool.mkdir(parents=True, exist_ok=True)

    def exists(self, sha256: str) -> bool:
        return self.db.query_one("SELECT 1 FROM photo_blobs WHERE sha256 = ?", [sha256]) is not None

    def write(self, sha256: str, data: bytes) -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO photo_blobs (sha256, data) VALUES (?, ?) ON CONFLICT DO NOTHING",
                      [sha256, data])

    def temp_file(self) -> tuple[BinaryIO, Path]:
        fd, tmp = tempfile.mkstemp(dir=self.spool, prefix=".incoming-")
        return os.fdopen(fd, "wb"), Path(tmp)

    def adopt(self, sha256: str, tmp: Path) -> None:
        """Store a complete, checked temporary file; committed before this returns."""
        self.write(sha256, tmp.read_bytes())
        tmp.unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes:
        row = self.db.query_one("SELECT data FROM photo_blobs WHERE sha256 = ?", [sha256])
        if row is None:
            raise FileNotFoundError(sha256)
        return bytes(row[0])

    def delete(self, sha256: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM photo_blobs WHERE sha256 = ?", [sha256])

    def shas(self) -> set[str]:
        return {r[0] for r in self.db.query("SELECT sha256 FROM photo_blobs")}

    def response(self, sha256: str, media_type: str, headers: dict[str, str]) -> Response:
        return Response(self.read(sha256), media_type=media_type, headers=headers)
