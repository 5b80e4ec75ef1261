"""What the API needs from a storage backend, independent of SQL dialect.

The SQLite backend (``sqlite.py``) is the embedded default. A PostgreSQL backend for deployments
that outgrow one machine implements the same :class:`Storage` protocol in a module of its own;
no SQL lives outside ``sync_server/storage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from patrol_wire import Agency, Role


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    agency: Agency
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class NewReport:
    """A validated report ready to store: the canonical body plus the columns queries need."""

    id: str
    content_hash: str
    body: str
    place_id: str | None
    team_id: str | None
    observed_at: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    device_verdict: str
    server_verdict: str
    server_distance_m: float | None
    severity: str
    visibility: str
    photos: list[str]


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    id: str
    status: str  # "created" | "identical" | "conflict"
    missing_photos: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReportFilter:
    place_id: str | None = None
    district_id: str | None = None
    agency: str | None = None
    author: str | None = None
    severity: str | None = None
    since: str | None = None
    until: str | None = None
    before_id: str | None = None  # keyset paging: newest first
    limit: int = 100


class Storage(Protocol):
    def close(self) -> None: ...

    # users and tokens
    def create_user(self, *, username: str, display_name: str, password_hash: str, role: Role,
                    agency: Agency) -> User: ...
    def user_by_name(self, username: str) -> tuple[User, str] | None: ...
    def set_disabled(self, username: str, disabled: bool) -> bool: ...
    def store_token(self, *, token_hash: str, user_id: int, expires_at: float) -> None: ...
    def user_for_token(self, token_hash: str, *, now: float) -> tuple[User, float] | None: ...
    def revoke_token(self, token_hash: str) -> None: ...
    def team_ids_of(self, user_id: int) -> list[str]: ...

    # reports and photos
    def ingest_reports(self, reports: list[NewReport], *, author: User, received_at: str
                       ) -> list[IngestOutcome]: ...
    def places_version(self) -> int: ...
    def place_bodies(self, ids: Iterable[str]) -> dict[str, str]: ...
    def photo_exists(self, sha256: str) -> bool: ...
    def photo_referenced_by(self, sha256: str, author_id: int) -> bool: ...
    def add_photo(self, *, sha256: str, size: int, width: int, height: int, fmt: str,
                  uploaded_by: int, received_at: str) -> bool: ...
    def list_reports(self, flt: ReportFilter, *, viewer: User, own_only: bool
                     ) -> list[dict[str, Any]]: ...
    def report_count(self) -> int: ...

    def photo_count(self) -> int: ...

    # reference data and sync
    def upsert_district(self, district_id: str, body: str) -> None: ...
    def upsert_places(self, rows: Iterable[tuple[str, str, str, str | None, bool]]) -> int: ...
    def upsert_checklist(self, checklist_id: str, version: int, place_type: str, body: str) -> None: ...
    def upsert_team(self, team_id: str, name: str, shift_date: str | None,
                    member_ids: list[int]) -> None: ...
    def upsert_assignment(self, assignment_id: str, team_id: str, body: str) -> None: ...
    def district_ids(self) -> set[str]: ...
    def team_members(self, team_id: str) -> list[User]: ...
    def team_row(self, team_id: str) -> tuple[str, str, str | None] | None: ...
    def changes_since(self, seq: int, *, user: User, limit: int
                      ) -> tuple[dict[str, list[tuple[int, str]]], int, bool]: ...
    def current_seq(self) -> int: ...
