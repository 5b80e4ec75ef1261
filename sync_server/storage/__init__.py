"""Server storage: the ``Storage`` protocol and its SQLite backend. All SQL lives in here."""

from .base import IngestOutcome, NewReport, PictureFilter, ReportFilter, ReportRef, Storage, User
from .photo_files import PhotoFiles
from .sqlite import SqliteStorage

__all__ = ["IngestOutcome", "NewReport", "PhotoFiles", "PictureFilter", "ReportFilter", "ReportRef", "SqliteStorage", "Storage",
           "User"]
