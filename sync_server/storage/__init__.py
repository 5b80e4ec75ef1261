"""Server storage: the ``Storage`` protocol and its backends. All SQL lives in here.

Concern modules (users, reference, planning, reports, review, picture, retention, audit) hold
the SQL and run over an engine (``sqlite_engine``, ``pg_engine``); ``sql_storage`` composes them.
"""

from .photo_files import PhotoFiles
from .protocol import PhotoStore, Storage
from .records import IngestOutcome, NewReport, PictureFilter, ReportFilter, ReportRef, User
from .sql_storage import (PostgresStorage, SqliteStorage, SqlStorage, is_postgres_url, open_photos,
                          open_storage)

__all__ = ["IngestOutcome", "NewReport", "PhotoFiles", "PhotoStore", "PictureFilter",
           "PostgresStorage", "ReportFilter", "ReportRef", "SqlStorage", "SqliteStorage", "Storage",
           "User", "is_postgres_url", "open_photos", "open_storage"]
