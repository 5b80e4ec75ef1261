"""The wire model: every object that crosses between device and server, defined once.

Plain frozen dataclasses with their constraints in ``Annotated`` hints; :mod:`.codec` decodes,
encodes and documents them. Enum values are lowercase English and never change meaning.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated, Optional

from .codec import MaxLen, MinLen, Pattern, Range, Sha256, Slug, Timestamp, Unique, Uuid

API_PREFIX = "/api/v1"
MAX_BATCH = 500
MAX_PHOTOS_PER_REPORT = 20
MAX_PHOTO_BYTES = 10 * 1024 * 1024


class Agency(str, enum.Enum):
    POLICE = "police"
    KOD = "kod"
    CUSTOMS = "customs"
    FEDERAL_POLICE = "federal_police"
    YOUTH_OFFICE = "youth_office"
    TAX_INVESTIGATION = "tax_investigation"
    PRISON = "prison"
    OTHER = "other"


class Role(str, enum.Enum):
    OFFICER = "officer"
    SHIFT_LEAD = "shift_lead"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class PlaceType(str, enum.Enum):
    PLAYGROUND = "playground"
    EVENT = "event"
    DRUG_SCENE = "drug_scene"
    NIGHTLIFE = "nightlife"
    HOTSPOT = "hotspot"
    OTHER = "other"


class Severity(str, enum.Enum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Finding(str, enum.Enum):
    LITTER = "litter"
    BROKEN_GLASS = "broken_glass"
    SYRINGES = "syringes"
    DAMAGED_EQUIPMENT = "damaged_equipment"
    VANDALISM = "vandalism"
    DRUG_USE = "drug_use"
    DRUG_DEALING = "drug_dealing"
    ALCOHOL = "alcohol"
    YOUTH_PROTECTION = "youth_protection"
    NOISE = "noise"
    AGGRESSION = "aggression"
    WEAPONS = "weapons"
    UNLEASHED_DOGS = "unleashed_dogs"
    ILLEGAL_DUMPING = "illegal_dumping"
    POOR_LIGHTING = "poor_lighting"
    OTHER = "other"


# Bit positions of findings in the server's findings mask: the enum's order, which therefore
# only ever grows at the end (pinned by a test).
FINDING_BITS: dict[str, int] = {f.value: i for i, f in enumerate(Finding)}


class Measure(str, enum.Enum):
    TALK = "talk"
    ORDER_TO_LEAVE = "order_to_leave"
    IDENTITY_CHECK = "identity_check"
    CRIMINAL_COMPLAINT = "criminal_complaint"
    ADMINISTRATIVE_OFFENCE = "administrative_offence"
    SEIZURE = "seizure"
    REFERRAL_HELP = "referral_help"
    NOTICE_CITY_OFFICE = "notice_city_office"
    YOUTH_OFFICE_INFORMED = "youth_office_informed"


class Visibility(str, enum.Enum):
    COOPERATION = "cooperation"
    AGENCY = "agency"


class FixSource(str, enum.Enum):
    GPS = "gps"
    NETWORK = "network"
    BROWSER = "browser"
    MANUAL = "manual"


class Verdict(str, enum.Enum):
    ON_SITE = "on_site"
    OFF_SITE = "off_site"
    INACCURATE = "inaccurate"
    STALE = "stale"
    NO_FIX = "no_fix"
    NO_PLACE = "no_place"


class FieldKind(str, enum.Enum):
    YES_NO = "yes_no"
    COUNT = "count"
    CHOICE = "choice"
    TEXT = "text"


Lat = Annotated[float, Range(-90, 90)]
Lon = Annotated[float, Range(-180, 180)]
Meters = Annotated[float, Range(0, 1_000_000)]
Ts = Annotated[str, Timestamp()]
Id = Annotated[str, Slug]
Text200 = Annotated[str, MaxLen(200)]


# ---------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class GpsFix:
    """A position fix as the device received it."""

    lat: Lat
    lon: Lon
    accuracy_m: Meters
    fixed_at: Ts
    source: FixSource = FixSource.GPS


@dataclass(frozen=True, slots=True)
class Presence:
    """Proof-of-presence verdict and the distance (m) from the fix to the place's centre point."""

    verdict: Verdict
    distance_m: Optional[Meters] = None


