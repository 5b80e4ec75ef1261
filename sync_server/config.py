"""Server settings, from arguments or ``PATROL_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True)
class KdfParams:
    """scrypt cost: n=2**15, r=8 uses 32 MiB per hash -- memory-hard, ~0.1 s here."""

    n: int = 2**15
    r: int = 8
    p: int = 1


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    token_ttl: timedelta = timedelta(days=14)
    kdf: KdfParams = field(default_factory=KdfParams)
    future_slack: timedelta = timedelta(minutes=10)  # a claim this far ahead, from a device that
    # sends no clock reading, is counted at its receipt instead (Ingestor.observed_time)
    max_batch_body: int = 8 * 1024 * 1024
    max_report_body: int = 256 * 1024
    max_small_body: int = 64 * 1024
    accuracy_gate_m: float = 50.0
    max_fix_age: timedelta = timedelta(minutes=2)
    cors_origins: tuple[str, ...] = ()
    missed_grace: timedelta = timedelta(minutes=15)  # a stop is missed this long after its window
    max_import_body: int = 16 * 1024 * 1024
    login_window: timedelta = timedelta(minutes=15)  # failed logins counted over this window
    login_max_per_user: int = 5       # then that user waits (whoever tries)
    login_max_per_address: int = 20   # then that address waits (whichever user it tries)
    timezone: str = "Europe/Berlin"  # the city's clock: weekday x hour, days in the picture
    tiles_path: Path | None = None  # an MBTiles file; None: the demo basemap in assets/
    cooperation: str = "Sicherheitskooperation"  # the name on the steering group's report
    database_url: str | None = None  # postgresql://...; None: SQLite (server.db) in data_dir

    @property
    def db_path(self) -> Path:
        return self.data_dir / "server.db"

    @property
    def tiles_file(self) -> Path:
        """The MBTiles basemap: PATROL_TILES, else the one seed-demo writes."""
        return self.tiles_path or self.data_dir / "basemap.mbtiles"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike[str] | None = None,
                 database_url: str | None = None) -> "Settings":
        root = Path(data_dir or os.environ.get("PATROL_DATA_DIR", "./server-data"))
        origins = tuple(o for o in os.environ.get("PATROL_CORS_ORIGINS", "").split(",") if o)
        grace = timedelta(minutes=float(os.environ.get("PATROL_MISSED_GRACE_MIN", "15")))
        tiles = os.environ.get("PATROL_TILES")
        return cls(data_dir=root, cors_origins=origins, missed_grace=grace,
                   timezone=os.environ.get("PATROL_TZ", "Europe/Berlin"),
                   tiles_path=Path(tiles) if tiles else None,
                   cooperation=os.environ.get("PATROL_COOPERATION", cls.cooperation),
                   database_url=database_url or os.environ.get("PATROL_DATABASE_URL") or None)
