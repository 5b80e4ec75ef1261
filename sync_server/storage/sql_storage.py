"""The storage the server uses: the SQL concern modules composed over one engine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .agencies import AgenciesMixin
from .audit import AuditMixin
from .complaints import ComplaintsMixin
from .engine import Engine
from .figures import FiguresMixin
from .maintenance import MaintenanceMixin
from .operations import OperationsMixin
from .picture import PictureMixin
from .planning import PlanningMixin
from .reference import ReferenceMixin
from .reports import ReportsMixin
from .retention import RetentionMixin
from .review import ReviewMixin
from .sqlite_engine import SqliteEngine
from .users import UsersMixin

if TYPE_CHECKING:
    from ..config import Settings
    from .protocol import PhotoStore


class SqlStorage(UsersMixin, AgenciesMixin, ReferenceMixin, PlanningMixin, ReportsMixin, ReviewMixin,
                 PictureMixin, RetentionMixin, AuditMixin, MaintenanceMixin, FiguresMixin,
                 ComplaintsMixin, OperationsMixin):
    """Implements :class:`~sync_server.storage.protocol.Storage` over ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.db = engine

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start_serving(self) -> None:
        pass

    def ping(self) -> None:
        self.db.ping()

    def close(self) -> None:
        self.db.close()


class SqliteStorage(SqlStorage):
    """The embedded default: one SQLite file (``server.db``) in the data directory."""

    db: SqliteEngine

    def __init__(self, path: str | Path) -> None:
        super().__init__(SqliteEngine(path))
        self.path = self.db.path

    def start_serving(self) -> None:
        self.db.start_maintenance()


class PostgresStorage(SqlStorage):
    """Several server instances on one PostgreSQL (``postgresql://`` URL)."""

    def __init__(self, url: str, **pool: int) -> None:
        from .pg_engine import PostgresEngine  # psycopg only when PostgreSQL is used

        super().__init__(PostgresEngine(url, **pool))
        self.url = url


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and url.split("://", 1)[0] in ("postgresql", "postgres")


def open_storage(settings: "Settings") -> SqlStorage:
    """The configured backend: PostgreSQL when ``database_url`` names one, else SQLite in the
    data directory."""
    if settings.database_url:
        if not is_postgres_url(settings.database_url):
            raise ValueError("the database URL must start with postgresql:// (or leave it unset"
                             " for SQLite in the data directory)")
        return PostgresStorage(settings.database_url)
    return SqliteStorage(settings.db_path)


def open_photos(settings: "Settings", storage: SqlStorage) -> "PhotoStore":
    """Where photo bytes live: beside the rows in PostgreSQL, in files beside SQLite."""
    if isinstance(storage, PostgresStorage):
        from .photo_blobs import PhotoBlobs

        return PhotoBlobs(storage.db, settings.data_dir / "spool")
    from .photo_files import PhotoFiles

    return PhotoFiles(settings.photo_dir)
