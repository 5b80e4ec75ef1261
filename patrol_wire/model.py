"""The wire model: every object that crosses between device and server, defined once.

Frozen ``msgspec.Struct``s (see :class:`.fields.Wire`) with their constraints in ``Annotated``
hints (:mod:`.fields`); msgspec decodes and validates them, :mod:`.encoding` spells and documents
them. Enum values are lowercase English and never change meaning.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, ClassVar, Iterable, Optional

from msgspec import Meta

from .fields import RuleError, Sha256, Slug, Str, Ts, Uuid, Wire, between, text, unique

API_PREFIX = "/api/v1"
MAX_BATCH = 500
MAX_PHOTOS_PER_REPORT = 20
MAX_PHOTO_BYTES = 10 * 1024 * 1024


# An agency is data (admins add them: ``Agency`` below), so on the wire it is a code, not an
# enum. The pattern admits every code the enum of earlier versions had ("police", "kod",
# "federal_police", ...), so their objects decode and encode to the same bytes.
AgencyCode = text(pattern=r"[a-z][a-z0-9_]{1,31}",
                  description="an agency code: 2-32 lowercase letters, digits or '_', "
                              "starting with a letter")


class AgencyKind(str, enum.Enum):
    POLICE = "police"
    MUNICIPAL = "municipal"
    PARTNER = "partner"


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
    DIALOGUE_EVENT = "dialogue_event"  # a dialogue event with citizens (attendance, concerns)
    INNKEEPER_CONTACT = "innkeeper_contact"  # a talk with a venue's innkeeper (topics, agreements)


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


Lat = between(float, -90, 90)
Lon = between(float, -180, 180)
Meters = between(float, 0, 1_000_000)
Id = Slug
Text200 = text(200)
# checklist answers: whole numbers JavaScript (and every msgspec version) reads exactly
SAFE_INT = 2**53 - 1


# ---------------------------------------------------------------- reports


class GpsFix(Wire):
    """A position fix as the device received it."""

    lat: Lat
    lon: Lon
    accuracy_m: Meters
    fixed_at: Ts
    source: FixSource = FixSource.GPS


class Presence(Wire):
    """Proof-of-presence verdict and the distance (m) from the fix to the place's centre point."""

    verdict: Verdict
    distance_m: Optional[Meters] = None


class Report(Wire):
    """A check at a place ("Kontrolle"), made on the device; immutable once sent. Without a GPS
    fix, no_fix_reason says why; amends names another report than itself."""

    schema_rules: ClassVar[dict[str, Any]] = {"anyOf": [
        {"required": ["fix"], "properties": {"fix": {"type": "object"}}},
        {"required": ["no_fix_reason"], "properties": {"no_fix_reason": {"type": "string", "minLength": 1}}},
    ]}

    id: Uuid
    observed_at: Ts
    presence: Presence
    severity: Severity
    visibility: Visibility
    place_id: Optional[Id] = None
    team_id: Optional[Id] = None
    fix: Optional[GpsFix] = None
    no_fix_reason: Optional[Text200] = None
    checklist_id: Optional[Id] = None
    checklist_version: Optional[between(int, 1, 1_000_000)] = None
    answers: Annotated[dict[Id, bool | between(int, -SAFE_INT, SAFE_INT) | text(500)],
                       Meta(max_length=100)] = {}
    findings: unique(list[Finding], max_length=len(Finding)) = []
    measures: unique(list[Measure], max_length=len(Measure)) = []
    counts: Annotated[dict[Id, between(int, 0, 1_000_000)], Meta(max_length=20)] = {}
    note: text(4000) = ""
    photos: unique(list[Sha256], max_length=MAX_PHOTOS_PER_REPORT) = []
    amends: Optional[Uuid] = None

    def check(self) -> None:
        if self.fix is None and not self.no_fix_reason:
            raise RuleError("no_fix_reason", "is required when there is no GPS fix")
        if self.amends is not None and self.amends == self.id:
            raise RuleError("amends", "must name another report")


class ItemStatus(str, enum.Enum):
    CREATED = "created"
    IDENTICAL = "identical"
    CONFLICT = "conflict"
    INVALID = "invalid"


class ErrorInfo(Wire):
    code: Str
    message: Str


class ReportResult(Wire):
    """The server's receipt for one report; ``missing_photos`` are still to be uploaded."""

    id: Optional[Str]
    status: ItemStatus
    missing_photos: list[Str] = []
    error: Optional[ErrorInfo] = None


class BatchRequest(Wire):
    """Items are decoded one by one so that one bad report does not sink its batch
    (:func:`patrol_wire.decode_batch`)."""

    reports: Annotated[list[Report], Meta(min_length=1, max_length=MAX_BATCH)]


class BatchResponse(Wire):
    results: list[ReportResult]


class PhotoResult(Wire):
    sha256: Str
    status: ItemStatus


# ---------------------------------------------------------------- auth


class LoginRequest(Wire):
    username: text(64, min_length=1)
    password: text(256, min_length=1)


class UserInfo(Wire):
    username: Str
    display_name: Str
    role: Role
    agency: AgencyCode
    team_ids: list[Str] = []