@dataclass(frozen=True, slots=True)
class Report:
    """A check at a place ("Kontrolle"), made on the device; immutable once sent."""

    id: Annotated[str, Uuid]
    observed_at: Ts
    presence: Presence
    severity: Severity
    visibility: Visibility
    place_id: Optional[Id] = None
    team_id: Optional[Id] = None
    fix: Optional[GpsFix] = None
    no_fix_reason: Optional[Text200] = None
    checklist_id: Optional[Id] = None
    checklist_version: Optional[Annotated[int, Range(1, 1_000_000)]] = None
    answers: Annotated[dict[Id, bool | int | Annotated[str, MaxLen(500)]], MaxLen(100)] = field(
        default_factory=dict
    )
    findings: Annotated[list[Finding], MaxLen(len(Finding)), Unique()] = field(default_factory=list)
    measures: Annotated[list[Measure], MaxLen(len(Measure)), Unique()] = field(
        default_factory=list
    )
    counts: Annotated[dict[Id, Annotated[int, Range(0, 1_000_000)]], MaxLen(20)] = field(
        default_factory=dict
    )
    note: Annotated[str, MaxLen(4000)] = ""
    photos: Annotated[list[Annotated[str, Sha256]], MaxLen(20), Unique()] = field(
        default_factory=list
    )
    amends: Optional[Annotated[str, Uuid]] = None

    @staticmethod
    def wire_check(data: dict) -> tuple[str, str] | None:
        """Cross-field rules, run on normalized data by the codec."""
        if data["fix"] is None and not data["no_fix_reason"]:
            return ("no_fix_reason", "is required when there is no GPS fix")
        if data["amends"] is not None and data["amends"] == data["id"]:
            return ("amends", "must name another report")
        return None


class ItemStatus(str, enum.Enum):
    CREATED = "created"
    IDENTICAL = "identical"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ReportResult:
    """The server's receipt for one report; ``missing_photos`` are still to be uploaded."""

    id: Optional[str]
    status: ItemStatus
    missing_photos: list[str] = field(default_factory=list)
    error: Optional[ErrorInfo] = None


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """Items are decoded one by one so that one bad report does not sink its batch."""

    reports: Annotated[list[dict], MaxLen(MAX_BATCH), MinLen(1)]


@dataclass(frozen=True, slots=True)
class BatchResponse:
    results: list[ReportResult]


@dataclass(frozen=True, slots=True)
class PhotoResult:
    sha256: str
    status: ItemStatus


# ---------------------------------------------------------------- auth


@dataclass(frozen=True, slots=True)
class LoginRequest:
    username: Annotated[str, MinLen(1), MaxLen(64)]
    password: Annotated[str, MinLen(1), MaxLen(256)]


@dataclass(frozen=True, slots=True)
class UserInfo:
    username: str
    display_name: str
    role: Role
    agency: Agency
    team_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LoginResponse:
    token: str
    expires_at: str
    user: UserInfo


# ---------------------------------------------------------------- reference data (pulled)


@dataclass(frozen=True, slots=True)
class District:
    id: Id
    name: Text200
    lat: Lat
    lon: Lon
    area_km2: Annotated[float, Range(0, 100_000)]


@dataclass(frozen=True, slots=True)
class Place:
    """A place patrols check; the geofence is a radius or, when given, a polygon."""

    id: Id
    name: Text200
    type: PlaceType
    lat: Lat
    lon: Lon
    radius_m: Annotated[float, Range(1, 10_000)]
    district_id: Optional[Id] = None
    category: Optional[Annotated[str, MaxLen(8)]] = None
    polygon: Optional[list[list[float]]] = None  # [[lon, lat], ...] as in GeoJSON
    address: Optional[Text200] = None
    active_from: Optional[Ts] = None
    active_until: Optional[Ts] = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class ChecklistField:
    key: Id
    kind: FieldKind
    label_de: Text200
    label_en: Text200
    choices: list[str] = field(default_factory=list)
    required: bool = False


@dataclass(frozen=True, slots=True)
class Checklist:
    """A versioned checklist for one place type; reports keep the version they were filled with."""

    id: Id
    place_type: PlaceType
    version: Annotated[int, Range(1, 1_000_000)]
    fields: list[ChecklistField]


@dataclass(frozen=True, slots=True)
class TeamMember:
    username: str
    display_name: str
    agency: Agency


