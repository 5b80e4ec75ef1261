"""Joint operations ("Schwerpunkteinsatz") on the wire: what a shift lead plans, what officers
of a participating team pull (the briefing), the live feed and the summary afterwards.

An operation's area is optional: a list of place ids, a polygon, or both (a report is in the
area when its place is one of the places or its position lies inside the polygon). The
polygon is ``[[lat, lon], ...]`` -- latitude first, unlike a place's GeoJSON polygon -- with
3-200 corners, not closed (the last corner joins the first). The summary carries figures only;
no officer names travel in it.
"""

from __future__ import annotations

import enum
from typing import Annotated, Optional

from msgspec import Meta

from .fields import RuleError, Slug, Str, Ts, Wire, between, text, unique
from .model import AgencyCode, Operation

__all__ = ["MAX_OPERATION_HOURS", "Operation", "OperationAgencyTally", "OperationFeed",
           "OperationFeedItem", "OperationPlaceTally", "OperationRequest", "OperationStatus",
           "OperationSummary", "polygon_problem"]

MAX_OPERATION_HOURS = 72  # a joint action is an evening, a night, a weekend: not a season

Corner = Annotated[list[float], Meta(min_length=2, max_length=2)]
Polygon = Annotated[list[Corner], Meta(min_length=3, max_length=200)]


def polygon_problem(polygon: list[list[float]]) -> str | None:
    """What is wrong with a ``[[lat, lon], ...]`` ring, or None: coordinates in range, at
    least three distinct corners, a non-zero area (not all on one line)."""
    for lat, lon in polygon:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return "each corner is [lat, lon] with lat in -90..90 and lon in -180..180"
    distinct = {(lat, lon) for lat, lon in polygon}
    if len(distinct) < 3:
        return "needs at least three distinct corners"
    twice_area = sum(a[1] * b[0] - b[1] * a[0]
                     for a, b in zip(polygon, polygon[1:] + polygon[:1]))
    if abs(twice_area) < 1e-12:
        return "its corners lie on one line: it has no area"
    return None


class OperationRequest(Wire):
    """A planned joint operation: when (ends_at after starts_at, at most MAX_OPERATION_HOURS),
    where (places and/or a polygon; neither: the whole city), who (agencies, teams), and the
    briefing officers read before it."""

    name: text(200, min_length=1, pattern=r"\S(?:[^\n\r]*\S)?",
               description="1-200 characters on one line, no space at either end")
    starts_at: Ts
    ends_at: Ts
    agencies: unique(list[AgencyCode], min_length=1, max_length=20)
    team_ids: unique(list[Slug], min_length=1, max_length=50)
    place_ids: unique(list[Slug], max_length=200) = []
    polygon: Optional[Polygon] = None
    briefing: text(4000) = ""

    def check(self) -> None:  # canonical spelling by now: the times compare as text
        if self.ends_at <= self.starts_at:
            raise RuleError("ends_at", "must be after starts_at")
        from .fields import parse_timestamp

        hours = (parse_timestamp(self.ends_at) - parse_timestamp(self.starts_at)).total_seconds() / 3600
        if hours > MAX_OPERATION_HOURS:
            raise RuleError("ends_at", f"an operation lasts at most {MAX_OPERATION_HOURS} hours")
        # the polygon's shape (polygon_problem) is checked by the server with its own code
        # (invalid_area) and by the planning form before it sends


class OperationStatus(str, enum.Enum):
    PLANNED = "planned"
    RUNNING = "running"
    ENDED = "ended"


class OperationFeedItem(Wire):
    """One report of the operation, as the operation lead's live feed shows it."""

    id: Str
    observed_at: Str
    received_at: Str
    agency: AgencyCode
    author_name: Str
    severity: Str
    team_id: Optional[Str] = None
    team_name: Optional[Str] = None
    place_id: Optional[Str] = None
    place_name: Optional[Str] = None
    findings: list[Str] = []
    measures: list[Str] = []
    note: Str = ""


class OperationFeed(Wire):
    """Reports received after the cursor, oldest receipt first; ask again with ``next_cursor``
    (it stays put when nothing new came)."""

    items: list[OperationFeedItem]
    next_cursor: Str
    has_more: bool


class OperationAgencyTally(Wire):
    agency: AgencyCode
    checks: int
    findings: int
    measures: int


class OperationPlaceTally(Wire):
    """Figures at one place (place_id None: reports at a free position inside the polygon)."""

    place_id: Optional[Str]
    name: Str
    checks: int
    findings: int
    measures: int


class OperationSummary(Wire):
    """What the operation brought, as far as the reader may see (the agency rule)."""

    operation: Operation
    status: OperationStatus
    checks: int
    findings: int
    measures: int
    places_checked: int
    by_agency: list[OperationAgencyTally]
    by_place: list[OperationPlaceTally]
    findings_by_kind: dict[Str, int]
    measures_by_kind: dict[Str, int]