class LoginResponse(Wire):
    token: Str
    expires_at: Str
    user: UserInfo


# ---------------------------------------------------------------- reference data (pulled)


AgencyName = text(100, pattern=r"\S(?:[^\n\r]*\S)?",
                  description="1-100 characters on one line, no space at either end")


class Agency(Wire):
    """An agency of the cooperation: police, the municipal order service (KOD), a partner.
    A deactivated agency is offered for no new user, but its users and reports keep it."""

    code: AgencyCode
    name_de: AgencyName
    name_en: AgencyName
    kind: AgencyKind
    active: bool = True


class District(Wire):
    id: Id
    name: Text200
    lat: Lat
    lon: Lon
    area_km2: between(float, 0, 100_000)


class Place(Wire):
    """A place patrols check; the geofence is a radius or, when given, a polygon."""

    id: Id
    name: Text200
    type: PlaceType
    lat: Lat
    lon: Lon
    radius_m: between(float, 1, 10_000)
    district_id: Optional[Id] = None
    category: Optional[text(8)] = None
    polygon: Optional[list[list[float]]] = None  # [[lon, lat], ...] as in GeoJSON
    address: Optional[Text200] = None
    active_from: Optional[Ts] = None
    active_until: Optional[Ts] = None
    active: bool = True


class ChecklistField(Wire):
    key: Id
    kind: FieldKind
    label_de: Text200
    label_en: Text200
    choices: list[Str] = []
    required: bool = False


class Checklist(Wire):
    """A versioned checklist for one place type; reports keep the version they were filled with."""

    id: Id
    place_type: PlaceType
    version: between(int, 1, 1_000_000)
    fields: list[ChecklistField]


class TeamMember(Wire):
    username: Str
    display_name: Str
    agency: AgencyCode


class Team(Wire):
    id: Id
    name: Text200
    members: list[TeamMember]
    shift_date: Optional[Str] = None

    @property
    def is_mixed(self) -> bool:
        return is_mixed(m.agency for m in self.members)


def is_mixed(agencies: Iterable[str]) -> bool:
    """The cooperation's rule for a joint patrol: members of at least two agencies."""
    return len(set(agencies)) >= 2


class RouteStop(Wire):
    seq: int
    place_id: Id
    window_start: Ts
    window_end: Ts


class Assignment(Wire):
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


class Query(Wire):
    """A supervisor's question ("Rückfrage") about a report, pulled by the report's author."""

    id: Uuid
    report_id: Uuid
    question: text(2000)
    asked_by: Text200
    asked_at: Ts
    place_id: Optional[Id] = None
    answer_report_id: Optional[Uuid] = None
    answered_at: Optional[Ts] = None


class Operation(Wire):
    """A joint operation ("Schwerpunkteinsatz") as stored and as participating officers pull
    it (see ``patrol_wire.operations``: the request, feed and summary); ``version`` counts
    its changes (1 when created). ``polygon`` is [[lat, lon], ...]."""

    id: Slug
    name: Str
    starts_at: Ts
    ends_at: Ts
    agencies: list[AgencyCode]
    team_ids: list[Slug]
    place_ids: list[Slug] = []
    polygon: Optional[list[list[float]]] = None
    briefing: Str = ""
    version: between(int, 1, 1_000_000_000) = 1


class SyncPage(Wire):
    """What changed for this user since ``cursor``; ask again with ``next_cursor`` while ``has_more``."""

    next_cursor: Str
    has_more: bool
    districts: list[District] = []
    places: list[Place] = []
    checklists: list[Checklist] = []
    teams: list[Team] = []
    assignments: list[Assignment] = []
    queries: list[Query] = []
    agencies: list[Agency] = []  # only for clients that ask for them (GET /sync?agencies=1)
    # joint operations of my teams, only for clients that ask (GET /sync?operations=1)
    operations: list[Operation] = []


# ---------------------------------------------------------------- review (supervisors)


class ReviewRequest(Wire):
    """A review step; asking and rejecting need a text (the question or the reason)."""

    schema_rules: ClassVar[dict[str, Any]] = {
        "if": {"properties": {"action": {"enum": [ReviewAction.ASK.value, ReviewAction.REJECT.value]}}},
        "then": {"required": ["text"], "properties": {"text": {"pattern": r"\S"}}}}

    action: ReviewAction
    text: text(2000) = ""

    def check(self) -> None:
        if self.action in (ReviewAction.ASK, ReviewAction.REJECT) and not self.text.strip():
            raise RuleError("text", "a question or reason is required")


# ---------------------------------------------------------------- planning (shift leads)

Username = text(pattern=r"[a-z0-9][a-z0-9_.-]{1,63}",
                description="2-64 lowercase letters, digits, '_', '.', '-'")
Day = text(pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}", description="a date YYYY-MM-DD")


class TeamRequest(Wire):
    """A team for a shift; members from several agencies (a team of one agency is flagged)."""

    name: text(200, min_length=1)
    members: unique(list[Username], max_length=20)
    shift_date: Optional[Day] = None


