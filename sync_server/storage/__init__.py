"""Server storage: the ``Storage`` protocol and its SQLite backend. All SQL lives in here."""

from .base import IngestOutcome, NewReport, ReportFilter, ReportRef, Storage, User
from .photo_files import PhotoFiles
from .sqlite import SqliteStorage

__all__ = ["IngestOutcome", "NewReport", "PhotoFiles", "ReportFilter", "ReportRef", "SqliteStorage", "Storage",
           "User"]
