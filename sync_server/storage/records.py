"""The records storage hands to the server and takes from it: plain dataclasses, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from patrol_wire import Role


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    agency: str  # an agency's code (storage.agencies)
    disabled: bool = False


@dataclass(slots=True)  # not frozen: made per report on the ingest hot path (3x cheaper)
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
    amends: str | None = None
    findings_mask: int = 0  # bit i = patrol_wire.FINDING_BITS order
    n_findings: int = 0
    n_measures: int = 0
    clock_skew_s: float | None = None  # device clock - server clock at receipt; None: unknown


@dataclass(frozen=True, slots=True)
class ReportRef:
    """What access rules need to know of a stored report."""

    id: str
    author_id: int
    team_id: str | None
    agency: str
    visibility: str
    review_state: str
    place_id: str | None


@dataclass(slots=True)  # not frozen: one per report on the ingest hot path
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
    review_state: str | None = None
    place_type: str | None = None
    amendments: bool = False  # include reports that amend another
    unread_answers: bool = False  # only reports with an answer review has not read yet
    before_id: str | None = None  # keyset paging: newest first
    limit: int = 100


@dataclass(frozen=True, slots=True)
class PictureFilter:
    """Whose eyes (the agency rule) and which slice of the situation picture."""

    viewer_agency: str
    district_id: str | None = None
    place_type: str | None = None
    category: str | None = None
    agency: str | None = None