class TemplateStop(Wire):
    """A stop of a route template; its time window in minutes after the shift start
    (end_min after start_min)."""

    place_id: Id
    start_min: between(int, 0, 24 * 60)
    end_min: between(int, 1, 24 * 60)

    def check(self) -> None:
        if self.end_min <= self.start_min:
            raise RuleError("end_min", "must be after start_min")


class RouteTemplate(Wire):
    id: Id
    name: text(200, min_length=1)
    stops: Annotated[list[TemplateStop], Meta(min_length=1, max_length=100)]


class AssignRequest(Wire):
    """Assign a route template to a team for one shift (shift_end after shift_start); windows
    become absolute times."""

    route_id: Id
    team_id: Id
    shift_start: Ts
    shift_end: Ts

    def check(self) -> None:  # both in the canonical spelling by now: they compare as text
        if self.shift_end <= self.shift_start:
            raise RuleError("shift_end", "must be after shift_start")


class ReassignRequest(Wire):
    """Hand the stops still ahead to another team, mid-shift."""

    team_id: Id


class StopProgress(Wire):
    seq: int
    place_id: Str
    place_name: Str
    window_start: Str
    window_end: Str
    status: StopStatus
    checked_at: Optional[Str] = None


class TeamProgress(Wire):
    """Live progress of one assignment, for the shift lead (and missed stops for the picture)."""

    assignment_id: Str
    team_id: Str
    team_name: Str
    mixed: bool
    members: list[TeamMember]
    route_name: Str
    shift_start: Str
    shift_end: Str
    stops: list[StopProgress]
    done: int
    open: int
    missed: int
    last_report_at: Optional[Str] = None
    last_report_place: Optional[Str] = None
    late: int = 0


# ---------------------------------------------------------------- administration

Password = text(256, min_length=10)


class AgencyCreate(Wire):
    code: AgencyCode
    name_de: AgencyName
    name_en: AgencyName
    kind: AgencyKind


class AgencyUpdate(Wire):
    """Only the fields given change; the code never does (reports and users name it)."""

    name_de: Optional[AgencyName] = None
    name_en: Optional[AgencyName] = None
    kind: Optional[AgencyKind] = None
    active: Optional[bool] = None


class UserCreate(Wire):
    username: Username
    display_name: text(200, min_length=1)
    role: Role
    agency: AgencyCode
    password: Password


class UserUpdate(Wire):
    """Only the fields given change."""

    display_name: Optional[text(200, min_length=1)] = None
    role: Optional[Role] = None
    agency: Optional[AgencyCode] = None
    disabled: Optional[bool] = None


class PasswordReset(Wire):
    password: Password


class UserRecord(Wire):
    username: Str
    display_name: Str
    role: Role
    agency: AgencyCode
    disabled: bool = False


# ---------------------------------------------------------------- situation picture


class Trend(str, enum.Enum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    NEW = "new"  # no checks in the previous window


class AreaFigures(Wire):
    """Checks, findings and measures of one district (``key`` None: reports without a place)."""

    key: Optional[Str]
    name: Str
    checks: int
    findings: int
    measures: int


class Coverage(Wire):
    """Active places of a type checked at least once in the window, city-wide or per district."""

    place_type: PlaceType
    district_id: Optional[Str]
    checked: int
    total: int


class PlaceScore(Wire):
    """A place's effort-normalised hotspot score: findings per check, smoothed toward the
    city-wide rate (see sync_server/situation.py), now and in the previous window."""

    place_id: Str
    name: Str
    type: PlaceType
    district_id: Optional[Str]
    category: Optional[Str]
    lat: float
    lon: float
    checks: int
    findings: int
    score: float
    prev_checks: int
    prev_findings: int
    prev_score: float
    trend: Trend


class DayFigures(Wire):
    day: Str  # local date YYYY-MM-DD
    checks: int
    findings: int


class MissedStop(Wire):
    """A stop of the picture's window not kept in time: missed, or late (then ``checked_at``
    when the viewer may see the check)."""

    assignment_id: Str
    team_id: Str
    team_name: Str
    place_id: Str
    place_name: Str
    window_start: Str
    window_end: Str
    status: StopStatus = StopStatus.MISSED
    checked_at: Optional[Str] = None


class OpenQuestion(Wire):
    report_id: Str
    place_name: Optional[Str]
    question: Str
    asked_at: Str


class Situation(Wire):
    """The inter-agency picture for a time window and filters (agency rule applied)."""

    since: Str
    until: Str
    timezone: Str
    prior_checks: float
    city_rate: float
    checks: int
    findings: int
    measures: int
    places_checked: int
    by_district: list[AreaFigures]
    findings_by_category: dict[Str, int]
    coverage: list[Coverage]
    hotspots: list[PlaceScore]
    grid: list[list[int]]  # [weekday Monday=0][hour 0-23] findings, local time
    timeline: list[DayFigures]
    open_questions: list[OpenQuestion]
    missed: list[MissedStop]
    # answers to questions that review has not read yet, on every report the viewer may see
    # (any window, any filter: a to-do, the review queue's own figure)
    answers_waiting: int = 0