@dataclass(frozen=True, slots=True)
class Team:
    id: Id
    name: Text200
    members: list[TeamMember]
    shift_date: Optional[str] = None

    @property
    def is_mixed(self) -> bool:
        agencies = {m.agency for m in self.members}
        return Agency.POLICE in agencies and Agency.KOD in agencies


@dataclass(frozen=True, slots=True)
class RouteStop:
    seq: int
    place_id: Id
    window_start: Ts
    window_end: Ts


@dataclass(frozen=True, slots=True)
class Assignment:
    """A route assigned to a team for one shift."""

    id: Id
    route_id: Id
    route_name: Text200
    team_id: Id
    shift_start: Ts
    shift_end: Ts
    stops: list[RouteStop]
    active: bool = True


class StopStatus(str, enum.Enum):
    """A route stop: done (checked on site in its window), missed (window + grace over), open;
    late: checked on site, but after window + grace (patrol_rules.stops has the rule)."""

    DONE = "done"
    OPEN = "open"
    MISSED = "missed"
    LATE = "late"


class ReviewState(str, enum.Enum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    NEEDS_INFO = "needs_info"
    REJECTED = "rejected"


class ReviewAction(str, enum.Enum):
    START = "start"      # submitted -> in_review
    APPROVE = "approve"  # in_review -> approved
    ASK = "ask"          # in_review -> needs_info, with a question to the author
    REJECT = "reject"    # in_review -> rejected, with a reason


# The review state machine. needs_info -> in_review happens when the author's answer (an
# amendment report) arrives, not through a review action.
REVIEW_TRANSITIONS: dict[tuple[ReviewState, ReviewAction], ReviewState] = {
    (ReviewState.SUBMITTED, ReviewAction.START): ReviewState.IN_REVIEW,
    (ReviewState.IN_REVIEW, ReviewAction.APPROVE): ReviewState.APPROVED,
    (ReviewState.IN_REVIEW, ReviewAction.ASK): ReviewState.NEEDS_INFO,
    (ReviewState.IN_REVIEW, ReviewAction.REJECT): ReviewState.REJECTED,
}


@dataclass(frozen=True, slots=True)
class Query:
    """A supervisor's question ("Rückfrage") about a report, pulled by the report's author."""

    id: Annotated[str, Uuid]
    report_id: Annotated[str, Uuid]
    question: Annotated[str, MaxLen(2000)]
    asked_by: Text200
    asked_at: Ts
    place_id: Optional[Id] = None
    answer_report_id: Optional[Annotated[str, Uuid]] = None
    answered_at: Optional[Ts] = None


@dataclass(frozen=True, slots=True)
class SyncPage:
    """What changed for this user since ``cursor``; ask again with ``next_cursor`` while ``has_more``."""

    next_cursor: str
    has_more: bool
    districts: list[District] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    checklists: list[Checklist] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)


# ---------------------------------------------------------------- review (supervisors)


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    action: ReviewAction
    text: Annotated[str, MaxLen(2000)] = ""

    @staticmethod
    def wire_check(data: dict) -> tuple[str, str] | None:
        if data["action"] in ("ask", "reject") and not data["text"].strip():
            return ("text", "a question or reason is required")
        return None


# ---------------------------------------------------------------- planning (shift leads)

Username = Annotated[str, Pattern(r"^[a-z0-9][a-z0-9_.-]{1,63}$",
                                  "2-64 lowercase letters, digits, '_', '.', '-'")]
Day = Annotated[str, Pattern(r"^\d{4}-\d{2}-\d{2}$", "a date YYYY-MM-DD")]


@dataclass(frozen=True, slots=True)
class TeamRequest:
    """A team for a shift; members from several agencies (a team without police + KOD is flagged)."""

    name: Annotated[str, MinLen(1), MaxLen(200)]
    members: Annotated[list[Username], MaxLen(20), Unique()]
    shift_date: Optional[Day] = None


@dataclass(frozen=True, slots=True)
class TemplateStop:
    """A stop of a route template; its time window in minutes after the shift start."""

    place_id: Id
    start_min: Annotated[int, Range(0, 24 * 60)]
    end_min: Annotated[int, Range(1, 24 * 60)]


@dataclass(frozen=True, slots=True)
class RouteTemplate:
    id: Id
    name: Annotated[str, MinLen(1), MaxLen(200)]
    stops: Annotated[list[TemplateStop], MinLen(1), MaxLen(100)]

    @staticmethod
    def wire_check(data: dict) -> tuple[str, str] | None:
        for i, stop in enumerate(data["stops"]):
            if stop["end_min"] <= stop["start_min"]:
                return (f"stops[{i}].end_min", "must be after start_min")
        return None


