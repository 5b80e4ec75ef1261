"""Photos on disk, content-addressed: ``photos/ab/abcdef....jpg``.

Written to a temporary file in the same directory, fsynced, then renamed into place: a reader
(or a crash) sees either no photo or the whole photo, never part of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from starlette.responses import FileResponse, Response


class PhotoFiles:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.jpg"

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def write(self, sha256: str, data: bytes) -> None:
        fh, tmp = self.temp_file()
        try:
            with fh:
                fh.write(data)
            self.adopt(sha256, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def temp_file(self) -> tuple[BinaryIO, Path]:
        """A new temporary file beside the photos (same file system, so ``adopt`` is a rename):
        an upload streams into it and is only named once it is known good."""
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        return os.fdopen(fd, "wb"), Path(tmp)

    def adopt(self, sha256: str, tmp: Path) -> None:
        """Give a complete temporary file its name: fsynced, then renamed into place."""
        target = self.path(sha256)
        target.parent.mkdir(exist_ok=True)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def shas(self) -> set[str]:
        """Every stored photo's name (temporary files left by a crash are not photos)."""
        return {p.stem for p in self.root.glob("??/*.jpg")}

    def response(self, sha256: str, media_type: str, headers: dict[str, str]) -> Response:
        return FileResponse(self.path(sha256), media_type=media_type, headers=headers)