@dataclass(frozen=True, slots=True)
class AssignRequest:
    """Assign a route template to a team for one shift; windows become absolute times."""

    route_id: Id
    team_id: Id
    shift_start: Ts
    shift_end: Ts

    @staticmethod
    def wire_check(data: dict) -> tuple[str, str] | None:
        if data["shift_end"] <= data["shift_start"]:
            return ("shift_end", "must be after shift_start")
        return None


@dataclass(frozen=True, slots=True)
class ReassignRequest:
    """Hand the stops still ahead to another team, mid-shift."""

    team_id: Id


@dataclass(frozen=True, slots=True)
class StopProgress:
    seq: int
    place_id: str
    place_name: str
    window_start: str
    window_end: str
    status: StopStatus
    checked_at: Optional[str] = None


@dataclass(frozen=True, slots=True)
class TeamProgress:
    """Live progress of one assignment, for the shift lead (and missed stops for the picture)."""

    assignment_id: str
    team_id: str
    team_name: str
    mixed: bool
    members: list[TeamMember]
    route_name: str
    shift_start: str
    shift_end: str
    stops: list[StopProgress]
    done: int
    open: int
    missed: int
    last_report_at: Optional[str] = None
    last_report_place: Optional[str] = None
    late: int = 0


# ---------------------------------------------------------------- administration

Password = Annotated[str, MinLen(10), MaxLen(256)]


@dataclass(frozen=True, slots=True)
class UserCreate:
    username: Username
    display_name: Annotated[str, MinLen(1), MaxLen(200)]
    role: Role
    agency: Agency
    password: Password


@dataclass(frozen=True, slots=True)
class UserUpdate:
    """Only the fields given change."""

    display_name: Optional[Annotated[str, MinLen(1), MaxLen(200)]] = None
    role: Optional[Role] = None
    agency: Optional[Agency] = None
    disabled: Optional[bool] = None


@dataclass(frozen=True, slots=True)
class PasswordReset:
    password: Password


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str
    display_name: str
    role: Role
    agency: Agency
    disabled: bool = False


# ---------------------------------------------------------------- situation picture


class Trend(str, enum.Enum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    NEW = "new"  # no checks in the previous window


@dataclass(frozen=True, slots=True)
class AreaFigures:
    """Checks, findings and measures of one district (``key`` None: reports without a place)."""

    key: Optional[str]
    name: str
    checks: int
    findings: int
    measures: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """Active places of a type checked at least once in the window, city-wide or per district."""

    place_type: PlaceType
    district_id: Optional[str]
    checked: int
    total: int


@dataclass(frozen=True, slots=True)
class PlaceScore:
    """A place's effort-normalised hotspot score: findings per check, smoothed toward the
    city-wide rate (see sync_server/situation.py), now and in the previous window."""

    place_id: str
    name: str
    type: PlaceType
    district_id: Optional[str]
    category: Optional[str]
    lat: float
    lon: float
    checks: int
    findings: int
    score: float
    prev_checks: int
    prev_findings: int
    prev_score: float
    trend: Trend


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: str  # local date YYYY-MM-DD
    checks: int
    findings: int


@dataclass(frozen=True, slots=True)
class MissedStop:
    """A stop of the picture's window not kept in time: missed, or late (then ``checked_at``
    when the viewer may see the check)."""

    assignment_id: str
    team_id: str
    team_name: str
    place_id: str
    place_name: str
    window_start: str
    window_end: str
    status: StopStatus = StopStatus.MISSED
    checked_at: Optional[str] = None


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    report_id: str
    place_name: Optional[str]
    question: str
    asked_at: str


@dataclass(frozen=True, slots=True)
class Situation:
    """The inter-agency picture for a time window and filters (agency rule applied)."""

    since: str
    until: str
    timezone: str
    prior_checks: float
    city_rate: float
    checks: int
    findings: int
    measures: int
    places_checked: int
    by_district: list[AreaFigures]
    findings_by_category: dict[str, int]
    coverage: list[Coverage]
    hotspots: list[PlaceScore]
    grid: list[list[int]]  # [weekday Monday=0][hour 0-23] findings, local time
    timeline: list[DayFigures]
    open_questions: list[OpenQuestion]
    missed: list[MissedStop]
